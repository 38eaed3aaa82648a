// Where a run's logger writes everything: <session>/session.log.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { APPEND, openRegularFile } from './regular-file.js';

/**
 * `<session>/session.log` opened to append. Opened by samocode, not by pino: the session folder is the agent's to
 * write, and a FIFO put at this name must be a named error, not an open that waits forever (io/regular-file.ts).
 */
export function openSessionLog(file: string): number {
  mkdirSync(dirname(file), { recursive: true });
  return openRegularFile(file, APPEND, 0o666)!.fd;
}
