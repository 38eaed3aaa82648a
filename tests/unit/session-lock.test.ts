// The session lock on real files in a temp folder, in this process: what a lock file holds, release, and the
// takeover claim. The races between processes are tested through the CLI (tests/integration/lock-race.test.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

  test('a takeover leaves no moment without a lock file: a process that only ever link()s the lock never gets in', async () => {
    // What a second orchestrator does when it finds no lock: link(2) its record to the lock path. A takeover that
    // removed the stale lock before putting its own let such a process in, and the run that had seen the dead one
    // (and would stop its leftovers) was refused instead. Here a child links in a tight loop while this process takes
    // a stale lock over again and again (made stale again by rename, so it never goes missing otherwise).
    const file = lockFile();
    const dead = JSON.stringify({ pid: deadPid(), host: hostname(), runId: 'dead-run', startedAt: NOW.toISOString() });
    writeFileSync(file, dead);
    const linker = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const [lock, mine] = process.argv.slice(1);
         fs.writeFileSync(mine, 'the linker');
         process.stdout.write('ready');
         const spin = () => {
           for (let i = 0; i < 2000; i++) { try { fs.linkSync(mine, lock); process.stdout.write(' got in'); process.exit(0); } catch {} }
           setImmediate(spin);
         };
         spin();`,
        file,
        `${file}.linker`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let said = '';
    linker.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const exited = new Promise((resolve) => linker.once('exit', resolve));
    await new Promise<void>((resolve) => linker.stdout.once('data', () => resolve()));
    let tookOver = 0;
    let refused: string | undefined;
    try {
      for (let i = 0; i < 300 && refused === undefined; i++) {
        try {
          if ((await SessionLock.acquire(file, `run-${i}`, NOW)).tookOverFrom) tookOver++;
        } catch (error) {
          refused = String(error);
        }
        writeFileSync(`${file}.again`, dead);
        renameSync(`${file}.again`, file);
      }
    } finally {
      linker.kill('SIGTERM');
      await exited;
    }
    expect({ said, tookOver, refused }).toEqual({ said: 'ready', tookOver: 300, refused: undefined });
  });
});
