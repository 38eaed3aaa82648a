// The scripted model's side of the scenarios both CLIs play, and the checks they share.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { git } from '../../helpers/rig.js';
import { iteration, turn, type CodexWriteTool, type Turn } from '../model-servers/script.js';
import {
  COMMIT_FEATURE,
  PLAN,
  QA,
  answerQuestions,
  approvePlan,
  sig,
  type AgentProvider,
  type AgentSession,
} from './agent-session.js';

/**
 * A whole session, investigation → done, as turns of the model: eight iterations, two of them waits for the person.
 * Codex gets both of its file-writing tools (apply_patch, exec_command) along the way; Claude uses Write and Bash.
 */
export function fullSessionTurns(): Turn[] {
  const patch: { codexTool: CodexWriteTool } = { codexTool: 'apply_patch' };
  const shell: { codexTool: CodexWriteTool } = { codexTool: 'exec_command' };
  return [
    ...iteration(
      sig.go('requirements', 'Mapped the repo: one README'),
      { '_investigation.md': '# Investigation\n\nA README and nothing else.\n' },
      patch,
    ),
    ...iteration(
      sig.wait('qa_answers', 'Answer Q1 in _qa.md', 'Asked where the feature goes'),
      { '_qa.md': QA },
      shell,
    ),
    ...iteration(sig.go('planning', 'Requirements settled: feature.txt at the root'), {}, shell),
    ...iteration(
      sig.wait('plan_approval', 'Approve or reject the plan in _plan.md', 'Plan ready'),
      { '_plan.md': PLAN },
      patch,
    ),
    turn.bash(COMMIT_FEATURE),
    ...iteration(sig.go('testing', 'Implemented the plan: feature.txt committed'), {}, patch),
    ...iteration(
      sig.go('quality', 'Checked feature.txt'),
      { '_testing.md': '# Testing\n\ncat feature.txt: ok\n' },
      shell,
    ),
    ...iteration(sig.go('done', 'Reviewed: nothing to fix'), {}, patch),
    ...iteration(sig.done(), { '_summary.md': '# Summary\n\nAdded feature.txt.\n' }, shell),
  ];
}

/** Run the full session with two stops for the person, answering between runs as a person editing files would. */
export async function playFullSession(session: AgentSession, provider: AgentProvider): Promise<void> {
  const first = await session.run();
  expect(first.exitCode, session.explain(first)).toBe(5);
  expect(first.stderr).toContain('waiting for you (qa_answers)');
  const dir = session.dir();
  expect(session.overview()).toMatchObject({
    phase: 'requirements',
    status: 'waiting',
    waitingFor: 'qa_answers',
    iterations: 2,
  });

  answerQuestions(dir);
  const second = await session.run();
  expect(second.exitCode, session.explain(second)).toBe(5);
  expect(second.stderr).toContain('plan_approval');
  expect(session.overview()).toMatchObject({ phase: 'planning', status: 'waiting', gatesPassed: ['requirements'] });

  approvePlan(dir);
  const third = await session.run();
  expect(third.exitCode, session.explain(third)).toBe(0);
  expect(third.stderr).toContain('is done after 8 iterations');

  expect(session.overview()).toMatchObject({
    phase: 'done',
    status: 'done',
    iterations: 8,
    gatesPassed: ['requirements', 'planning'],
  });
  const iterations = session.iterations();
  expect(iterations.map((e) => `${e.phase}>${e.phaseAfter}`)).toEqual([
    'investigation>requirements',
    'requirements>requirements',
    'requirements>planning',
    'planning>planning',
    'implementation>testing',
    'testing>quality',
    'quality>done',
    'done>done',
  ]);
  for (const entry of iterations) {
    expect
      .soft(entry.run, `iteration ${entry.iteration}`)
      .toMatchObject({ exitCode: 0, attempts: 1, provider, timedOut: false });
    expect.soft(entry.validation, `iteration ${entry.iteration}`).toBe('ok');
  }

  // Each spawn's stream says the CLI itself finished well.
  const logs = session.logs();
  expect.soft(logs).toHaveLength(8);
  for (const log of logs) {
    const events = session.events(log);
    if (provider === 'claude') {
      expect
        .soft(events.filter((e) => e.type === 'result').at(-1), log)
        .toMatchObject({ is_error: false, subtype: 'success' });
    } else {
      expect
        .soft(
          events.some((e) => e.type === 'turn.completed'),
          `${log} has turn.completed`,
        )
        .toBe(true);
      expect
        .soft(
          events.filter((e) => e.type === 'turn.failed' || e.type === 'error'),
          log,
        )
        .toEqual([]);
    }
  }

  // The work: session files written by the agent's tools; the commit made in the worktree on the session branch.
  for (const file of ['_investigation.md', '_qa.md', '_plan.md', '_testing.md', '_summary.md']) {
    expect.soft(existsSync(join(dir, file)), `${file} written by the agent`).toBe(true);
  }
  const worktree = join(session.project.worktrees, session.name);
  expect
    .soft(
      git(worktree, 'log', '--format=%s'),
      `the implementation iteration's commit; what the commit command returned to the model:\n${toolOutputAfter(session, 'printf "feature')}`,
    )
    .toContain('Add feature');
  expect.soft(existsSync(join(worktree, 'feature.txt')), 'feature.txt in the worktree').toBe(true);

  expect.soft(session.script.remaining, 'turns left unplayed').toBe(0);
  expect.soft(session.script.played.exhausted, 'requests after the script ran out').toBe(0);
  expect.soft(session.apiRequests().filter((r) => r.status !== 200)).toEqual([]);
  expect.soft(session.trap.hits, 'requests that tried to leave 127.0.0.1').toEqual([]);
  expect.soft(session.leftovers(), 'agent processes left running').toEqual([]);
}

/** The tool result the model got back for the first scripted command containing `needle` (the next request carries it). */
export function toolOutputAfter(session: AgentSession, needle: string): string {
  const requests = session.script.requests;
  const at = requests.findIndex((r) => r.action?.includes(needle));
  const body = at >= 0 ? requests.slice(at + 1).find((r) => r.kind === 'main')?.body : undefined;
  if (!body) return '(no request after the command)';
  const outputs: string[] = [];
  for (const item of body.input ?? []) if (item?.type === 'function_call_output') outputs.push(String(item.output));
  const last = body.messages?.at(-1);
  for (const block of Array.isArray(last?.content) ? last.content : []) {
    if (block?.type === 'tool_result')
      outputs.push(typeof block.content === 'string' ? block.content : JSON.stringify(block.content));
  }
  return outputs.at(-1) ?? '(no tool output in the next request)';
}

/** The CLI's retries in the stream: Claude prints `api_retry` events, Codex's HTTP-level retries are silent. */
export function apiRetries(session: AgentSession): Record<string, any>[] {
  return session
    .logs()
    .flatMap((log) => session.events(log).filter((e) => e.type === 'system' && e.subtype === 'api_retry'));
}

/** No stack trace and no internal-error exit: what "handled without a crash" means for the orchestrator. */
export function expectNoCrash(
  run: { exitCode: number | null; signal: string | null; stderr: string },
  explain: string,
): void {
  expect(run.signal, explain).toBeNull();
  expect(run.exitCode, explain).not.toBe(1);
  expect(run.stderr, explain).not.toMatch(/\n\s+at .+:\d+:\d+\)?\s*\n/);
}
