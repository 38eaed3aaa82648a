import { expect, test } from 'vitest';
import { groupedCount, shortCount } from '../../src/core/count-format.js';
import { headOf, oneLine, truncate } from '../../src/core/text.js';

test.each([
  ['  a\n\tb  c ', Infinity, 'a b c'],
  ['abcdef', 6, 'abcdef'],
  ['abcdefg', 6, 'abcde…'],
])('oneLine(%j, %s) = %j', (text, max, out) => {
  expect(oneLine(text, max)).toBe(out);
});

test('truncate notes how much was cut, unless asked not to', () => {
  expect(truncate('abcdef', 6)).toBe('abcdef');
  expect(truncate('abcdefgh', 5)).toBe('abcde… (3 more chars)');
  expect(truncate('abcdefgh', 5, { count: false })).toBe('abcde…');
});

test('headOf never splits a surrogate pair', () => {
  expect(headOf('ab😀c', 3)).toBe('ab');
  expect(headOf('ab😀c', 4)).toBe('ab😀');
});

test.each([
  [999, {}, '999'],
  [1500, {}, '1.5k'],
  [2_345_678, {}, '2.3M'],
  [9999, { wholeThousands: true }, '9999'],
  [12_345, { wholeThousands: true }, '12k'],
  [2_345_678, { wholeThousands: true }, '2.3M'],
])('shortCount(%d, %j) = %s', (n, opts, out) => {
  expect(shortCount(n, opts)).toBe(out);
});

test('groupedCount', () => {
  expect(groupedCount(1234567.4)).toBe('1,234,567');
});

test.each([
  0,
  7,
  999,
  1000,
  1000.5,
  9999,
  10_000,
  123_456,
  999_999.6,
  1_000_000,
  20_000_000,
  -1,
  -1234,
  -999_999,
  2 ** 53 - 1,
  2 ** 53 + 2,
  1e21,
  0.4,
])('groupedCount(%d) is what toLocaleString("en-US") writes', (n) => {
  expect(groupedCount(n)).toBe(Math.round(n).toLocaleString('en-US'));
});
