// `orchestrate resume` and Telegram's /resume ask a waiting orchestrator to go on by dropping a small file into the
// session folder; the waiting gate watches the folder, so the request reaches it like any other edit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESUME_FILE } from '../core/session-files.js';

export function requestResume(sessionDir: string, how: string, now = new Date()): void {
  writeFileSync(join(sessionDir, RESUME_FILE), `${JSON.stringify({ how, time: now.toISOString() })}\n`);
}
