// `_signal_history.jsonl`: append-only, one JSON line per entry. Never read whole on the hot path: startup reads only
// the tail to find the last entry, so the cost stays flat however long the history grows.
import { appendFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { HistoryEntry } from '../core/state.js';

const TAIL_BYTES = 64 * 1024;

export class HistoryLog {
  /** Set when the file ends in a torn line (a crash mid-append): the next append starts on a fresh line. */
  private needsNewline = false;

  constructor(
    readonly file: string,
    private readonly scrub: (text: string) => string = (t) => t,
  ) {}

  async append(entry: HistoryEntry): Promise<void> {
    const line = `${this.scrub(JSON.stringify(entry))}\n`;
    // One small synchronous append per iteration: cheaper than a thread-pool round trip, and never interleaved.
    appendFileSync(this.file, this.needsNewline ? `\n${line}` : line);
    this.needsNewline = false;
  }

  /** The last complete entry, if any. A torn or unparseable last line is skipped, not fatal. */
  async last(): Promise<HistoryEntry | undefined> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size === 0) return undefined;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8');
      this.needsNewline = !text.endsWith('\n');
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      // The first line may be cut by the tail window; only trust it when the window is the whole file.
      const start = length < size ? 1 : 0;
      for (let i = lines.length - 1; i >= start; i--) {
        const entry = parseEntry(lines[i]!);
        if (entry) return entry;
      }
      return undefined;
    } finally {
      await handle.close();
    }
  }
}

export function parseEntry(line: string): HistoryEntry | undefined {
  try {
    const value = JSON.parse(line) as HistoryEntry;
    return typeof value === 'object' && value !== null && typeof value.seq === 'number' && typeof value.event === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
