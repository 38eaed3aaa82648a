// The live status line a terminal shows below the scrolling log lines while an iteration runs: what runs, for how
// long, the agent's last action and what the session has cost. Pure: a model and the terminal's width in, one line
// out that never wraps (a wrapped line could not be erased in place) and carries no control character of the agent's.
import { withoutControls } from './agent-text.js';
import { formatCost } from './cost.js';
import { PHASE_RULES, type Phase } from './phases.js';
import stringWidth from 'string-width';

export interface StatusModel {
  phase: Phase;
  iteration: number;
  attempt: number;
  /** When the iteration's agent started (ms since the epoch). */
  startedMs: number;
  /** The agent's last action as its log line says it (`Bash npm test`, `✗ Write x.ts: …`). */
  action?: string | undefined;
  /** Set while a retry waits (`rate limited; retry in 30 s`): shown instead of the action. */
  note?: string | undefined;
  /** The session's cost so far (the iterations that ended). */
  costUsd?: number | undefined;
  costEstimated?: boolean | undefined;
}

export interface RenderOptions {
  nowMs: number;
  /** The terminal's width; the line keeps one column free, so the cursor never wraps it. */
  columns: number;
  color: boolean;
}

const SEPARATOR = ' · ';
/** Below this many columns for the action, it is left out rather than cut to nothing. */
const MIN_ACTION = 8;

/** `▸ #3 impl · 2:05 · Bash npm test · $0.42`, fitted to the width; coloured when `color`. */
export function renderStatus(model: StatusModel, opts: RenderOptions): string {
  const max = Math.max(1, opts.columns - 1);
  const head = `▸ #${model.iteration} ${PHASE_RULES[model.phase].short}${model.attempt > 1 ? ` (attempt ${model.attempt})` : ''}`;
  const fixed = [head, clockTime(opts.nowMs - model.startedMs)];
  const tail = model.costUsd !== undefined ? formatCost(model.costUsd, model.costEstimated, 2) : undefined;
  const middle = oneLine(model.note ?? model.action ?? '');
  const without = [...fixed, ...(tail ? [tail] : [])].join(SEPARATOR);
  let action = '';
  if (middle) {
    const room = max - stringWidth(without) - SEPARATOR.length;
    if (stringWidth(middle) <= room) action = middle;
    else if (room >= MIN_ACTION) action = cutToWidth(middle, room);
  }
  const parts = [...fixed, ...(action ? [action] : []), ...(tail ? [tail] : [])];
  const plain = parts.join(SEPARATOR);
  if (stringWidth(plain) > max) return paint(cutToWidth(plain, max), opts.color ? DIM : undefined);
  if (!opts.color) return plain;
  return `${paint(head, BOLD)}${paint(`${SEPARATOR}${parts.slice(1).join(SEPARATOR)}`, DIM)}`;
}

/** `0:07`, `2:05`, `1:02:03`: a ticking clock keeps its width, so the line does not jitter. */
export function clockTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = String(total % 60).padStart(2, '0');
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}:${s}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${s}`;
}

/** At most `columns` terminal columns, ending in `…` when cut; wide characters count two, graphemes stay whole. */
export function cutToWidth(text: string, columns: number): string {
  if (stringWidth(text) <= columns) return text;
  if (columns <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of segmenter().segment(text)) {
    const width = stringWidth(segment);
    if (used + width > columns - 1) break;
    out += segment;
    used += width;
  }
  return `${out}…`;
}

/** Agent text as one line: no escape sequences or controls, tabs and newlines as spaces. */
export function oneLine(text: string): string {
  return withoutControls(text).replace(/\s+/g, ' ').trim();
}

const BOLD = ['\u001b[1m', '\u001b[22m'] as const;
const DIM = ['\u001b[2m', '\u001b[22m'] as const;

function paint(text: string, style: readonly [string, string] | undefined): string {
  return style ? `${style[0]}${text}${style[1]}` : text;
}

let cached: Intl.Segmenter | undefined;
function segmenter(): Intl.Segmenter {
  cached ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return cached;
}
