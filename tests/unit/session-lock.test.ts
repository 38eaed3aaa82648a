// The session lock on real files in a temp folder, in this process: what a lock file holds, release, and the
// takeover claim. The races between processes are tested through the CLI (tests/integration/lock-race.test.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { SessionLockedError } from '../../src/errors.js';
import { SessionLock, liveHolder } from '../../src/io/session-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lockFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samocode-lock-'));
  dirs.push(dir);
  return join(dir, '.lock');
}

function deadPid(): number {
  return spawnSync('true').pid;
}

const NOW = new Date('2026-01-01T00:00:00Z');

describe('SessionLock', () => {
  test('the lock file holds the whole record from the moment it exists, and no temp file is left', async () => {
    const file = lockFile();
    const { lock } = await SessionLock.acquire(file, 'run-1', NOW);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, host: hostname(), runId: 'run-1', startedAt: NOW.toISOString() });
    expect(record.startTicks).toMatch(/^\d+$/);
    expect(record.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readdirSync(join(file, '..'))).toEqual(['.lock']);
    expect(liveHolder(file)?.runId).toBe('run-1');
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  test('a held lock is refused, naming the holder', async () => {
    const file = lockFile();
    await SessionLock.acquire(file, 'run-1', NOW);
    const second = SessionLock.acquire(file, 'run-2', NOW);
    await expect(second).rejects.toThrow(SessionLockedError);
    await expect(SessionLock.acquire(file, 'run-2', NOW)).rejects.toThrow(`held by orchestrator pid ${process.pid}`);
    expect(JSON.parse(readFileSync(file, 'utf8')).runId).toBe('run-1');
  });

  test('release leaves a lock that is no longer ours alone', async () => {
    const file = lockFile();
    const { lock } = await SessionLock.acquire(file, 'run-1', NOW);
    const other = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      runId: 'someone-else',
      startedAt: NOW.toISOString(),
    });
    writeFileSync(file, other);
    lock.release();
    expect(readFileSync(file, 'utf8')).toBe(other);
  });

  test('a takeover claim left by a dead process is cleared, and the stale lock is taken over', async () => {
    const file = lockFile();
    const dead = JSON.stringify({ pid: deadPid(), host: hostname(), runId: 'dead-run', startedAt: NOW.toISOString() });
    writeFileSync(file, dead);
    writeFileSync(`${file}.takeover`, dead);
    const acquired = await SessionLock.acquire(file, 'run-2', NOW);
    expect(acquired.tookOverFrom).toMatchObject({ runId: 'dead-run', why: 'which is no longer running' });
    expect(existsSync(`${file}.takeover`)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).runId).toBe('run-2');
    expect(readdirSync(join(file, '..')).sort()).toEqual(['.lock']);
  });

  test('while a live process holds the takeover claim, a stale lock is not removed by anyone else', async () => {
    const file = lockFile();
    const dead = JSON.stringify({ pid: deadPid(), host: hostname(), runId: 'dead-run', startedAt: NOW.toISOString() });
    writeFileSync(file, dead);
    // This very process stands for the live taker: it is alive and its start time matches.
    const live = readFileSync((await SessionLock.acquire(`${file}-other`, 'taker', NOW)).lock.file, 'utf8');
    writeFileSync(`${file}.takeover`, live);
    await expect(SessionLock.acquire(file, 'run-2', NOW)).rejects.toThrow('other processes keep taking it');
    expect(readFileSync(file, 'utf8')).toBe(dead);
  });
});
