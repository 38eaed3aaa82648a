// `orchestrate history`: the signal timeline as a table fitted to the terminal. Pure.
import { isPhase } from '../../core/phases.js';
import { formatDuration } from '../../core/prompt.js';
import type { HistoryEntry } from '../../core/state.js';
import { type Column, localClock, localDate, plural, shortPhase, table, WIDTH } from './text.js';

export interface HistoryRead {
  entries: HistoryEntry[];
  /** 1-based line numbers of lines that could not be read (torn by a crash mid-append, or edited by hand). */
  skipped: number[];
  file: string;
  exists: boolean;
}

function entryCells(entry: HistoryEntry, short: boolean): string[] {
  const phaseName = (p: string | undefined) => (p === undefined ? '?' : short ? shortPhase(p) : p);
  const common = [String(entry.seq), localClock(String(entry.time)), String(entry.iteration ?? '')];
  switch (entry.event) {
    case 'iteration': {
      const signal = entry.signal ?? null;
      const status = `${signal?.status ?? 'no signal'} / ${entry.validation ?? '?'}`;
      const text =
        entry.validation !== undefined && entry.validation !== 'ok'
          ? (entry.problem ?? signal?.reason ?? signal?.summary ?? '')
          : signal?.status === 'blocked'
            ? (signal.reason ?? signal.summary ?? '')
            : `${signal?.summary ?? ''}${signal?.status === 'waiting' && signal.for && !signal.summary?.includes(signal.for) ? ` (for ${signal.for})` : ''}`;
      return [
        ...common,
        'iteration',
        `${phaseName(entry.phase)} → ${phaseName(entry.phaseAfter)}`,
        status,
        entry.run?.attempts === undefined ? '' : String(entry.run.attempts),
        entry.run?.durationMs === undefined ? '' : formatDuration(entry.run.durationMs),
        text,
      ];
    }
    case 'resumed':
      return [...common, '» resumed', phaseName(entry.phase), `from ${entry.from}`, '', '', String(entry.how ?? '')];
    case 'interrupted':
      return [
        ...common,
        '! interrupted',
        phaseName(entry.phase),
        String(entry.signal),
        String(entry.attempts ?? ''),
        '',
        `stopped; iteration ${entry.iteration} runs again`,
      ];
    case 'delivered': {
      const d = entry.delivery;
      const what = [
        d.written ? `${d.patches} patch${d.patches === 1 ? '' : 'es'} in ${d.dir ?? '?'}` : 'not written',
        d.noPatches,
        d.push ? (d.push.ok ? `pushed to ${d.push.remote}` : `push to ${d.push.remote} failed`) : undefined,
        d.prUrl ? `PR ${d.prUrl}` : undefined,
        ...(d.problems ?? []).map((p) => `${p.step} failed: ${p.what}`),
      ].filter(Boolean);
      return [...common, '✓ delivered', phaseName(entry.phase), `DELIVER=${d.mode}`, '', '', what.join('; ')];
    }
    case 'continued':
      return [
        ...common,
        '» continued',
        `${phaseName(entry.phase)} → ${phaseName(entry.phaseAfter)}`,
        `cycle ${entry.cycle}`,
        '',
        '',
        String(entry.instruction ?? ''),
      ];
    case 'requeued':
      return [...common, '» requeued', phaseName(entry.phase), '', '', '', String(entry.reason ?? '')];
    case 'pr_reaction':
      return [
        ...common,
        '» pull request',
        phaseName(entry.phase),
        `${entry.seen} / ${entry.did}`,
        entry.attempt === undefined ? '' : `${entry.attempt}/${entry.of ?? '?'}`,
        '',
        `${entry.detail ?? ''} (${entry.pr ?? '?'})`,
      ];
    default: {
      const unknown = entry as { event?: unknown; phase?: string };
      return [...common, String(unknown.event ?? '?'), phaseName(unknown.phase), '', '', '', ''];
    }
  }
}

const HISTORY_COLUMNS: Column[] = [
  { header: 'seq', align: 'right' },
  { header: 'time' },
  { header: 'iter', align: 'right' },
  { header: 'event' },
  { header: 'phase' },
  { header: 'status / validation' },
  { header: 'att', align: 'right' },
  { header: 'took', align: 'right' },
  { header: 'summary / problem', flex: true, min: 24 },
];

/** The widest a table gets apart from its flex column. */
function fixedWidth(rows: string[][], columns: Column[]): number {
  return columns.reduce(
    (sum, c, i) => (c.flex ? sum : sum + Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)) + 2),
    0,
  );
}

/** `width`: the terminal's; Infinity (piped) prints every summary whole. */
export function formatHistory(read: HistoryRead, width = WIDTH): string {
  const lines = [`history of ${read.file}`];
  if (read.entries.length === 0) {
    lines.push(
      read.exists
        ? 'no entries yet: the session has not finished an iteration'
        : 'no history yet: the session has not run an iteration',
    );
  } else {
    // Full phase names when they leave the summary room enough; else the short labels (inv, req, plan …).
    let short = false;
    let cells = read.entries.map((e) => entryCells(e, false));
    const longest = Math.max(...cells.map((c) => c.at(-1)!.length));
    if (width - fixedWidth(cells, HISTORY_COLUMNS) < Math.min(40, longest)) {
      short = true;
      cells = read.entries.map((e) => entryCells(e, true));
    }
    const rows: (string[] | { line: string })[] = [];
    let day: string | undefined;
    read.entries.forEach((entry, i) => {
      const date = localDate(String(entry.time));
      if (date && date !== day) {
        rows.push({ line: `-- ${date}` });
        day = date;
      }
      rows.push(cells[i]!);
    });
    lines.push(...table(HISTORY_COLUMNS, rows, width));
    const iterations = read.entries.filter((e) => e.event === 'iteration').length;
    const count = `${read.entries.length} ${read.entries.length === 1 ? 'entry' : 'entries'}`;
    const used = [
      ...new Set(read.entries.flatMap((e) => [e.phase, e.event === 'iteration' ? e.phaseAfter : e.phase])),
    ].filter(isPhase);
    const legend = used.filter((p) => shortPhase(p) !== p).map((p) => `${shortPhase(p)} = ${p}`);
    lines.push(
      '',
      `${count}, ${plural(iterations, 'iteration')}${short && legend.length ? ` (${legend.join(', ')})` : ''}`,
    );
  }
  if (read.skipped.length > 0) {
    const where =
      read.skipped.length <= 5 ? ` (line${read.skipped.length === 1 ? '' : 's'} ${read.skipped.join(', ')})` : '';
    lines.push(
      `${plural(read.skipped.length, 'unreadable line')} skipped${where}: torn by a crash mid-write, or edited by hand`,
    );
  }
  return `${lines.join('\n')}\n`;
}
