// The front matter's validation without zod (core/overview-plain.ts) must give exactly zod's state, in the schema's
// key order, or stand aside: on the states samocode writes (every optional field, a delivery, a gate failure) and on
// data mutated where the schema decides (wrong types, limits, null, missing and unknown keys, a date object). What a
// session writes it must take itself, or a resumed start builds the schema again.
import { describe, expect, test } from 'vitest';
import { frontMatterSchema } from '../../src/core/overview.js';
import { PLAIN_KEYS, plainState } from '../../src/core/overview-plain.js';
import type { SessionState } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';
import { random } from '../helpers/random.js';

/** zod's reading; plainState agrees with it or stands aside. True when plainState took the data. */
function agrees(data: unknown): boolean {
  const plain = plainState(data);
  if (plain === undefined) return false;
  const reference = frontMatterSchema().safeParse(data, { jitless: true });
  expect(reference.success, JSON.stringify(data)).toBe(true);
  expect(plain, JSON.stringify(data)).toStrictEqual(reference.data);
  // The key order too: the state is written back in it.
  expect(Object.keys(plain)).toEqual(Object.keys(reference.data as object));
  return true;
}

const pick = <T>(next: () => number, values: readonly T[]): T => values[Math.floor(next() * values.length)]!;

/** A state as samocode may write it, every optional field there or not; as the YAML reader gives it (plain data). */
function writtenState(next: () => number): Record<string, unknown> {
  const maybe = <T>(value: T): T | undefined => (next() < 0.5 ? value : undefined);
  const state: SessionState = fakeState({
    status: pick(next, ['running', 'waiting', 'blocked', 'done'] as const),
    phase: pick(next, ['investigation', 'planning', 'implementation', 'quality', 'done'] as const),
    iterations: Math.floor(next() * 500),
    historySeq: Math.floor(next() * 1000),
    gatesPassed: maybe(['requirements', 'planning']) ?? [],
    dive: maybe('auth'),
    waitingFor: maybe('qa_answers'),
    waitingFile: maybe('/s/_qa.md'),
    waitQuestions: maybe(2),
    needs: maybe('an answer'),
    blockedReason: maybe('bench end'),
    blockedKind: maybe('agent'),
    lastSummary: maybe('did things'),
    approvedPlan: maybe('_plan.md'),
    planFeedback: maybe('smaller steps'),
    reviewFeedback: maybe('fix the test'),
    reviewFindings: maybe(3),
    budgetWarned: maybe(['iterations', 'cost'] as const) as SessionState['budgetWarned'],
    stallCount: maybe(0),
    carryNote: maybe('carry on'),
    verifiedTree: maybe('abc123'),
    instruction: maybe('go on'),
    cycle: maybe(2),
    branch: maybe('samocode/test'),
    baseBranch: maybe('main'),
    standalone: next() < 0.2,
    totals: {
      costUsd: Math.round(next() * 1e5) / 1e3,
      inputTokens: Math.floor(next() * 1e7),
      outputTokens: 12,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      agentMs: 1234.5,
      activeMs: 99,
      ...(next() < 0.3 ? { costEstimated: true } : {}),
    },
    gateFailure: maybe({
      kind: 'verify_failed' as const,
      key: 'test',
      count: 1,
      message: 'tests failed',
      iteration: 4,
      ...(next() < 0.5
        ? {
            check: {
              name: 'test',
              command: 'npm test',
              exitCode: next() < 0.5 ? null : 1,
              timedOut: false,
              durationMs: 1200,
              log: '/s/_logs/check.log',
              ...(next() < 0.5 ? { cls: 'assertion', hint: 'see the log', excerpt: 'expected 1' } : {}),
            },
          }
        : {}),
    }),
    delivery: maybe({
      dir: '/s/delivery',
      mode: 'patch' as const,
      time: '2026-01-02T03:04:05.000Z',
      commits: 2,
      patches: 2,
      problems: 0,
      ...(next() < 0.5 ? { diffstat: '2 files changed', pushed: 'origin/x', prUrl: 'https://x/1' } : {}),
    }),
  });
  return JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
}

const ODD_VALUES: readonly unknown[] = [
  null,
  '',
  'x',
  0,
  -0,
  -1,
  1.5,
  2 ** 53,
  2 ** 53 - 1,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  [],
  {},
  ['investigation'],
  ['bogus'],
  new Date('2026-01-02T03:04:05.000Z'),
  'investigation',
  'running',
  'verify_failed',
  'pr',
  'cost',
  undefined,
];

/** One change where the schema decides: a value swapped, a key deleted or added, at the top or one level down. */
function mutate(data: Record<string, unknown>, next: () => number): void {
  let target = data;
  const nested = Object.entries(data).filter(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (nested.length > 0 && next() < 0.4) {
    target = pick(next, nested)[1] as Record<string, unknown>;
    const deeper = Object.values(target).filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (deeper.length > 0 && next() < 0.3) target = pick(next, deeper) as Record<string, unknown>;
  }
  const key = pick(next, Object.keys(target));
  const roll = next();
  if (roll < 0.15) delete target[key];
  else if (roll < 0.2) target[`extra${Math.floor(next() * 3)}`] = 'x';
  else if (roll < 0.25 && Array.isArray(target[key])) (target[key] as unknown[]).push(pick(next, ODD_VALUES));
  else target[key] = pick(next, ODD_VALUES);
}

interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
}

/** The fields of a zod object, through the optional or default around it. */
function shapeOf(schema: unknown): Record<string, unknown> {
  let def = (schema as { _zod: { def: ZodDef } })._zod.def;
  while (def.type === 'optional' || def.type === 'default') def = (def.innerType as { _zod: { def: ZodDef } })._zod.def;
  if (def.type !== 'object' || !def.shape) throw new Error(`not an object schema: ${def.type}`);
  return def.shape;
}

describe('the front matter validated without zod', () => {
  test('it knows every field of the schema, in its order (a field added there and not here would be dropped)', () => {
    const shape = shapeOf(frontMatterSchema());
    const keys = (schema: unknown) => Object.keys(shapeOf(schema));
    expect(PLAIN_KEYS.frontMatter).toEqual(Object.keys(shape));
    expect(PLAIN_KEYS.totals).toEqual(keys(shape.totals));
    expect(PLAIN_KEYS.gateFailure).toEqual(keys(shape.gateFailure));
    expect(PLAIN_KEYS.checkRun).toEqual(keys(shapeOf(shape.gateFailure).check));
    expect(PLAIN_KEYS.delivery).toEqual(keys(shape.delivery));
  });

  test('every state samocode writes is taken, as zod gives it', () => {
    const next = random(5);
    for (let n = 0; n < 500; n++) expect(agrees(writtenState(next))).toBe(true);
    expect(agrees({ ...JSON.parse(JSON.stringify(fakeState())), totals: undefined })).toBe(false);
    const withoutDefaults = JSON.parse(JSON.stringify(fakeState())) as Record<string, unknown>;
    for (const key of ['historySeq', 'gatesPassed', 'standalone', 'totals']) delete withoutDefaults[key];
    expect(agrees(withoutDefaults)).toBe(true);
  });

  test('mutated data is taken exactly as zod takes it, or left to zod', () => {
    const next = random(9);
    let taken = 0;
    let left = 0;
    for (let n = 0; n < 6000; n++) {
      const data = writtenState(next);
      for (let k = 1 + Math.floor(next() * 2); k > 0; k--) mutate(data, next);
      if (agrees(data)) taken++;
      else {
        left++;
        // Left to zod is fine; taken by plainState while zod refuses is what agrees() fails on.
      }
    }
    expect(taken).toBeGreaterThan(1000);
    expect(left).toBeGreaterThan(1000);
  });

  test.each([
    ['null', null],
    ['a list', []],
    ['a string', 'phase: x'],
    ['a date where a time is', { ...JSON.parse(JSON.stringify(fakeState())), startedAt: new Date(0) }],
  ])('%s is left to zod', (_what, data) => {
    expect(plainState(data)).toBeUndefined();
  });
});
