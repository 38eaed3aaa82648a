// The adapters through the real loop: the scripted agent prints REAL recorded Claude/Codex streams (from
// tests/fixtures/streams) and exits the way the real CLI did, and samocode must read cost and tokens, show progress,
// classify failures and act on each class: wait out a rate limit, back off an overload, block an invalid key at once
// with the fix, go on after running out of turns, name a permission denial, fall back to another provider.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reapLeftovers } from '../helpers/processes.js';
import { ROOT, createProject, readHistory, readOverview, sessionArgs, sig, type Step } from '../helpers/rig.js';

const streams = join(ROOT, 'tests', 'fixtures', 'streams');
const lines = (file: string) =>
  readFileSync(join(streams, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
const CLAUDE = { SAMOCODE_SCRIPT_FORMAT: 'claude', SAMOCODE_RETRY_DELAY: '0' };
const example = lines('claude-stream-example.jsonl');

/** A step that prints a recorded stream (and so "is" that Claude run), then does what `rest` says. */
const playing = (file: string, rest: Step = {}): Step => ({ stdout: lines(file), ...rest });

describe('Claude stream through the loop', () => {
  test('cost, tokens and turns reach the history and the totals; tool uses show as progress lines', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      playing('claude-stream-example.jsonl', { signal: sig.go('requirements') }),
      { signal: sig.block('end') },
    ]);
    const result = await project.run(sessionArgs(project, 'cost', scenario), { env: CLAUDE });
    expect(result.exitCode).toBe(4);
    const dir = project.sessionDir('cost');
    const [first] = readHistory(dir).filter((e) => e.event === 'iteration');
    const final = JSON.parse(example.at(-1)!) as {
      total_cost_usd: number;
      num_turns: number;
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(first!.run).toMatchObject({
      costUsd: final.total_cost_usd,
      turns: final.num_turns,
      tokens: expect.objectContaining({
        inputTokens: final.usage.input_tokens,
        outputTokens: final.usage.output_tokens,
      }),
    });
    expect(readOverview(dir).data.totals).toMatchObject({
      costUsd: final.total_cost_usd,
      inputTokens: final.usage.input_tokens,
      outputTokens: final.usage.output_tokens,
    });
    // One console line per tool use, and the iteration's figures at its end.
    expect(result.stderr).toMatch(/#1 inv {2}Write \S*_signal\.json/);
    expect(result.stderr).toMatch(/#1 inv {2}→ requirements \([^)]*\d+ turns, \$\d+\.\d{4}/);
  });

  test('an invalid key (401) blocks at once, no retries, with the fix (exit 7)', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([playing('claude-err-401.max-retries-0.jsonl', { exitCode: 1 })]);
    const result = await project.run(sessionArgs(project, 'auth', scenario), { env: CLAUDE });
    expect(result.exitCode).toBe(7);
    const entry = readHistory(project.sessionDir('auth')).find((e) => e.event === 'iteration')!;
    expect(entry.run).toMatchObject({ attempts: 1, failure: 'auth' });
    expect(entry.problem).toMatch(/^authentication failed: .*Fix: /);
    expect(result.stderr).toContain('authentication failed');
  });

  test('an overload (529) is backed off and retried; the second attempt succeeds', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      {
        ...playing('claude-err-529.max-retries-0.jsonl'),
        attempts: [{ exitCode: 1 }, { stdout: example, signal: sig.go('requirements') }],
      },
      { signal: sig.block('end') },
    ]);
    const result = await project.run(sessionArgs(project, 'busy', scenario), { env: CLAUDE });
    expect(result.exitCode).toBe(4);
    const [first] = readHistory(project.sessionDir('busy')).filter((e) => e.event === 'iteration');
    expect(first).toMatchObject({ validation: 'ok', phaseAfter: 'requirements', run: { attempts: 2 } });
    expect(result.stderr).toMatch(/API overloaded: .*; retry in/);
  });

  test('a rate limit is waited out and does not count as a failed attempt', async () => {
    const project = createProject();
    reapLeftovers(project);
    const limited = { ...playing('claude-err-429.max-retries-0.jsonl'), exitCode: 1 };
    const scenario = project.scenario([
      // Three rate limits, then success: with SAMOCODE_MAX_RETRIES=0 this only works because waits are not failures.
      { attempts: [limited, limited, limited, { stdout: example, signal: sig.go('requirements') }] },
      { signal: sig.block('end') },
    ]);
    const result = await project.run(sessionArgs(project, 'limits', scenario, ['--max-retries', '0']), {
      env: { ...CLAUDE, SAMOCODE_RATE_LIMIT_WAIT: '0.05' },
    });
    expect(result.exitCode).toBe(4);
    const [first] = readHistory(project.sessionDir('limits')).filter((e) => e.event === 'iteration');
    expect(first).toMatchObject({ validation: 'ok', run: { attempts: 4 } });
    expect(result.stderr.match(/rate limited: /g)?.length).toBe(3);
  });

  test('out of turns without a signal: the session goes on in the same phase, and the next prompt says so', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      playing('claude-max-turns-2.jsonl', { exitCode: 1 }),
      { signal: sig.block('end') },
    ]);
    const result = await project.run(sessionArgs(project, 'turns', scenario), { env: CLAUDE });
    expect(result.exitCode).toBe(4);
    const dir = project.sessionDir('turns');
    const iterations = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(iterations[0]).toMatchObject({
      validation: 'max_turns',
      statusAfter: 'running',
      phaseAfter: 'investigation',
      run: { attempts: 1, failure: 'max_turns' },
    });
    const prompt = readFileSync(join(dir, iterations[1]!.run.log.replace('.jsonl', '.prompt.md')), 'utf8');
    expect(prompt).toContain('the previous iteration ran out of turns before it signalled');
  });

  test('a permission denial with no signal is named: the agent was not allowed to write', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([playing('claude-permission-default-denied.jsonl')]);
    const result = await project.run(sessionArgs(project, 'denied', scenario), { env: CLAUDE });
    expect(result.exitCode).toBe(7);
    const entry = readHistory(project.sessionDir('denied')).find((e) => e.event === 'iteration')!;
    expect(entry.run.failure).toBe('permission_denied');
    expect(entry.problem).toMatch(/not allowed/i);
    expect(entry.problem).toContain('Write');
  });
});

describe('Codex stream and idle agents', () => {
  test('Codex reports tokens but no cost: the cost comes from CODEX_PRICE', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      playing('codex-apply-patch-success.jsonl', { signal: sig.go('requirements') }),
      { signal: sig.block('end') },
    ]);
    const result = await project.run(sessionArgs(project, 'codex', scenario), {
      env: { SAMOCODE_SCRIPT_FORMAT: 'codex', CODEX_PRICE: '1,0.5,10' },
    });
    expect(result.exitCode).toBe(4);
    const [first] = readHistory(project.sessionDir('codex')).filter((e) => e.event === 'iteration');
    const usage = lines('codex-apply-patch-success.jsonl')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'turn.completed')
      .map((e) => e.usage);
    const input = usage.reduce(
      (n, u) => n + u.input_tokens - u.cached_input_tokens - (u.cache_write_input_tokens ?? 0),
      0,
    );
    const cached = usage.reduce((n, u) => n + u.cached_input_tokens, 0);
    const output = usage.reduce((n, u) => n + u.output_tokens, 0);
    expect(first!.run.tokens).toMatchObject({ inputTokens: input, outputTokens: output, cacheReadTokens: cached });
    expect(first!.run.costUsd).toBeCloseTo((input * 1 + cached * 0.5 + output * 10) / 1e6, 9);
  });

  test('an agent that prints nothing for SAMOCODE_IDLE_TIMEOUT is stopped (its whole tree) and retried as idle', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ hang: true }]);
    const result = await project.run(sessionArgs(project, 'idle', scenario), {
      env: { SAMOCODE_IDLE_TIMEOUT: '1', SAMOCODE_RETRY_DELAY: '0', SAMOCODE_KILL_GRACE: '0.2' },
    });
    expect(result.exitCode).toBe(7);
    const entry = readHistory(project.sessionDir('idle')).find((e) => e.event === 'iteration')!;
    expect(entry.run).toMatchObject({ failure: 'idle', attempts: 2, idle: true });
    expect(entry.problem).toContain('SAMOCODE_IDLE_TIMEOUT');
  });
});

describe('provider fallback', () => {
  test('a primary that fails with a hard class (401) is retried once on the fallback provider, recorded in the history', async () => {
    const project = createProject();
    reapLeftovers(project);
    // A "claude" that behaves like the real one with a bad key: prints the recorded stream, exits 1.
    const fake = join(project.root, 'claude');
    writeFileSync(
      fake,
      `#!/usr/bin/env node\nprocess.stdout.write(${JSON.stringify(`${lines('claude-err-401.max-retries-0.jsonl').join('\n')}\n`)});\nprocess.exitCode = 1;\n`,
    );
    chmodSync(fake, 0o755);
    const scenario = project.scenario([{ signal: sig.go('requirements') }, { signal: sig.block('end') }]);
    const result = await project.run(sessionArgs(project, 'fallback', scenario, ['--provider', 'claude']), {
      env: { CLAUDE_PATH: fake, SAMOCODE_FALLBACK_PROVIDER: 'script', SAMOCODE_RETRY_DELAY: '0' },
    });
    expect(result.exitCode).toBe(4);
    const iterations = readHistory(project.sessionDir('fallback')).filter((e) => e.event === 'iteration');
    expect(iterations[0]).toMatchObject({
      validation: 'ok',
      phaseAfter: 'requirements',
      run: { attempts: 2, provider: 'script', fallbackFrom: 'claude' },
    });
    expect(result.stderr).toContain('trying the fallback provider script');
  });
});
