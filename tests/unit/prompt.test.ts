import { describe, expect, test } from 'vitest';
import { buildPrompt, formatDuration, type PromptInput } from '../../src/core/prompt.js';
import { fakeState } from '../helpers/fake-state.js';

const input = (over: Partial<PromptInput> = {}): PromptInput => ({
  workflow: '# WORKFLOW\n',
  phaseAgent: '# PHASE AGENT\n',
  state: fakeState({ dive: 'the auth module' }),
  sessionDir: '/s/26-01-02-test',
  signalFile: '/s/26-01-02-test/_signal.json',
  iteration: 1,
  phaseLimit: 10,
  timeoutMs: 1_800_000,
  now: '2026-01-02T05:00:00.000Z',
  ...over,
});

describe('buildPrompt', () => {
  test('workflow, then the phase agent, then the session context; task and dive on the first iteration', () => {
    const prompt = buildPrompt(input());
    expect(prompt.indexOf('# WORKFLOW')).toBeLessThan(prompt.indexOf('# PHASE AGENT'));
    expect(prompt.indexOf('# PHASE AGENT')).toBeLessThan(prompt.indexOf('## Session context'));
    for (const text of [
      'Session folder: /s/26-01-02-test',
      'Working dir: /work/tree (git worktree on branch samocode/test, from main)',
      'Phase: investigation (iteration 1 of at most 10',
      'Time limit for this iteration: 30 min',
      'Signal file: /s/26-01-02-test/_signal.json',
      'continue → investigation | requirements',
      '## Task\ndo the thing',
      '## Dive focus\nthe auth module',
    ]) {
      expect(prompt).toContain(text);
    }
  });

  test('every investigation iteration has the task and dive; later phases leave them to _overview.md', () => {
    const again = buildPrompt(input({ iteration: 2 }));
    expect(again).toContain('## Task\ndo the thing');
    expect(again).toContain('## Dive focus\nthe auth module');
    const later = buildPrompt(
      input({
        iteration: 3,
        state: fakeState({ phase: 'requirements', task: 'do the thing', dive: 'the auth module' }),
      }),
    );
    expect(later).not.toContain('## Task');
    expect(later).not.toContain('## Dive focus');
  });

  test('a gated phase says it must wait first; a standalone session says there is no branch', () => {
    const prompt = buildPrompt(
      input({ state: fakeState({ phase: 'planning', standalone: true, workingDir: '/repo' }) }),
    );
    expect(prompt).toContain('Gate: this phase must signal "waiting"');
    expect(prompt).toContain('standalone');
  });

  test('a corrective re-run states the exact problem', () => {
    const prompt = buildPrompt(
      input({ correction: { kind: 'signal_not_json', message: '_signal.json is not valid JSON' } }),
    );
    expect(prompt).toContain('## Correction');
    expect(prompt).toContain('Problem (signal_not_json): _signal.json is not valid JSON');
  });
});

test.each([
  [250, '250 ms'],
  [1500, '1.5 s'],
  [45_000, '45 s'],
  [90_000, '1 min 30 s'],
  [1_800_000, '30 min'],
  [5_400_000, '1 h 30 min'],
])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

describe("the failure of samocode's own gate, carried into the prompt", () => {
  const check = {
    name: 'lint',
    command: 'npm run lint',
    exitCode: 2,
    timedOut: false,
    durationMs: 4200,
    log: '_logs/x-check-lint.log',
    cls: 'eslint',
    hint: 'Fix the lint errors named below.',
    excerpt: 'src/a.ts\n  3:1  error  no-unused-vars\u001b[31m',
  };
  test('a failed check: its name, command, exit code, hint, log and the excerpt (without control characters)', () => {
    const prompt = buildPrompt(
      input({
        state: fakeState({
          phase: 'implementation',
          gateFailure: { kind: 'verify_failed', key: 'k', count: 2, message: 'm', check, iteration: 6 },
        }),
      }),
    );
    for (const text of [
      `## samocode's check "lint" failed: the move was refused (2 times in a row)`,
      'samocode ran `npm run lint` in the working dir (iteration 6): exit code 2 after 4.2 s.',
      'Hint: Fix the lint errors named below.',
      'Full output: /s/26-01-02-test/_logs/x-check-lint.log',
      '```text\nsrc/a.ts\n  3:1  error  no-unused-vars\n```',
    ])
      expect(prompt).toContain(text);
    expect(prompt).not.toContain('\u001b');
  });

  test('a done rule: what was refused and why; nothing without a failure', () => {
    const refused = buildPrompt(
      input({
        state: fakeState({
          phase: 'done',
          gateFailure: {
            kind: 'dirty_worktree',
            key: 'dirty_worktree',
            count: 1,
            message: 'dirty_worktree: ?? x.txt',
            iteration: 3,
          },
        }),
      }),
    );
    expect(refused).toContain('## samocode refused `done` (dirty_worktree)\ndirty_worktree: ?? x.txt');
    expect(buildPrompt(input())).not.toContain('samocode refused');
  });
});
