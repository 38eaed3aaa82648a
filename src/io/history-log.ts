// `_signal_history.jsonl`: append-only, one JSON line per entry. Never read whole on the hot path: startup reads only
// the tail to find the last entry, so the cost stays flat however long the history grows.
//
// Every line in the file is whole. An append that fails part-way (disk full) is cut back at once; a line torn by a
// crash mid-append is repaired at the next start (`repair`): cut off when it is not a whole entry, or sealed with its
// missing newline when it is one (then startup applies it like any entry the state has not caught up with). Either
// way no entry that the state has applied is lost, and none is written twice.
import { appendFileSync, closeSync, ftruncateSync, readSync, truncateSync, writeSync } from 'node:fs';
import { applyEntry, type HistoryEntry, type SessionState } from '../core/state.js';
import { APPEND, openRegularFile, readEnd } from './regular-file.js';
import { guardWrite } from './storage-failure.js';

const TAIL_BYTES = 64 * 1024;
/** How far back a start looks for entries the state has not applied (far more than a second of iterations). */
const MAX_CATCH_UP_BYTES = 16 * 1024 * 1024;

export class HistoryLog {
  constructor(
    readonly file: string,
    private readonly scrub: (text: string) => string = (t) => t,
  ) {}

  async append(entry: HistoryEntry): Promise<void> {
    const line = Buffer.from(`${this.scrub(JSON.stringify(entry))}\n`);
    const what = `appending history entry ${entry.seq} (${entry.event}, iteration ${entry.iteration})`;
    // One small synchronous append per iteration: cheaper than a thread-pool round trip, and never interleaved.
    guardWrite({ file: this.file, what, bytes: line.length }, () => {
      // Never undefined: O_CREAT makes the file, or the open throws.
      const { fd, size } = openRegularFile(this.file, APPEND, 0o666)!;
      try {
        try {
          for (let written = 0; written < line.length;) written += writeSync(fd, line, written);
        } catch (error) {
          // A partial write would leave a torn line mid-file for the next append to build on: cut it back. This frees
          // space, so it works on a full disk; if it cannot work (read-only), nothing was written in the first place.
          try {
            ftruncateSync(fd, size);
          } catch {
            // the repair at the next start handles it
          }
          throw error;
        }
      } finally {
        closeSync(fd);
      }
    });
  }

  /**
   * Make the last line whole before anything reads or appends: a torn line that is not an entry is cut off, a whole
   * entry that lost only its newline gets it back. Returns what was done, for the log; undefined when nothing was.
   */
  repair(): string | undefined {
    // Read-only first: a whole file needs no write access, so a read-only history still opens (and fails, named, at
    // the first append).
    const opened = openRegularFile(this.file);
    if (!opened) return undefined;
    const { fd, size } = opened;
    let start: number;
    let fragment: string;
    try {
      if (size === 0 || lastByte(fd, size) === 0x0a) return undefined;
      start = lineStart(fd, size);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      fragment = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
    if (parseEntry(fragment)) {
      guardWrite({ file: this.file, what: 'sealing the last history line with its newline', bytes: 1 }, () =>
        appendFileSync(this.file, '\n'),
      );
      return `${this.file}: the last entry had lost its newline (a crash mid-append); added it`;
    }
    guardWrite({ file: this.file, what: 'cutting off a torn last history line' }, () => truncateSync(this.file, start));
    return `${this.file}: cut off a torn last line (${size - start} bytes, an append interrupted by a crash or a full disk); the state never applied it`;
  }

  /**
   * The entries after `seq`, oldest first, read from the tail backwards until an entry at or below `seq` is found
   * (so the cost is what is behind, not the history's length), if they follow on from `seq` with no gap; `gap` when
   * the tail does not: the state and the history disagree beyond what a crashed or coalesced state write leaves.
   */
  async entriesAfter(seq: number): Promise<{ entries: HistoryEntry[] } | { gap: true; last: HistoryEntry }> {
    const last = await this.last();
    if (!last || last.seq <= seq) return { entries: [] };
    if (last.seq === seq + 1) return { entries: [last] };
    const opened = openRegularFile(this.file);
    if (!opened) return { gap: true, last };
    const { size } = opened;
    try {
      for (let window = TAIL_BYTES * 4; ; window *= 4) {
        const length = Math.min(size, window, MAX_CATCH_UP_BYTES);
        const lines = readEnd(opened, length).toString('utf8').split('\n');
        // The first line may be cut by the window; only trust it when the window is the whole file.
        const entries = lines
          .slice(length < size ? 1 : 0)
          .map((line) => (line.trim() === '' ? undefined : parseEntry(line)))
          .filter((entry): entry is HistoryEntry => entry !== undefined);
        const first = entries.findIndex((entry) => entry.seq > seq);
        const reached = first > 0 || length === size;
        if (reached || length === MAX_CATCH_UP_BYTES) {
          const behind = first === -1 ? [] : entries.slice(first);
          const follows = behind.every((entry, i) => entry.seq === seq + 1 + i) && behind.at(-1)?.seq === last.seq;
          return reached && follows ? { entries: behind } : { gap: true, last };
        }
      }
    } finally {
      closeSync(opened.fd);
    }
  }

  /** The last complete entry, if any. An unparseable last line is skipped, not fatal. */
  async last(): Promise<HistoryEntry | undefined> {
    const opened = openRegularFile(this.file);
    if (!opened) return undefined;
    const { fd, size } = opened;
    try {
      if (size === 0) return undefined;
      const length = Math.min(size, TAIL_BYTES);
      const text = readEnd(opened, length).toString('utf8');
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      // The first line may be cut by the tail window; only trust it when the window is the whole file.
      const start = length < size ? 1 : 0;
      for (let i = lines.length - 1; i >= start; i--) {
        const entry = parseEntry(lines[i]!);
        if (entry) return entry;
      }
      return undefined;
    } finally {
      closeSync(fd);
    }
  }
}

function lastByte(fd: number, size: number): number {
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, size - 1);
  return one[0]!;
}

/** Offset just after the last newline before `size` (0 if none): where the last line starts. */
function lineStart(fd: number, size: number): number {
  const chunk = Buffer.alloc(TAIL_BYTES);
  // Backwards in chunks: bounded by the file size.
  for (let end = size; end > 0; end -= TAIL_BYTES) {
    const from = Math.max(0, end - TAIL_BYTES);
    const read = readSync(fd, chunk, 0, end - from, from);
    const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (newline !== -1) return from + newline + 1;
  }
  return 0;
}

export function parseEntry(line: string): HistoryEntry | undefined {
  try {
    const value = JSON.parse(line) as HistoryEntry;
    return typeof value === 'object' &&
      value !== null &&
      typeof value.seq === 'number' &&
      typeof value.event === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fold into `state` the entries a previous run recorded but did not apply: a crash between an append and its state
 * write, or the state writes a run coalesced while its iterations were quick (loop/run-session.ts). `gap`: the
 * history's tail does not follow on from the state (a state restored by hand?), nothing is folded.
 */
export async function catchUp(
  state: SessionState,
  history: HistoryLog,
): Promise<{ state: SessionState; recovered: HistoryEntry[]; gap?: HistoryEntry | undefined; nextSeq: number }> {
  const behind = await history.entriesAfter(state.historySeq);
  // The seq an entry appended now takes: past the history's last one, whatever the state says.
  if ('gap' in behind) return { state, recovered: [], gap: behind.last, nextSeq: behind.last.seq + 1 };
  const caught = behind.entries.reduce(applyEntry, state);
  return { state: caught, recovered: behind.entries, nextSeq: caught.historySeq + 1 };
}
