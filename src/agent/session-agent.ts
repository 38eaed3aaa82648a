// The AgentPort for real: one attempt = clear the signal, write the prompt, spawn the provider, read the signal.
// Small files on the per-iteration path use synchronous calls: nothing runs concurrently, and they are cheaper.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/settings.js';
import { buildPrompt } from '../core/prompt.js';
import { PHASE_RULES } from '../core/phases.js';
import type { AgentPort, AttemptRequest, AttemptResult, Clock } from '../loop/ports.js';
import { invocation } from './providers.js';
import { readTail, runProcess } from './run-process.js';
import type { PromptSource } from './prompt-source.js';
import { readIfExists } from '../io/read-if-exists.js';

export interface SessionAgentDeps {
  config: Config;
  sessionDir: string;
  runId: string;
  prompts: PromptSource;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  scrub: (text: string) => string;
  /** Told the agent's pid when it starts (recorded beside the lock) and `undefined` when it has ended. */
  onAgent: (pid: number | undefined) => Promise<void> | void;
}

export const SIGNAL_FILE = '_signal.json';
export const LOGS_DIR = '_logs';

export function createSessionAgent(deps: SessionAgentDeps): AgentPort {
  const signalFile = join(deps.sessionDir, SIGNAL_FILE);
  return {
    async attempt(request: AttemptRequest): Promise<AttemptResult> {
      const { state, iteration, attempt } = request;
      // A signal left from before can never pass as this iteration's answer.
      rmSync(signalFile, { force: true });

      const now = deps.clock.now();
      const stamp = now.toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${String(iteration).padStart(3, '0')}-${state.phase}${attempt > 1 ? `-a${attempt}` : ''}`;
      const logBase = join(deps.sessionDir, LOGS_DIR, name);
      const prompt = deps.scrub(
        buildPrompt({
          workflow: await deps.prompts.workflow(),
          phaseAgent: await deps.prompts.phase(state.phase),
          state,
          sessionDir: deps.sessionDir,
          signalFile,
          iteration,
          phaseLimit: deps.config.phaseLimits[state.phase] ?? PHASE_RULES[state.phase].limit,
          timeoutMs: deps.config.timeoutMs,
          now: now.toISOString(),
          correction: request.correction,
        }),
      );
      const promptFile = `${logBase}.prompt.md`;
      writeFileSync(promptFile, prompt);

      const call = invocation(
        deps.config,
        {
          prompt,
          promptFile,
          sessionDir: deps.sessionDir,
          workingDir: state.workingDir,
          signalFile,
          phase: state.phase,
          iteration,
          attempt,
          runId: deps.runId,
        },
        deps.env,
      );
      const stdoutFile = `${logBase}.jsonl`;
      const stderrFile = `${logBase}.stderr.log`;
      let recorded: Promise<void> | void = undefined;
      const result = await runProcess({
        command: call.command,
        args: call.args,
        cwd: state.workingDir,
        env: call.env,
        timeoutMs: deps.config.timeoutMs,
        killGraceMs: deps.config.killGraceMs,
        stdoutFile,
        stderrFile,
        signal: request.signal,
        onSpawn: (pid) => {
          recorded = deps.onAgent(pid);
        },
      });
      await recorded;
      await deps.onAgent(undefined);

      const raw = readIfExists(signalFile);
      // Loaded on first use, while no agent is waiting on us: zod's start-up cost stays off the path to the first spawn.
      const { parseSignal } = await import('../core/signal.js');
      const read = parseSignal(raw, signalFile);
      const failed = result.spawnError !== undefined || result.timedOut || result.exitCode !== 0;
      return {
        outcome: {
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut: result.timedOut,
          spawnError: result.spawnError,
          // The tail is only read when a message may need it.
          stderrTail: failed ? deps.scrub(await readTail(stderrFile)) : '',
        },
        read,
        cancelled: result.cancelled,
        facts: {
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut: result.timedOut,
          durationMs: result.durationMs,
          provider: deps.config.provider,
          log: `${LOGS_DIR}/${name}.jsonl`,
        },
      };
    },
  };
}
