import { describe, expect, test } from 'vitest';
import { checkSessionName, datedFolderName, findSessionFolder, shortName } from '../../src/core/session-name.js';

describe('session names are names, never paths', () => {
  test.each(['', '  ', '..', '../x', 'a/b', 'a\\b', '/abs', 'a..b', '.hidden', '-flag', 'sp ace', 'x'.repeat(81)])('%j is refused', (name) => {
    expect(checkSessionName(name)).toMatch(/--session/);
  });
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
    expect(findSessionFolder('x', ['26-01-02-x', '26-02-02-x'])).toEqual({ kind: 'ambiguous', folders: ['26-01-02-x', '26-02-02-x'] });
  });
  test('shortName strips the date', () => {
    expect(shortName('26-01-02-add-auth')).toBe('add-auth');
    expect(shortName('plain')).toBe('plain');
  });
});
