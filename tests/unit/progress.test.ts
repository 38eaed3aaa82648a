// Stall evidence from the agent's stream: which written files are the working tree's progress (core/progress.ts).
import { describe, expect, test } from 'vitest';
import { treeWrites } from '../../src/core/progress.js';

describe('treeWrites', () => {
  const work = '/w/repo';
  const session = '/s/26-01-01-x';

  test.each([
    [['/w/repo/src/a.ts'], 1],
    [['src/a.ts', './README.md'], 2],
    [['/w/repo/src/a.ts', '/w/repo/src/a.ts'], 2],
  ])('%j in the working tree count: %i', (paths, count) => {
    expect(treeWrites(paths, work, session)).toBe(count);
  });

  test.each([
    ['the session folder (notes, the signal)', '/s/26-01-01-x/_signal.json'],
    ['outside the working dir', '/tmp/scratch.txt'],
    ['a sibling whose name starts the same', '/w/repo-other/a.ts'],
    ['a relative path that climbs out', '../elsewhere/a.ts'],
    ['git metadata', '/w/repo/.git/index'],
    ['the working dir itself', '/w/repo'],
  ])('%s does not count', (_what, path) => {
    expect(treeWrites([path], work, session)).toBe(0);
  });

  test('a session folder inside the working dir is still not the tree', () => {
    expect(treeWrites(['/w/repo/.sessions/x/_qa.md', '/w/repo/a.ts'], work, '/w/repo/.sessions/x')).toBe(1);
  });
});
