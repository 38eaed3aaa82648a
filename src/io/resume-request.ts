// `orchestrate resume` and Telegram's /resume ask a waiting orchestrator to go on by dropping a small file into the
// session folder; the waiting gate watches the folder, so the request reaches it like any other edit.
import { join } from 'node:path';
import { RESUME_FILE } from '../core/session-files.js';
import { writeRegularFile } from './regular-file.js';

export function requestResume(sessionDir: string, how: string, now = new Date()): void {
  // Never blocking on what an agent put at its name (io/regular-file.ts).
  writeRegularFile(join(sessionDir, RESUME_FILE), Buffer.from(`${JSON.stringify({ how, time: now.toISOString() })}\n`));
}
