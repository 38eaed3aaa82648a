// The agent's raw logs (`_logs/*.jsonl`, `*.stderr.log`) are written by the agent itself through a file descriptor,
// as fast as it prints; one run printed 1 GB. After the run each file is cut to SAMOCODE_LOG_MAX_MB: its head and its
// tail are kept (where a run starts and how it ended are what a person reads), with a line in between that says how
// much was cut. Done in place, in 1 MB chunks: never the whole file in memory. A file under the cap costs one stat.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

const CHUNK = 1024 * 1024;

export interface Cut {
  /** Bytes removed from the middle. */
  cutBytes: number;
  /** Size of the file before. */
  sizeBytes: number;
}

/** Cut `file` to at most `maxBytes` (about half head, half tail, each ending on a whole line); undefined when it fits. */
export function capLogFile(file: string, maxBytes: number): Cut | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= maxBytes) return undefined;
    const half = Math.floor(maxBytes / 2) - 256;
    // Whole lines on both sides of the cut, when there is a line break near it.
    const headEnd = lineBoundary(fd, half, 'before') ?? half;
    const tailStart = lineBoundary(fd, size - half, 'after') ?? size - half;
    const cutBytes = tailStart - headEnd;
    const note = Buffer.from(cutNote(file, cutBytes, size, maxBytes));
    const buffer = Buffer.alloc(CHUNK);
    let from = tailStart;
    let to = headEnd;
    to += writeSync(fd, note, 0, note.length, to);
    // Forward copy: the destination is always well before the source (the cut is far longer than the note).
    while (from < size) {
      const read = readSync(fd, buffer, 0, Math.min(CHUNK, size - from), from);
      if (read <= 0) break;
      writeSync(fd, buffer, 0, read, to);
      from += read;
      to += read;
    }
    ftruncateSync(fd, to);
    return { cutBytes, sizeBytes: size };
  } finally {
    closeSync(fd);
  }
}

function cutNote(file: string, cutBytes: number, size: number, maxBytes: number): string {
  const text = `samocode cut ${mb(cutBytes)} from the middle of this file (${mb(size)} in all; SAMOCODE_LOG_MAX_MB=${mb(maxBytes, false)} keeps the head and the tail)`;
  // In a JSON-lines stream the note is a JSON line too, so a reader of the stream can skip it like any unknown event.
  return file.endsWith('.jsonl') ? `${JSON.stringify({ type: 'samocode_cut', cutBytes, note: text })}\n` : `\n[${text}]\n`;
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
