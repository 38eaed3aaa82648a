// The dashboard's record (io/serve-record.ts): a run names the dashboard only while the server that wrote the record
// lives on this host; a stale, foreign or broken record is ignored (and left alone), and a server removes only its own.
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { readServeRecord, removeServeRecord, SERVE_FILE, writeServeRecord } from '../../src/io/serve-record.js';
import { tempDir } from '../helpers/rig.js';

const sessions = () => tempDir('samocode-serve-record-');
const record = (over: Record<string, unknown> = {}) => ({
  pid: process.pid,
  host: hostname(),
  url: 'http://127.0.0.1:4321/',
  started: '2026-12-01T10:00:00.000Z',
  ...over,
});
/** A pid that was alive a moment ago and is not any more. */
const deadPid = () => Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());

describe('the serve record', () => {
  test('written, then read back while its process lives on this host', () => {
    const dir = sessions();
    writeServeRecord(dir, record());
    expect(readServeRecord(dir)).toEqual(record());
  });

  test('a dead process, another host, a broken or missing file: no dashboard, and the file is left', () => {
    const dir = sessions();
    expect(readServeRecord(dir)).toBeUndefined();
    for (const bad of [
      JSON.stringify(record({ pid: deadPid() })),
      JSON.stringify(record({ host: `not-${hostname()}` })),
      JSON.stringify(record({ url: 42 })),
      JSON.stringify(record({ pid: '1' })),
      '{"pid":',
      '',
    ]) {
      writeFileSync(join(dir, SERVE_FILE), bad);
      expect(readServeRecord(dir), bad).toBeUndefined();
      expect(existsSync(join(dir, SERVE_FILE))).toBe(true);
    }
  });

  test('removed only by the server that wrote it', () => {
    const dir = sessions();
    writeServeRecord(dir, record());
    removeServeRecord(dir, process.pid + 1);
    expect(existsSync(join(dir, SERVE_FILE))).toBe(true);
    removeServeRecord(dir, process.pid);
    expect(existsSync(join(dir, SERVE_FILE))).toBe(false);
  });
});
