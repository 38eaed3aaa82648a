// io/atomic-write.ts with something an agent put at its temp names: the write takes the next name and leaves what it
// found alone; when every name it tries is taken, a named error says what to move away, and the file is unchanged.
// (This file's module is fresh in its test worker: its temp names count from 0.)
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SessionStateError } from '../../src/errors.js';
import { writeFileAtomicSync } from '../../src/io/atomic-write.js';
import { tempDir } from '../helpers/rig.js';

const fifo = (path: string) => expect(spawnSync('mkfifo', [path]).status).toBe(0);

describe('writeFileAtomicSync', () => {
  test('writes the whole text, keeps the mode, leaves no temp file', () => {
    const dir = tempDir('samocode-atomic-');
    const file = join(dir, 'state.md');
    writeFileSync(file, 'old', { mode: 0o640 });
    writeFileAtomicSync(file, 'new text');
    expect(readFileSync(file, 'utf8')).toBe('new text');
    expect(lstatSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['state.md']);
  });

  test('a FIFO and a file at its next temp names are passed over and left as they are', () => {
    const dir = tempDir('samocode-atomic-');
    const file = join(dir, '_overview.md');
    writeFileSync(file, 'old');
    // The next write's name (1 or 0: the counter goes on from the test above) and the names after it.
    for (let n = 0; n < 4; n++) fifo(`${file}.tmp-${process.pid}-${n}`);
    writeFileSync(`${file}.tmp-${process.pid}-4`, 'an agent wrote this');
    writeFileAtomicSync(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(lstatSync(`${file}.tmp-${process.pid}-3`).isFIFO()).toBe(true);
    expect(readFileSync(`${file}.tmp-${process.pid}-4`, 'utf8')).toBe('an agent wrote this');
  });

  test('every name taken: a named error, the file as it was, what stood there untouched', () => {
    const dir = tempDir('samocode-atomic-');
    const file = join(dir, '_overview.md');
    writeFileSync(file, 'old');
    for (let n = 0; n < 40; n++) fifo(`${file}.tmp-${process.pid}-${n}`);
    let error: unknown;
    try {
      writeFileAtomicSync(file, 'new');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SessionStateError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot write ${file.replaceAll('.', '\\.')}: the temp names .* are taken by files samocode did not make .*Move them away \\(.*\\.tmp-\\*\\) and run again\\.$`,
      ),
    );
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toHaveLength(40);
  });
});
