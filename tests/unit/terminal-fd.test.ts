// io/terminal-fd.ts: a file, /dev/null (a character device that is no terminal) and a closed descriptor are no
// terminal; a pseudo-terminal is one. (A pipe, stderr under the bench and CI: tests/integration/start-path.test.ts.)
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isTerminal } from '../../src/io/terminal-fd.js';
import { tempDir } from '../helpers/rig.js';

describe('isTerminal', () => {
  test('a file, /dev/null and a closed descriptor are no terminal', () => {
    const file = openSync(join(tempDir('samocode-tty-'), 'f'), 'w');
    const devNull = openSync('/dev/null', 'r');
    expect(isTerminal(file)).toBe(false);
    expect(isTerminal(devNull)).toBe(false);
    closeSync(file);
    closeSync(devNull);
    expect(isTerminal(file)).toBe(false);
  });

  test.runIf(existsSync('/dev/ptmx'))('a pseudo-terminal is one', () => {
    const pty = openSync('/dev/ptmx', 'r+');
    try {
      expect(isTerminal(pty)).toBe(true);
    } finally {
      closeSync(pty);
    }
  });
});
