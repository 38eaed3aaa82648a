// Follows the agent's stdout log file as it grows and hands over complete lines. The agent writes straight into the
// file (see io/run-process.ts), so reading it back costs the agent nothing, and memory stays bounded: only the current
// partial line is held, and a line longer than MAX_LINE is skipped rather than buffered.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const MAX_LINE = 1024 * 1024;
const CHUNK = 256 * 1024;

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
  opts: { intervalMs?: number; now?: () => number } = {},
): Follower {
  const now = opts.now ?? Date.now;
  // 'a+' creates the file if the agent has not been started yet, and reads at any position.
  const fd = openSync(file, 'a+');
  const buffer = Buffer.alloc(CHUNK);
  let position = 0;
  let partial = '';
  let skipping = false;
  let grewAt = now();
  let stopped = false;
  // A multi-byte character may be cut by the chunk boundary: the decoder keeps the tail for the next read.
  const decoder = new StringDecoder('utf8');

  const emit = (line: string) => {
    try {
      onLine(line);
    } catch {
      // a listener's bug must not stop the agent's supervision
    }
  };
  const drain = () => {
    for (;;) {
      const size = fstatSync(fd).size;
      if (size <= position) return;
      const read = readSync(fd, buffer, 0, Math.min(CHUNK, size - position), position);
      if (read <= 0) return;
      position += read;
      grewAt = now();
      const lines = (partial + decoder.write(buffer.subarray(0, read))).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (skipping) skipping = false;
        else if (line.trim() !== '') emit(line);
      }
      if (partial.length > MAX_LINE) {
        partial = '';
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
      if (lost && partial !== '') skipping = true;
      if (lost) partial = '';
    },
    finish() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      drain();
      if (partial.trim() !== '' && !skipping) emit(partial);
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
