// `<SESSIONS>/_serve.json`: how a run (or any reader) knows an `orchestrate serve` dashboard is up for these sessions.
// It holds the URL without the token (the token is a secret, printed once by serve and written nowhere). A record
// whose process is gone, or that was written on another host, is stale: ignored by readers, not removed by them.
import { unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-write.js';
import { isAlive } from './process-group.js';
import { readIfExists } from './read-if-exists.js';

export const SERVE_FILE = '_serve.json';

export interface ServeRecord {
  pid: number;
  host: string;
  url: string;
  started: string;
}

/** The record, only if its process lives on this host; else undefined (a stale file is ignored, not removed). */
export function readServeRecord(sessionsDir: string): ServeRecord | undefined {
  const record = readRecord(sessionsDir);
  return record && record.host === hostname() && isAlive(record.pid) ? record : undefined;
}

export function writeServeRecord(sessionsDir: string, record: ServeRecord): void {
  writeFileAtomicSync(join(sessionsDir, SERVE_FILE), `${JSON.stringify(record)}\n`);
}

/** Only if it is still ours: a second serve started since then owns the file now. */
export function removeServeRecord(sessionsDir: string, pid: number): void {
  const record = readRecord(sessionsDir);
  if (!record || record.pid !== pid || record.host !== hostname()) return;
  try {
    unlinkSync(join(sessionsDir, SERVE_FILE));
  } catch {
    // already gone
  }
}

function readRecord(sessionsDir: string): ServeRecord | undefined {
  let value: unknown;
  try {
    // readIfExists: a FIFO or a device put there must not hang the reader.
    value = JSON.parse(readIfExists(join(sessionsDir, SERVE_FILE)) ?? 'null');
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, host, url, started } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (typeof host !== 'string' || typeof url !== 'string' || typeof started !== 'string') return undefined;
  return { pid: pid as number, host, url, started };
}
