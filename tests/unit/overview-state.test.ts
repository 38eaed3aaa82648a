import { describe, expect, test } from 'vitest';
import matter from 'gray-matter';
import { parseOverview } from '../../src/core/overview.js';
import { overviewBody } from '../../src/core/overview-body.js';
import { renderOverview } from '../../src/core/overview-format.js';
import { applyEntry, type IterationEntry } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';

describe('_overview.md round trip', () => {
  const bodies = [
    '',
    '\n# Notes\n',
    '# no leading newline',
    'trailing spaces   \n\n\n',
    'unicode: ✓ — ü\r\nwindows line\r\n',
    '---\nlooks like front matter\n---\n',
  ];
  test.each(bodies)('body %j is kept byte for byte', (body) => {
    const state = fakeState({ dive: 'auth', lastSummary: 'multi\nline: "quoted"' });
    const text = renderOverview(state, body);
    const read = parseOverview(text, '_overview.md');
    expect(read).toEqual({ kind: 'state', state, body });
  });

  test('undefined fields are left out of the YAML', () => {
    expect(renderOverview(fakeState(), '')).not.toContain('waitingFor');
  });

  test('invalid YAML names the file and the way out', () => {
    const read = parseOverview('---\nphase: [\n---\nbody', '/s/_overview.md');
    expect(read.kind).toBe('invalid');
    if (read.kind === 'invalid') expect(read.message).toMatch(/\/s\/_overview\.md: the front matter .* not valid YAML/);
  });

  test('a bad field names the field and the value', () => {
    const text = renderOverview(fakeState(), 'b').replace('phase: investigation', 'phase: deploy');
    const read = parseOverview(text, 'o.md');
    expect(read.kind).toBe('invalid');
    if (read.kind === 'invalid') expect(read.message).toContain('phase="deploy"');
  });

  // overview.ts uses zod's mini API, which has no messages of its own: English is registered there.
  test('what is wrong with a field is said in words, with what it may be', () => {
    const text = renderOverview(fakeState(), 'b')
      .replace('phase: investigation', 'phase: deploy')
      .replace(/^iterations: \d+$/m, 'iterations: 2.5');
    const read = parseOverview(text, 'o.md');
    expect(read.kind === 'invalid' && read.message).toContain(
      'phase="deploy": Invalid option: expected one of "init"|"investigation"|',
    );
    expect(read.kind === 'invalid' && read.message).toContain('iterations=2.5: Invalid input: expected int');
  });

  test('a Python-era overview is migrated, its text kept as the body', () => {
    const legacy = '# Session: auth\n\n## Status\n- **Phase**: implementation\nIteration: 7\n\n## Notes\nkeep me\n';
    expect(parseOverview(legacy, 'o.md')).toEqual({
      kind: 'legacy',
      phase: 'implementation',
      iterations: 7,
      body: legacy,
    });
  });

  test('a legacy file with an unknown phase is refused with the line to fix', () => {
    const read = parseOverview('## Status\nPhase: deploying\n', 'o.md');
    expect(read.kind === 'invalid' && read.message).toContain('Phase: "deploying"');
  });

  test('neither front matter nor a Status section', () => {
    expect(parseOverview('# just notes\n', 'o.md').kind).toBe('invalid');
  });
});

describe('applyEntry', () => {
  const iteration = (over: Partial<IterationEntry>): IterationEntry => ({
    seq: 1,
    time: '2026-01-02T04:00:00.000Z',
    event: 'iteration',
    iteration: 1,
    phase: 'investigation',
    phaseAfter: 'investigation',
    statusAfter: 'running',
    signal: { status: 'continue', summary: 'looked' },
    validation: 'ok',
    run: {
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 100,
      attempts: 1,
      corrective: false,
      provider: 'script',
      costUsd: 0.5,
      tokens: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 1, cacheWriteTokens: 0 },
    },
    ...over,
  });

  test('staying counts a phase iteration; moving resets it; totals add up', () => {
    let state = applyEntry(fakeState(), iteration({}));
    expect(state).toMatchObject({
      iterations: 1,
      phaseIterations: 1,
      historySeq: 1,
      lastSummary: 'looked',
      totals: { agentMs: 100, costUsd: 0.5, inputTokens: 10 },
    });
    state = applyEntry(state, iteration({ seq: 2, iteration: 2, phaseAfter: 'requirements' }));
    expect(state).toMatchObject({
      phase: 'requirements',
      iterations: 2,
      phaseIterations: 0,
      totals: { agentMs: 200, costUsd: 1 },
    });
  });

  test('waiting records what for; resuming passes the gate of the phase', () => {
    let state = applyEntry(
      fakeState({ phase: 'requirements' }),
      iteration({
        phase: 'requirements',
        phaseAfter: 'requirements',
        statusAfter: 'waiting',
        signal: { status: 'waiting', for: 'qa_answers', needs: 'answers' },
        waitQuestions: 3,
      }),
    );
    expect(state).toMatchObject({ status: 'waiting', waitingFor: 'qa_answers', needs: 'answers', waitQuestions: 3 });
    // The question count is state like the rest: it survives the front matter.
    expect(parseOverview(renderOverview(state, ''), '_overview.md')).toMatchObject({
      kind: 'state',
      state: { waitQuestions: 3 },
    });
    state = applyEntry(state, {
      seq: 2,
      time: 't',
      event: 'resumed',
      iteration: 1,
      phase: 'requirements',
      from: 'waiting',
      how: 'edit',
    });
    expect(state).toMatchObject({
      status: 'running',
      gatesPassed: ['requirements'],
      waitingFor: undefined,
      needs: undefined,
      historySeq: 2,
    });
    expect(state.waitQuestions).toBeUndefined();
  });

  test('a problem blocks with its kind and message; resuming a block passes no gate', () => {
    let state = applyEntry(
      fakeState({ phase: 'planning' }),
      iteration({
        phase: 'planning',
        phaseAfter: 'planning',
        statusAfter: 'blocked',
        signal: null,
        validation: 'gate_skipped',
        problem: 'must wait',
      }),
    );
    expect(state).toMatchObject({ status: 'blocked', blockedKind: 'gate_skipped', blockedReason: 'must wait' });
    state = applyEntry(state, {
      seq: 2,
      time: 't',
      event: 'resumed',
      iteration: 1,
      phase: 'planning',
      from: 'blocked',
      how: 'run again',
    });
    expect(state).toMatchObject({ status: 'running', gatesPassed: [], blockedKind: undefined });
  });

  test('an agent-declared block keeps the agent reason', () => {
    const state = applyEntry(
      fakeState(),
      iteration({ statusAfter: 'blocked', signal: { status: 'blocked', reason: 'no db', needs: 'start it' } }),
    );
    expect(state).toMatchObject({ blockedKind: 'agent', blockedReason: 'no db', needs: 'start it' });
  });

  test('an interruption changes nothing but the sequence', () => {
    const before = fakeState({ iterations: 4, phaseIterations: 2 });
    const after = applyEntry(before, {
      seq: 1,
      time: 't',
      event: 'interrupted',
      iteration: 5,
      phase: 'investigation',
      signal: 'SIGINT',
      attempts: 1,
    });
    expect(after).toEqual({ ...before, historySeq: 1, updatedAt: 't' });
  });
});

describe('overviewBody (the fast split used on every write)', () => {
  test.each([
    '---\na: 1\n---\n\n# Body\n',
    '---\na: 1\n---\n# Body',
    '---\na: 1\n---',
    '---\r\na: 1\r\n---\r\nbody\r\n',
    '---\na: 1\n---\n---\nnot front matter\n---\n',
  ])('splits %j exactly where gray-matter does', (text) => {
    expect(overviewBody(text)).toBe(matter(text, { language: 'yaml' }).content);
  });
  test('broken YAML does not stop the split (the write then repairs the front matter)', () => {
    expect(overviewBody('---\nbroken: [\n---\nbody kept\n')).toBe('body kept\n');
  });
  test('a file without front matter is all body', () => {
    expect(overviewBody('# legacy\n## Status\nPhase: testing\n')).toBe('# legacy\n## Status\nPhase: testing\n');
  });
});

describe('applyEntry: the person at the gates', () => {
  const resumed = (over: Record<string, unknown>) => ({
    seq: 2,
    time: 't',
    event: 'resumed' as const,
    iteration: 4,
    phase: 'planning' as const,
    from: 'waiting' as const,
    how: 'x',
    ...over,
  });
  const planning = fakeState({
    phase: 'planning',
    status: 'waiting',
    waitingFor: 'plan_approval',
    phaseIterations: 1,
    gatesPassed: ['requirements'],
  });

  test('an approval passes the gate, moves to implementation and names the plan', () => {
    expect(
      applyEntry(planning, resumed({ gatePassed: true, phaseAfter: 'implementation', approvedPlan: '_plan.md' })),
    ).toMatchObject({
      phase: 'implementation',
      phaseIterations: 0,
      status: 'running',
      gatesPassed: ['requirements', 'planning'],
      approvedPlan: '_plan.md',
      waitingFor: undefined,
    });
  });

  test('a rejection keeps planning, passes no gate, and keeps the feedback for exactly the next iteration', () => {
    const rejected = applyEntry(planning, resumed({ gatePassed: false, feedback: 'smaller steps' }));
    expect(rejected).toMatchObject({
      phase: 'planning',
      phaseIterations: 1,
      gatesPassed: ['requirements'],
      planFeedback: 'smaller steps',
    });
    const next = applyEntry(rejected, {
      seq: 3,
      time: 't2',
      event: 'iteration',
      iteration: 5,
      phase: 'planning',
      phaseAfter: 'planning',
      statusAfter: 'waiting',
      signal: { status: 'waiting', for: 'plan_approval' },
      validation: 'ok',
      run: {
        exitCode: 0,
        signal: null,
        timedOut: false,
        durationMs: 1,
        attempts: 1,
        corrective: false,
        provider: 'script',
      },
    });
    expect(next.planFeedback).toBeUndefined();
  });
});
