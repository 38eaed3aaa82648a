// The agent's raw logs (`_logs/*.jsonl`, `*.stderr.log`) are written by the agent itself through a file descriptor,
// as fast as it prints; one run printed 1 GB. Each file is kept to SAMOCODE_LOG_MAX_MB: its head and its tail are
// kept (where a run starts and how it ended are what a person reads), with a line in between that says how much was
// cut. After the run the file is cut to the cap; while it runs, a file that grows past twice the cap is cut back to
// its head and its last megabyte (the agent writes with O_APPEND, so it goes on at the new end). Done in place, in
// 1 MB chunks: never the whole file in memory. A file under the cap costs one stat.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';

const CHUNK = 1024 * 1024;

export interface Cut {
  /** Bytes removed from the middle. */
  cutBytes: number;
  /** What the agent wrote in all: the file's size before, plus what was cut while it ran. */
  sizeBytes: number;
}

/**
 * Cut `file` to at most `maxBytes` (about half head, half tail, each ending on a whole line); undefined when it fits.
 * `alreadyCut`: bytes cut while the agent ran, counted in the note.
 */
export function capLogFile(file: string, maxBytes: number, alreadyCut = 0): Cut | undefined {
  // The usual case, a file under the cap, costs a stat and no open.
  if (sizeOf(file) <= maxBytes) return undefined;
  return withFile(file, (fd) => {
    const size = fstatSync(fd).size;
    if (size <= maxBytes) return undefined;
    const half = headBytes(maxBytes);
    const { end, cutBytes } = cutMiddle(fd, file, size, half, half, alreadyCut, maxBytes);
    ftruncateSync(fd, end);
    return { cutBytes, sizeBytes: size + alreadyCut };
  });
}

export interface RunningCap {
  /**
   * Cut the file if it has grown past twice the cap. `before` runs first (a reader catches up with what is there);
   * `after` is told the new end, and whether output written during the cut was lost (a reader skips to the next line).
   */
  check(hooks?: { before(): void; after(end: number, lost: boolean): void }): void;
  /** Bytes cut so far. */
  readonly cutBytes: number;
  /** After the run: cut the file to the cap; what was cut in all (while it ran and now), or undefined if nothing. */
  finish(): Cut | undefined;
}

export function capWhileRunning(file: string, maxBytes: number): RunningCap {
  let cut = 0;
  return {
    get cutBytes() {
      return cut;
    },
    check(hooks) {
      if (sizeOf(file) <= 2 * maxBytes) return;
      withFile(file, (fd) => {
        if (fstatSync(fd).size <= 2 * maxBytes) return;
        hooks?.before();
        const size = fstatSync(fd).size;
        const { end, cutBytes } = cutMiddle(
          fd,
          file,
          size,
          headBytes(maxBytes),
          Math.min(CHUNK, Math.floor(maxBytes / 4)),
          cut,
          maxBytes,
        );
        // What the agent appended while the tail was copied is past `size`: it goes with the cut.
        const lost = fstatSync(fd).size - size;
        ftruncateSync(fd, end);
        cut += cutBytes + lost;
        hooks?.after(end, lost > 0);
      });
    },
    finish() {
      const last = capLogFile(file, maxBytes, cut);
      if (last) return { cutBytes: last.cutBytes + cut, sizeBytes: last.sizeBytes };
      return cut > 0 ? { cutBytes: cut, sizeBytes: cut + sizeOf(file) } : undefined;
    },
  };
}

function headBytes(maxBytes: number): number {
  return Math.floor(maxBytes / 2) - 256;
}

/** Write head | note | the last `tail` bytes of the file's `size`, in place; returns where that ends. */
function cutMiddle(
  fd: number,
  file: string,
  size: number,
  head: number,
  tail: number,
  alreadyCut: number,
  maxBytes: number,
): { end: number; cutBytes: number } {
  // Whole lines on both sides of the cut, when there is a line break near it.
  const headEnd = lineBoundary(fd, head, 'before') ?? head;
  const tailStart = lineBoundary(fd, size - tail, 'after') ?? size - tail;
  const cutBytes = tailStart - headEnd;
  const note = Buffer.from(cutNote(file, cutBytes + alreadyCut, size + alreadyCut, maxBytes));
  const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, size - tailStart)));
  let from = tailStart;
  let to = headEnd;
  to += writeSync(fd, note, 0, note.length, to);
  // Forward copy: the destination is always well before the source (the cut is far longer than the note).
  while (from < size) {
    const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - from), from);
    if (read <= 0) break;
    writeSync(fd, buffer, 0, read, to);
    from += read;
    to += read;
  }
  return { end: to, cutBytes };
}

/** The file's size; 0 when it cannot be read (what is not there needs no cut). */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function withFile<T>(file: string, use: (fd: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch {
    return undefined;
  }
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

function cutNote(file: string, cutBytes: number, size: number, maxBytes: number): string {
  const text = `samocode cut ${mb(cutBytes)} from the middle of this file (${mb(size)} in all; SAMOCODE_LOG_MAX_MB=${mb(maxBytes, false)} keeps the head and the tail)`;
  // In a JSON-lines stream the note is a JSON line too, so a reader of the stream can skip it like any unknown event.
  return file.endsWith('.jsonl')
    ? `${JSON.stringify({ type: 'samocode_cut', cutBytes, note: text })}\n`
    : `\n[${text}]\n`;
}

function mb(bytes: number, unit = true): string {
  const value = bytes / (1024 * 1024);
  const text = value >= 10 ? value.toFixed(0) : value.toFixed(2).replace(/\.?0+$/, '');
  return unit ? `${text} MB` : text;
}

/** The offset just after a line break, searching 64 KB before (or after) `at`; undefined if there is none. */
function lineBoundary(fd: number, at: number, direction: 'before' | 'after'): number | undefined {
  const window = 64 * 1024;
  const start = direction === 'before' ? Math.max(0, at - window) : at;
  const buffer = Buffer.alloc(window);
  const read = readSync(fd, buffer, 0, window, start);
  const data = buffer.subarray(0, direction === 'before' ? Math.min(read, at - start) : read);
  const index = direction === 'before' ? data.lastIndexOf(10) : data.indexOf(10);
  return index === -1 ? undefined : start + index + 1;
}
