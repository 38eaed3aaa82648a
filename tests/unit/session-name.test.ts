import { describe, expect, test } from 'vitest';
import {
  checkSessionName,
  datedFolderName,
  findSessionFolder,
  refFormatProblem,
  shortName,
  suggestSessionName,
} from '../../src/core/session-name.js';

describe('session names are names, never paths', () => {
  test.each(['', '  ', '..', '../x', 'a/b', 'a\\b', '/abs', 'a..b', '.hidden', '-flag', 'sp ace', 'x'.repeat(81)])(
    '%j is refused',
    (name) => {
      expect(checkSessionName(name)).toMatch(/--session/);
    },
  );
  test.each(['add-auth', 'v2.1_fix', 'A'])('%j is fine', (name) => {
    expect(checkSessionName(name)).toBeUndefined();
  });
});

describe('session folders', () => {
  test('a new one is dated with the local date', () => {
    expect(datedFolderName('add-auth', new Date(2026, 0, 2, 23, 59))).toBe('26-01-02-add-auth');
  });
  test('an existing one is found by its short name or its full name', () => {
    const entries = ['26-01-02-add-auth', '26-01-03-other', 'notes'];
    expect(findSessionFolder('add-auth', entries)).toEqual({ kind: 'found', folder: '26-01-02-add-auth' });
    expect(findSessionFolder('26-01-02-add-auth', entries)).toEqual({ kind: 'found', folder: '26-01-02-add-auth' });
    expect(findSessionFolder('nope', entries)).toEqual({ kind: 'none' });
    expect(findSessionFolder('add', entries)).toEqual({ kind: 'none' });
  });
  test('two dated folders for one name are ambiguous', () => {
    expect(findSessionFolder('x', ['26-01-02-x', '26-02-02-x'])).toEqual({
      kind: 'ambiguous',
      folders: ['26-01-02-x', '26-02-02-x'],
    });
  });
  test('shortName strips the date', () => {
    expect(shortName('26-01-02-add-auth')).toBe('add-auth');
    expect(shortName('plain')).toBe('plain');
  });
});

describe('session names are valid git branch components (git check-ref-format)', () => {
  test.each([
    ['x.lock', 'ends with ".lock"', 'x-lock'],
    ['x.', 'ends with "."', 'x'],
    ['v1.lock', 'ends with ".lock"', 'v1-lock'],
  ])('%j is refused: %s; suggested %s', (name, rule, suggestion) => {
    const message = checkSessionName(name);
    expect(message).toContain(`--session ${JSON.stringify(name)} ${rule}, which git refuses in a branch name`);
    expect(message).toContain(`(e.g. --session ${suggestion})`);
    expect(checkSessionName(suggestion)).toBeUndefined();
  });
  test('the whole branch is checked with the prefix', () => {
    expect(checkSessionName('fine', 'samocode/')).toBeUndefined();
    expect(checkSessionName('fine', 'x.lock/')).toContain(
      'the session branch "x.lock/fine" (BRANCH_PREFIX + --session) has a part that ends with ".lock" ("x.lock")',
    );
  });
  test.each([
    ['samocode/add-auth', undefined],
    ['a/.b', 'has a part that starts with "."'],
    ['a..b', 'contains ".."'],
    ['a@{b', 'contains "@{"'],
    ['@', 'is "@"'],
    ['a b', 'contains a space'],
    ['a~b', 'contains "~"'],
    ['a^b', 'contains "^"'],
    ['a:b', 'contains ":"'],
    ['a?b', 'contains "?"'],
    ['a*b', 'contains "*"'],
    ['a[b', 'contains "["'],
    ['a\\b', 'contains "\\\\"'],
    ['a\u0001b', 'contains a control character (U+0001)'],
    ['a\u007fb', 'contains a control character (U+007F)'],
    ['a//b', 'contains "//"'],
    ['/a', 'starts or ends with "/"'],
    ['a/', 'starts or ends with "/"'],
    ['a.', 'ends with "."'],
    ['-a', 'starts with "-"'],
    ['a/b.lock', 'has a part that ends with ".lock"'],
  ])('refFormatProblem(%j)', (ref, problem) => {
    const found = refFormatProblem(ref);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
  test.each(['x.lock', 'a b/c', '..', '-rf', 'x.', ''])('suggestSessionName(%j) passes the check', (name) => {
    expect(checkSessionName(suggestSessionName(name))).toBeUndefined();
  });
});
