// A failed tool call never looks like a success on the console: fake `claude` / `codex` executables (on CLAUDE_PATH /
// CODEX_PATH, started exactly as samocode starts the real CLIs) print streams the real CLIs recorded — a Write
// refused with is_error, a command that exited 2 — and the scripted agent writes the signal. The console marks the
// failure `✗` with its error line (a warning, so it shows with --quiet too), the iteration's summary line counts it,
// the history keeps run.toolCalls / run.toolFailures, and a secret in the error never reaches the console.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reapLeftovers } from '../helpers/processes.js';
import { ROOT, createProject, readHistory, sessionArgs, sig, type Project, type Step } from '../helpers/rig.js';

const fixture = (path: string) =>
  readFileSync(join(ROOT, 'tests', 'fixtures', path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** A `claude` or `codex` that plays `steps` with the scripted agent, whatever samocode passes it. */
function fakeCli(project: Project, name: 'claude' | 'codex', steps: Step[]): string {
  const scenario = project.scenario(steps, `${name}-scenario.json`);
  const fake = join(project.root, name);
  writeFileSync(
    fake,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist', 'script-agent.js'))} ${JSON.stringify(scenario)}\n`,
  );
  chmodSync(fake, 0o755);
  return fake;
}

async function runWith(provider: 'claude' | 'codex', steps: Step[], extra: string[] = []) {
  const project = createProject();
  reapLeftovers(project);
  const fake = fakeCli(project, provider, steps);
  // The scenario the CLI is given is not the one the fake plays: samocode runs `provider`, not the scripted agent.
  const unused = project.scenario([], 'unused.json');
  const result = await project.run(sessionArgs(project, 'tools', unused, ['--provider', provider, ...extra]), {
    env: { [provider === 'claude' ? 'CLAUDE_PATH' : 'CODEX_PATH']: fake, SAMOCODE_RETRY_DELAY: '0' },
  });
  const iterations = readHistory(project.sessionDir('tools')).filter((e) => e.event === 'iteration');
  return { result, iterations };
}

describe('failed tool calls on the console and in the history', () => {
  test('claude: a Write refused (is_error) is its own ✗ line after the call, and the summary counts it', async () => {
    const { result, iterations } = await runWith('claude', [
      { stdout: fixture('streams/claude-signal-exists-write-rejected.jsonl'), signal: sig.go('requirements') },
      { signal: sig.block('end') },
    ]);
    expect(result.exitCode).toBe(4);
    const call = result.stderr.indexOf('INFO: #1 inv  Write /tmp/run/c-exists/sig/_signal.json\n');
    const failure = result.stderr.indexOf(
      'WARN: #1 inv  ✗ Write /tmp/run/c-exists/sig/_signal.json: File has not been read yet. Read it first before writing to it.\n',
    );
    expect(call, result.stderr).toBeGreaterThan(-1);
    expect(failure, result.stderr).toBeGreaterThan(call);
    expect(result.stderr).toMatch(/#1 inv {2}→ requirements \([^)]*, 1 tool call, 1 failed\)/);
    expect(iterations[0]!.run).toMatchObject({ toolCalls: 1, toolFailures: 1 });
  });

  test('codex: a command that exited 2 is marked on its line, with its error line, and counted', async () => {
    const { result, iterations } = await runWith('codex', [
      { stdout: fixture('tool-failures/codex-command-failed.jsonl'), signal: sig.go('requirements') },
      { signal: sig.block('end') },
    ]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(
      "WARN: #1 inv  ✗ Bash ls /no/such/dir-for-samocode: exit 2: ls: cannot access '/no/such/dir-for-samocode': No such file or directory\n",
    );
    // The command that succeeded is a plain line; the failed one is not printed twice.
    expect(result.stderr).toMatch(/INFO: #1 inv {2}Bash printf %s /);
    expect(result.stderr).not.toMatch(/INFO: #1 inv {2}Bash ls \/no\/such/);
    expect(result.stderr).toMatch(/#1 inv {2}→ requirements \([^)]*2 tool calls, 1 failed\)/);
    expect(iterations[0]!.run).toMatchObject({ toolCalls: 2, toolFailures: 1 });
  });

  test('a Write that failed and left no signal: the blocked iteration says how many tool calls failed', async () => {
    // The case of the issue: the agent's Write of its file was refused, and nothing may pass for a success.
    const { result, iterations } = await runWith('claude', [
      { stdout: fixture('streams/claude-signal-exists-write-rejected.jsonl') },
    ]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(/ERROR: #1 inv {2}signal_missing: .*\(1 tool call, 1 failed\)\n/);
    expect(iterations.at(-1)!.run).toMatchObject({ toolCalls: 1, toolFailures: 1, corrective: true });
  });

  test('a failure shows with --quiet; a secret in the error is scrubbed; an iteration without failures says none', async () => {
    const key = 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o';
    const stream = fixture('tool-failures/claude-bash-failed.jsonl').map((line) =>
      line.replaceAll("ls: cannot access '/no/such/dir-for-samocode'", `curl: token ${key} \\u001b[31mrejected`),
    );
    const { result, iterations } = await runWith(
      'claude',
      [
        { stdout: stream, signal: sig.go('requirements') },
        { stdout: fixture('streams/claude-stream-example.jsonl'), signal: sig.block('end') },
      ],
      ['--quiet'],
    );
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(
      /WARN: #1 inv {2}✗ Bash ls \/no\/such\/dir-for-samocode: Exit code 2: curl: token \[redacted\] rejected/,
    );
    expect(result.stderr).not.toContain(key);
    expect(result.stderr).not.toContain('\u001b');
    // --quiet: the call lines and the summaries (info) are not shown, the failure (a warning) is.
    expect(result.stderr).not.toContain('INFO:');
    expect(iterations.map((e) => [e.run.toolCalls, e.run.toolFailures])).toEqual([
      [2, 1],
      [1, 0],
    ]);
  });
});
