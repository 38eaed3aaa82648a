// io/regular-file.ts, and the small writers built on it: a FIFO (or a folder) where a session file should be is a
// named error at once, never an open that waits for a writer or a reader that never comes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { SessionStateError } from '../../src/errors.js';
import { APPEND, openRegularFile, readEnd, readSmallFile, writeRegularFile } from '../../src/io/regular-file.js';
import { requestResume } from '../../src/io/resume-request.js';
import { appendSessionLogLine } from '../../src/log/session-log-line.js';

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samocode-regular-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fifo(dir: string, name: string): string {
  const file = join(dir, name);
  execFileSync('mkfifo', [file]);
  return file;
}

describe('openRegularFile', () => {
  test('a regular file opens with its size; a missing one is undefined unless it is to be created', () => {
    const dir = temp();
    writeFileSync(join(dir, 'a.txt'), 'hello world');
    const opened = openRegularFile(join(dir, 'a.txt'))!;
    expect(opened.size).toBe(11);
    expect(readEnd(opened, 5).toString()).toBe('world');
    expect(readEnd(opened, 100).toString()).toBe('hello world');
    expect(openRegularFile(join(dir, 'none.txt'))).toBeUndefined();
    const made = openRegularFile(join(dir, 'new.txt'), APPEND, 0o644)!;
    expect(made.size).toBe(0);
    // Creating in a folder that is gone is an error the caller hears, not "missing".
    expect(() => openRegularFile(join(dir, 'gone', 'x.txt'), APPEND, 0o644)).toThrow(/ENOENT/);
  });

  test('a FIFO is named at once, for reading and for writing; so is a folder', () => {
    const dir = temp();
    const pipe = fifo(dir, 'pipe');
    expect(() => openRegularFile(pipe)).toThrow(SessionStateError);
    expect(() => openRegularFile(pipe)).toThrow(
      `${pipe} is a FIFO (named pipe), not a regular file; samocode did not read it`,
    );
    expect(() => openRegularFile(pipe, APPEND)).toThrow(
      `${pipe} is a FIFO (named pipe), not a regular file; samocode did not write to it`,
    );
    expect(() => writeRegularFile(pipe, Buffer.from('x'))).toThrow('is a FIFO (named pipe)');
    mkdirSync(join(dir, 'folder'));
    expect(() => openRegularFile(join(dir, 'folder'))).toThrow('is a directory, not a regular file');
  });
});

describe('the writers on it', () => {
  test('a resume request over a FIFO is a named error; over nothing or a file it is written whole', () => {
    const dir = temp();
    requestResume(dir, 'test', new Date('2026-01-01T00:00:00Z'));
    expect(JSON.parse(readFileSync(join(dir, '_resume.json'), 'utf8'))).toEqual({
      how: 'test',
      time: '2026-01-01T00:00:00.000Z',
    });
    rmSync(join(dir, '_resume.json'));
    fifo(dir, '_resume.json');
    expect(() => requestResume(dir, 'test')).toThrow(SessionStateError);
  });

  test('a session.log line over a FIFO is a warning on the console, not a hang', () => {
    const dir = temp();
    appendSessionLogLine(dir, 'info', 'one', (t) => t);
    expect(JSON.parse(readFileSync(join(dir, 'session.log'), 'utf8'))).toMatchObject({ level: 30, msg: 'one' });
    rmSync(join(dir, 'session.log'));
    fifo(dir, 'session.log');
    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      appendSessionLogLine(dir, 'warn', 'two', (t) => t);
      expect(String(said.mock.calls[0]?.[0])).toContain('is a FIFO (named pipe)');
    } finally {
      said.mockRestore();
    }
  });
});

describe('readSmallFile', () => {
  test('the text of a small file; null for nothing there; undefined for a FIFO, a folder or a file over the bound', () => {
    const dir = temp();
    writeFileSync(join(dir, 'small'), 'gitdir: x\n');
    expect(readSmallFile(join(dir, 'small'), 64)).toBe('gitdir: x\n');
    expect(readSmallFile(join(dir, 'small'), 4)).toBeUndefined();
    expect(readSmallFile(join(dir, 'missing'), 64)).toBeNull();
    expect(readSmallFile(fifo(dir, 'pipe'), 64)).toBeUndefined();
    mkdirSync(join(dir, 'folder'));
    expect(readSmallFile(join(dir, 'folder'), 64)).toBeUndefined();
  });
});
