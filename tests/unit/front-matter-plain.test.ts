// The front matter reader without js-yaml (core/front-matter-plain.ts) must never read a text differently from
// js-yaml: on every front matter samocode writes (states with hostile text in every free field, made by the real
// writer), on hand edits of them (lines re-indented, re-quoted, commented, cut), and on YAML written by hand. It may
// leave a text to js-yaml (undefined), but what samocode writes for an ordinary session it must read itself, or a
// resumed start pays js-yaml again.
import matter from 'gray-matter';
import { describe, expect, test } from 'vitest';
import { plainFrontMatter } from '../../src/core/front-matter-plain.js';
import { parseOverview } from '../../src/core/overview.js';
import { overviewBody } from '../../src/core/overview-body.js';
import { renderOverview } from '../../src/core/overview-format.js';
import type { SessionState } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';
import { random } from '../helpers/random.js';

/** js-yaml's reading (through gray-matter, as overview.ts reads it), or the error it throws. */
function jsYaml(text: string): { data?: unknown; error?: true } {
  try {
    return { data: matter(text, { language: 'yaml' }).data };
  } catch {
    return { error: true };
  }
}

/** The reader agrees with js-yaml or stands aside; true when it read the text itself. */
function agrees(text: string): boolean {
  const plain = plainFrontMatter(text);
  if (plain === undefined) return false;
  const reference = jsYaml(text);
  expect(reference.error, text).toBeUndefined();
  expect(plain, text).toStrictEqual(reference.data);
  return true;
}

const PIECES = [
  'a',
  'Z',
  'word',
  ' ',
  '  ',
  ':',
  ': ',
  ' #',
  '#',
  "'",
  "''",
  '"',
  '\\',
  '\n',
  '\n\n',
  '\t',
  '-',
  '- ',
  '>',
  '|',
  '0',
  '1',
  '42',
  '3.5',
  '1e3',
  '0x1F',
  '2026-12-03',
  '12:30',
  'true',
  'null',
  '~',
  'yes',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a',
  '*a',
  '!tag',
  '%',
  '@',
  '`',
  '?',
  '.inf',
  '<<',
  'é',
  '→',
  '✓',
  '\u0007',
  '\u001b[31m',
  '\u0000',
  '\u2028',
  '\u00a0',
  '😀',
  'x'.repeat(90),
  ' '.repeat(3) + 'indented',
];

function hostileText(next: () => number): string {
  const parts: string[] = [];
  for (let n = Math.floor(next() * 8); n >= 0; n--) parts.push(PIECES[Math.floor(next() * PIECES.length)]!);
  return parts.join(next() < 0.5 ? '' : ' ');
}

function hostileState(next: () => number): SessionState {
  return fakeState({
    task: hostileText(next),
    lastSummary: hostileText(next),
    blockedReason: next() < 0.5 ? hostileText(next) : undefined,
    needs: next() < 0.3 ? hostileText(next) : undefined,
    branch: next() < 0.5 ? `samocode/${hostileText(next)}` : undefined,
    gatesPassed: next() < 0.5 ? ['investigation', 'requirements'] : [],
    budgetWarned: next() < 0.3 ? ['iterations', 'cost'] : undefined,
    iterations: Math.floor(next() * 1000),
    totals: {
      costUsd: Math.round(next() * 1e6) / 1e4,
      inputTokens: Math.floor(next() * 1e7),
      outputTokens: 0,
      cacheReadTokens: 12345678901,
      cacheWriteTokens: 0,
      agentMs: Math.floor(next() * 1e6),
      activeMs: 0,
    },
    gateFailure:
      next() < 0.3
        ? {
            kind: 'verify_failed',
            key: hostileText(next),
            count: 2,
            message: hostileText(next),
            iteration: 3,
            check: {
              name: 'test',
              command: hostileText(next),
              exitCode: next() < 0.5 ? null : 1,
              timedOut: false,
              durationMs: 12.5,
              log: '/s/_logs/check.log',
            },
          }
        : undefined,
  } as Partial<SessionState>);
}

/** A hand edit of one line: what a person (or an agent) might do to the front matter. */
function editLine(text: string, next: () => number): string {
  const lines = text.split('\n');
  const close = lines.indexOf('---', 1);
  const at = 1 + Math.floor(next() * (close - 1));
  const line = lines[at]!;
  const edits = [
    () => ` ${line}`,
    () => line.replace(/^ {2}/, ''),
    () => `${line} # note`,
    () => `${line} `,
    () => line.replace(': ', ':  '),
    () => line.replace(': ', ':'),
    () => line.replace(/'/g, ''),
    () => line.replace(/'/g, '"'),
    () => line.replace(/: (.*)$/, ": '$1'"),
    () => line.replace(/: (.*)$/, ': "$1"'),
    () => line.replace(/: (.*)$/, ': $1\n  more'),
    () => line.replace(/: (.*)$/, ': [$1]'),
    () => line.replace(/^(\s*)(\w+):/, "$1'$2':"),
    () => '',
    () => '# comment',
    () => line.replace('|-', '|').replace('>-', '>'),
    () => line.replace('|-', '|+').replace('>-', '|-'),
    () => `${line}\n${line}`,
    () => line.slice(0, Math.floor(next() * line.length)),
    () => line.replace(/: .*$/, ': 2026-12-03T10:00:00Z'),
    () => line.replace(/: .*$/, ': 0777'),
    () => line.replace(/: .*$/, ': 0x1F'),
    () => line.replace(/: .*$/, ': -0'),
    () => line.replace(/: .*$/, ': 1_000'),
    () => line.replace(/: .*$/, ': .5'),
    () => line.replace(/: .*$/, ': ~'),
    () => line.replace(/: .*$/, ': Null'),
    () => line.replace(/: .*$/, ': FALSE'),
    () => line.replace(/: .*$/, ': __proto__'),
  ];
  lines[at] = edits[Math.floor(next() * edits.length)]!();
  return lines.join('\n');
}

describe('the front matter read without js-yaml', () => {
  test('an ordinary session state, as samocode writes it, is read without js-yaml and as js-yaml reads it', () => {
    const states = [
      fakeState(),
      fakeState({ status: 'blocked', blockedReason: 'bench end', blockedKind: 'agent', stallCount: 0 }),
      fakeState({ lastSummary: 'Wrote the plan: three steps, "auth" first.\nThen the tests.', dive: 'auth' }),
      fakeState({ lastSummary: `${'A long summary of what the agent did. '.repeat(8)}`, needs: 'an answer' }),
      fakeState({ waitingFor: 'qa_answers', waitingFile: '/s/_qa.md', waitQuestions: 2, cycle: 2 }),
      fakeState({ session: '26-12-03-add-auth', name: 'add-auth', branch: 'samocode/add-auth' }),
    ];
    for (const state of states)
      expect(agrees(renderOverview(state, '\n# Body\n')), renderOverview(state, '')).toBe(true);
  });

  test('every state with hostile text is read as js-yaml reads it, or left to js-yaml', () => {
    const next = random(11);
    let read = 0;
    for (let n = 0; n < 1500; n++) if (agrees(renderOverview(hostileState(next), 'body'))) read++;
    // Most are the writer's plain shapes; the rest (indentation indicators, keep chomping, …) go to js-yaml.
    expect(read).toBeGreaterThan(900);
  });

  test('hand edits of a written front matter are read as js-yaml reads them, or left to it', () => {
    const next = random(7);
    let read = 0;
    let left = 0;
    for (let n = 0; n < 3000; n++) {
      let text = renderOverview(hostileState(next), 'body');
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) text = editLine(text, next);
      if (agrees(text)) read++;
      else left++;
    }
    expect(read).toBeGreaterThan(300);
    expect(left).toBeGreaterThan(300);
  });

  test.each([
    ['a comment line', '---\na: 1\n# note\n---\n'],
    ['a flow list', '---\na: [1, 2]\n---\n'],
    ['an anchor and an alias', '---\na: &x one\nb: *x\n---\n'],
    ['a tag', '---\na: !!str 1\n---\n'],
    ['a date', '---\na: 2026-12-03\n---\n'],
    ['a timestamp', '---\na: 2026-12-03T10:00:00.000Z\n---\n'],
    ['an octal number', '---\na: 0777\n---\n'],
    ['a hex number', '---\na: 0x1F\n---\n'],
    ['a binary number', '---\na: 0b101\n---\n'],
    ['a number with underscores', '---\na: 1_000\n---\n'],
    ['an exponent', '---\na: 1e3\n---\n'],
    ['sexagesimal', '---\na: 1:30\n---\n'],
    ['infinity', '---\na: .inf\n---\n'],
    ['a merge key', '---\n<<: {a: 1}\n---\n'],
    ['a duplicate key', '---\na: 1\na: 2\n---\n'],
    ['__proto__', '---\n__proto__: x\n---\n'],
    ['four-space indentation', '---\na:\n    b: 1\n---\n'],
    ['a tab', '---\na:\tb\n---\n'],
    ['CRLF lines', '---\r\na: 1\r\n---\r\n'],
    ['a multi-line plain scalar', '---\na: one\n  two\n---\n'],
    ['a keep-chomped block', '---\na: |+\n  x\n\n---\n'],
    ['an indentation indicator', '---\na: |2-\n    x\n---\n'],
    ['a more-indented folded line', '---\na: >-\n  x\n    y\n  z\n---\n'],
    ['a line of spaces in a block', '---\na: |-\n  x\n   \n  y\n---\n'],
    ['a double-quoted escape YAML lacks', '---\na: "\\q"\n---\n'],
    ['a double-quoted scalar over two lines', '---\na: "x\n  y"\n---\n'],
    ['a lone quote inside single quotes', "---\na: 'it's'\n---\n"],
    ['a list of mappings', '---\na:\n  - b: 1\n---\n'],
    ['an empty front matter', '---\n---\nbody'],
    ['no closing fence', '---\na: 1\n'],
    ['a scalar document', '---\njust text\n---\n'],
    ['yes and no', '---\na: yes\nb: No\n---\n'],
  ])('%s: left to js-yaml', (_what, text) => {
    expect(plainFrontMatter(text)).toBeUndefined();
  });

  test.each([
    ['plain words, numbers, booleans and null', '---\na: word\nb: 42\nc: -1.5\nd: true\ne: False\nf: null\n---\n'],
    ['quoted text', '---\na: \'it\'\'s: #1\'\nb: "tab\\there \\"q\\" \\x41\\u00e9\\U0001F600 \\e\\0\\a"\n---\n'],
    [
      'a literal and a folded block',
      '---\na: |-\n  one\n\n  two\nb: >-\n  three\n  four\n\n  five\nc: |\n  six\n---\n',
    ],
    ['nested mappings and lists', "---\na:\n  b:\n    c: 1\n  d: []\n  e: {}\nf:\n  - x\n  - 'y'\n---\n"],
    ['a session name and a path', '---\nsession: 26-12-03-s\nworkingDir: /tmp/w/s\nbranch: samocode/s\n---\n'],
    ['text after a key of its own name', '---\nnull: x\ntrue: z\n---\n'],
  ])('%s: read as js-yaml reads it', (_what, text) => {
    expect(agrees(text)).toBe(true);
  });

  test('parseOverview gives the same state and body either way', () => {
    const next = random(3);
    for (let n = 0; n < 200; n++) {
      const text = renderOverview(hostileState(next), '\n# Body\n---\nnot front matter\n');
      if (plainFrontMatter(text) === undefined) continue;
      expect(overviewBody(text)).toBe(matter(text, { language: 'yaml' }).content);
      const read = parseOverview(text, '_overview.md');
      expect(read.kind, read.kind === 'invalid' ? read.message : '').toBe('state');
    }
  });
});
