// Follows the agent's stdout log file as it grows and hands over complete lines. The agent writes straight into the
// file (see io/run-process.ts), so reading it back costs the agent nothing, and memory stays bounded: only the current
// partial line is held, and a line longer than MAX_LINE bytes is skipped rather than buffered.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const MAX_LINE = 1024 * 1024;
const CHUNK = 256 * 1024;

/**
 * One read buffer for every follower of this process, allocated once: a drain is synchronous and nothing keeps a
 * view of the buffer after it (a cut-off line is copied), so followers of sessions run side by side (a worker) can
 * share it. A fresh zero-filled 256 KB per attempt was garbage the GC had to collect every few iterations.
 */
let shared: Buffer | undefined;
const readBuffer = (bytes: number) =>
  bytes === CHUNK ? (shared ??= Buffer.allocUnsafe(CHUNK)) : Buffer.allocUnsafe(bytes);

export interface Follower {
  /** Time (ms since epoch) the file last grew. */
  lastGrowth(): number;
  /** Read what is left (after the process exited), flush the last line, stop. */
  finish(): void;
  /** Read everything there is now (before the file is cut while the agent runs, io/log-cap.ts). */
  catchUp(): void;
  /** The file was cut: go on reading at `position`; `lost`: output went with the cut, so skip to the next line. */
  resumeAt(position: number, lost: boolean): void;
}

export function followLines(
  file: string,
  onLine: (line: string) => void,
  opts: { intervalMs?: number; now?: () => number; chunkBytes?: number } = {},
): Follower {
  const now = opts.now ?? Date.now;
  // 'a+' creates the file if the agent has not been started yet, and reads at any position.
  const fd = openSync(file, 'a+');
  const buffer = readBuffer(opts.chunkBytes ?? CHUNK);
  let position = 0;
  // The bytes of a line that the last read cut off (a copy: the read buffer is reused).
  let partial: Buffer | undefined;
  let skipping = false;
  let grewAt = now();
  let stopped = false;

  const emit = (bytes: Buffer) => {
    if (skipping) {
      skipping = false;
      return;
    }
    // A line break byte never occurs inside a multi-byte UTF-8 character, so a whole line decodes on its own.
    const line = bytes.toString('utf8');
    if (line.trim() === '') return;
    try {
      onLine(line);
    } catch {
      // a listener's bug must not stop the agent's supervision
    }
  };
  // Lines are cut from the read buffer one at a time, each decoded on its own: a 50 MB burst never becomes one big
  // string nor an array of lines that all live until the chunk is done (what V8 would promote to the old generation
  // and keep until a full GC: ~70 MB more peak RSS per 50 MB, bench).
  const drain = () => {
    for (;;) {
      const size = fstatSync(fd).size;
      if (size <= position) return;
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (read <= 0) return;
      position += read;
      grewAt = now();
      const chunk = buffer.subarray(0, read);
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, end);
        emit(partial ? Buffer.concat([partial, piece]) : piece);
        partial = undefined;
        start = end + 1;
      }
      if (start < read) partial = Buffer.concat(partial ? [partial, chunk.subarray(start)] : [chunk.subarray(start)]);
      if (partial && partial.length > MAX_LINE) {
        partial = undefined;
        skipping = true;
      }
    }
  };
  const timer = setInterval(() => {
    if (!stopped) drain();
  }, opts.intervalMs ?? 200);

  return {
    lastGrowth: () => grewAt,
    catchUp: () => {
      if (!stopped) drain();
    },
    resumeAt(at, lost) {
      position = at;
      if (lost && partial) skipping = true;
      if (lost) partial = undefined;
    },
    finish() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      drain();
      if (partial) emit(partial);
      closeSync(fd);
    },
  };
}

/** Only notice growth (for the idle timeout) without reading the content: for agents whose stream is not parsed. */
export function followGrowth(
  file: string,
  opts: { intervalMs?: number; now?: () => number } = {},
): Pick<Follower, 'lastGrowth' | 'finish'> {
  const now = opts.now ?? Date.now;
  // 'a+' creates the file if the agent has not been started yet, and reads at any position.
  const fd = openSync(file, 'a+');
  let size = 0;
  let grewAt = now();
  const timer = setInterval(() => {
    const current = fstatSync(fd).size;
    if (current !== size) {
      size = current;
      grewAt = now();
    }
  }, opts.intervalMs ?? 500);
  return {
    lastGrowth: () => grewAt,
    finish() {
      clearInterval(timer);
      closeSync(fd);
    },
  };
}
