// One line into a session's `session.log` from outside its run (the worker's pull request reactions), in the shape
// pino writes there (level, time, pid, msg), so `session.log` reads as one story. The caller holds no lock: a line is
// one small append, as pino's own sync writes are.
import { join } from 'node:path';
import { SESSION_LOG } from '../core/session-files.js';
import { appendRegularFile } from '../io/regular-file.js';

const LEVELS = { info: 30, warn: 40 } as const;

/** Never throws: a session.log that cannot be written (disk full, read-only) is said on the console instead. */
export function appendSessionLogLine(
  sessionDir: string,
  level: keyof typeof LEVELS,
  msg: string,
  scrub: (text: string) => string,
  fields: Record<string, string> = {},
): void {
  const file = join(sessionDir, SESSION_LOG);
  const line = JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, ...fields, msg });
  try {
    // Opened without blocking: a FIFO an agent put there is a warning, not a worker that hangs.
    appendRegularFile(file, Buffer.from(`${scrub(line)}\n`));
  } catch (error) {
    process.stderr.write(scrub(`orchestrate: warning: cannot write ${file}: ${String(error)}\n`));
  }
}
