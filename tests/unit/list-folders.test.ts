// io/list-folders.ts on a real folder: what counts as a session folder under SESSIONS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { listFolders } from '../../src/io/list-folders.js';
import { tempDir } from '../helpers/rig.js';

test('folders and links to folders; not files, links to files, dangling links or FIFOs', () => {
  const dir = tempDir();
  mkdirSync(join(dir, '26-01-01-a'));
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'notes.md'), 'x');
  symlinkSync(join(dir, 'b'), join(dir, 'link-to-folder'));
  symlinkSync(join(dir, 'notes.md'), join(dir, 'link-to-file'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  expect(listFolders(dir).sort()).toEqual(['26-01-01-a', 'b', 'link-to-folder']);
});

test('a folder that does not exist has none', () => {
  expect(listFolders(join(tempDir(), 'missing'))).toEqual([]);
});
