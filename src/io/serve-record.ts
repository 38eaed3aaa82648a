// `<SESSIONS>/_serve.json`: how a run knows a dashboard (`orchestrate serve`) is up, to name its URL to the person.
// The URL is written without the token (a secret, printed once by `serve` itself). A record is trusted only while its
// process lives on this host: a server that died without cleaning up leaves a file that is ignored, not removed.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { readIfExists } from './read-if-exists.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { isAlive } from './process-group.js';

export const SERVE_FILE = '_serve.json';

export interface ServeRecord {
  pid: number;
  host: string;
  url: string;
  started: string;
}

/** The record, only if its process lives on this host; else undefined (a stale file is ignored, not removed). */
export function readServeRecord(sessionsDir: string): ServeRecord | undefined {
  const parsed = readRecord(join(sessionsDir, SERVE_FILE));
  if (!isServeRecord(parsed)) return undefined;
  if (parsed.host !== hostname() || !isAlive(parsed.pid)) return undefined;
  return { pid: parsed.pid, host: parsed.host, url: parsed.url, started: parsed.started };
}

export function writeServeRecord(sessionsDir: string, record: ServeRecord): void {
  writeFileAtomicSync(join(sessionsDir, SERVE_FILE), `${JSON.stringify(record)}\n`);
}

/** Only if it is still ours: a second server started since owns the file now. */
export function removeServeRecord(sessionsDir: string, pid: number): void {
  const file = join(sessionsDir, SERVE_FILE);
  const record = readRecord(file);
  if (isServeRecord(record) && record.pid === pid) rmSync(file, { force: true });
}

/** The parsed file, or undefined when it is missing, not a regular file (never read: a FIFO would hang) or not JSON. */
function readRecord(file: string): unknown {
  try {
    const text = readIfExists(file);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function isServeRecord(value: unknown): value is ServeRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.pid === 'number' &&
    Number.isInteger(r.pid) &&
    r.pid > 0 &&
    typeof r.host === 'string' &&
    typeof r.url === 'string' &&
    /^https?:\/\//.test(r.url) &&
    typeof r.started === 'string'
  );
}
