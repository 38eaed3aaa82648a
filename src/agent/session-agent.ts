// The AgentPort for real: one attempt = clear the signal, write the prompt, spawn the provider, read the signal.
// Small files on the per-iteration path use synchronous calls: nothing runs concurrently, and they are cheaper.
import { basename, join } from 'node:path';
import type { Config } from '../core/config.js';
import { promptHead, sessionContext } from '../core/prompt.js';
import { PHASE_RULES, type Phase } from '../core/phases.js';
import type { AgentPort, AttemptRequest, AttemptResult, Clock } from '../loop/ports.js';
import { classifyFailure, type Classified } from '../core/failure-class.js';
import { PROVIDER_FACTS, type StreamFormat } from '../core/provider-facts.js';
import { formatDuration } from '../core/prompt.js';
import { invocation } from './providers.js';
import { followGrowth, followLines } from './stream-follower.js';
import type { AgentEvent } from './streams/events.js';
// The accumulator has no dependencies; the parsers (zod) are loaded only for agents whose stream is read.
import type { StreamSummary } from '../core/stream-summary.js';
import { StreamAccumulator } from './streams/summary.js';
import { readTail, runProcess } from '../io/run-process.js';
import { writeRegularFile } from '../io/regular-file.js';
import type { PromptSource } from './prompt-source.js';
import { clearSignalFile, readSignalFile } from '../io/signal-file.js';
import { agentText, withoutControls } from '../core/agent-text.js';
import type { SignalRead } from '../core/signal.js';
import { capWhileRunning } from '../io/log-cap.js';
import { scrubStrings } from '../core/secrets.js';
import { scanStrings } from '../core/secret-scan.js';
import { LOGS_DIR, SIGNAL_FILE } from '../core/session-files.js';
import { treeWrites } from '../core/progress.js';
import { announceAgentSpawned } from '../io/agent-spawned.js';

export interface SessionAgentDeps {
  config: Config;
  sessionDir: string;
  runId: string;
  prompts: PromptSource;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  scrub: (text: string) => string;
  /**
   * One line per agent action while it runs (tool uses, API retries), for the console; `failed`: a tool call that
   * failed, on its own line when its result comes (`✗ Write x.ts: <the error's first line>`).
   */
  progress?: ((request: AttemptRequest, text: string, failed?: boolean) => void) | undefined;
  /** Told the agent's pid when it starts (recorded beside the lock) and `undefined` when it has ended. */
  onAgent: (pid: number | undefined) => Promise<void> | void;
}

export function createSessionAgent(deps: SessionAgentDeps): AgentPort {
  const signalFile = join(deps.sessionDir, SIGNAL_FILE);
  const heads = scrubbedHeads(deps.prompts, deps.scrub);
  return {
    async attempt(request: AttemptRequest): Promise<AttemptResult> {
      const { state, iteration, attempt } = request;
      // A signal left from before can never pass as this iteration's answer.
      clearSignalFile(signalFile);

      const now = deps.clock.now();
      const stamp = now.toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${String(iteration).padStart(3, '0')}-${state.phase}${attempt > 1 ? `-a${attempt}` : ''}`;
      const logBase = join(deps.sessionDir, LOGS_DIR, name);
      const head = await heads.of(state.phase);
      const context = Buffer.from(
        deps.scrub(
          sessionContext({
            state,
            sessionDir: deps.sessionDir,
            signalFile,
            iteration,
            phaseLimit: deps.config.phaseLimits[state.phase] ?? PHASE_RULES[state.phase].limit,
            timeoutMs: deps.config.timeoutMs,
            now: now.toISOString(),
            correction: request.correction,
          }),
        ),
      );
      const promptFile = `${logBase}.prompt.md`;
      // The head is kept as bytes: no 16 KB string joined and encoded again for every spawn.
      writeRegularFile(promptFile, Buffer.concat([head, context]));

      const provider = request.provider ?? deps.config.provider;
      const call = invocation(
        deps.config,
        provider,
        {
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
      // The real CLIs print their own stream; the scripted agent plays the one SAMOCODE_SCRIPT_FORMAT names, if any.
      const format = PROVIDER_FACTS[provider].stream ?? deps.config.scriptFormat;
      const onText = (text: string, failed: boolean) => deps.progress?.(request, text, failed);
      // Followed from the agent's spawn on, from the file's start (nothing is missed): the stream's parser and zod are
      // loaded then, while the agent starts, not on the way to its spawn.
      let following: Promise<WatchedStream> | undefined;
      let stream: WatchedStream | undefined;
      const follow = () =>
        (following ??= watchStream(stdoutFile, format, deps, onText).then((watched) => (stream = watched)));
      // While it runs, a log that outgrows twice the cap is cut back (checked every second: a stat per file).
      const stdoutCap = capWhileRunning(stdoutFile, deps.config.logMaxBytes);
      const stderrCap = capWhileRunning(stderrFile, deps.config.logMaxBytes);
      const capTimer = setInterval(() => {
        stdoutCap.check(stream?.cutHooks);
        stderrCap.check();
      }, 1000);
      const result = await runProcess({
        command: call.command,
        args: call.args,
        cwd: state.workingDir,
        env: call.env,
        timeoutMs: deps.config.timeoutMs,
        killGraceMs: deps.config.killGraceMs,
        stdoutFile,
        stderrFile,
        // The prompt goes in on stdin, from its file: no size limit of argv, no pipe to block or break.
        stdinFile: promptFile,
        abort: request.abort,
        onSpawn: (pid) => {
          recorded = deps.onAgent(pid);
          request.started?.();
          announceAgentSpawned();
          follow().catch(() => undefined); // a failure is thrown where the summary is asked for, below
        },
        idle: deps.config.idleTimeoutMs
          ? { timeoutMs: deps.config.idleTimeoutMs, lastActivity: () => stream?.lastActivity() ?? Date.now() }
          : undefined,
      });
      await recorded;
      await deps.onAgent(undefined);
      clearInterval(capTimer);
      const summary = (await follow()).finish();
      // The raw logs are the agent's, written as fast as it prints: keep their head and tail (io/log-cap.ts).
      for (const [file, cap] of [
        [stdoutFile, stdoutCap],
        [stderrFile, stderrCap],
      ] as const) {
        const cut = cap.finish();
        if (cut)
          deps.progress?.(
            request,
            `${LOGS_DIR}/${basename(file)}: kept the head and tail, cut ${Math.round(cut.cutBytes / 1048576)} MB of ${Math.round(cut.sizeBytes / 1048576)} MB (SAMOCODE_LOG_MAX_MB)`,
          );
      }

      const file = readSignalFile(signalFile);
      // Loaded on first use, while no agent is waiting on us: zod's start-up cost stays off the path to the first spawn.
      const { parseSignal } = await import('../core/signal.js');
      const parsed: SignalRead =
        'problem' in file ? { ok: false, problem: file.problem } : parseSignal(file.text, signalFile);
      // The agent's words are cleaned of secrets here, before anything stores or shows them (every sink scrubs again).
      const read = await scanStrings(scrubStrings(parsed, deps.scrub));
      const lastText =
        summary.lastText === undefined ? undefined : await scanStrings(deps.scrub(agentText(summary.lastText)));
      const failed = result.spawnError !== undefined || result.timedOut || result.idle || result.exitCode !== 0;
      // The tail is only read when a message may need it.
      const stderrTail =
        failed || summary.permissionDenials.length > 0 ? deps.scrub(withoutControls(await readTail(stderrFile))) : '';
      const failure = scrubStrings(
        explain(
          classifyFailure({
            ...result,
            // The scripted agent playing a Claude or Codex stream is judged as that CLI would be.
            provider: format === 'none' ? provider : format,
            stderrTail,
            summary,
            // Something is at the signal path, even if it was refused.
            signalWritten: 'problem' in file || file.text !== undefined,
            now: deps.clock.now().getTime(),
            isSandbox: call.env.IS_SANDBOX,
          }),
          deps.config,
        ),
        deps.scrub,
      );
      return {
        outcome: result,
        failure,
        stderrTail,
        read,
        lastText,
        provider,
        log: `${LOGS_DIR}/${name}.jsonl`,
        treeWrites: treeWrites(summary.filesWritten, state.workingDir, deps.sessionDir),
        usage: {
          turns: summary.turns,
          costUsd: summary.costUsd,
          ...(summary.costEstimated ? { costEstimated: true as const } : {}),
          tokens:
            summary.sawResult || summary.tokens.inputTokens + summary.tokens.outputTokens > 0
              ? summary.tokens
              : undefined,
          // Counted only where the stream is read: the scripted agent without a format prints none.
          ...(format === 'none' ? {} : { toolCalls: summary.toolUses, toolFailures: summary.toolFailures }),
        },
      };
    },
  };
}

/**
 * Each phase's prompt head (workflow.md + its agent file), scrubbed once per run: the files do not change mid-run,
 * and scrubbing ~16 KB of them on every spawn was a tenth of the per-iteration overhead. Only the session context is
 * scrubbed each time; no secret can span the blank line between the two.
 */
function scrubbedHeads(prompts: PromptSource, scrub: (text: string) => string) {
  const cache = new Map<string, Buffer>();
  return {
    async of(phase: Phase): Promise<Buffer> {
      let head = cache.get(phase);
      if (head === undefined) {
        head = Buffer.from(scrub(promptHead(await prompts.workflow(), await prompts.phase(phase))));
        cache.set(phase, head);
      }
      return head;
    },
  };
}

/** Make the generic class details concrete with our own settings. */
function explain(failure: Classified | undefined, config: Config): Classified | undefined {
  if (failure?.cls === 'timeout')
    return { ...failure, detail: `${failure.detail} after ${formatDuration(config.timeoutMs)} (SAMOCODE_TIMEOUT)` };
  if (failure?.cls === 'idle')
    return {
      ...failure,
      detail: `${failure.detail} (${formatDuration(config.idleTimeoutMs ?? 0)} without output, SAMOCODE_IDLE_TIMEOUT)`,
    };
  return failure;
}

interface WatchedStream {
  lastActivity: () => number;
  /** Stop following; the summary of what the agent's stream said. */
  finish: () => StreamSummary;
  /** Hooks for cutting the file while the agent runs, when it is read (io/log-cap.ts). */
  cutHooks?: { before(): void; after(end: number, lost: boolean): void } | undefined;
}

/**
 * Follow the agent's stdout file while it runs: parse its stream (claude/codex format) into a summary and one
 * progress line per action, and note when it last grew (for the idle timeout). Without a format, only growth.
 */
async function watchStream(
  file: string,
  format: StreamFormat | 'none',
  deps: SessionAgentDeps,
  progress: (text: string, failed: boolean) => void,
): Promise<WatchedStream> {
  if (format === 'none') {
    const follower = deps.config.idleTimeoutMs ? followGrowth(file) : undefined;
    return {
      lastActivity: () => follower?.lastGrowth() ?? Date.now(),
      finish: () => (follower?.finish(), new StreamAccumulator().summary()),
    };
  }
  const streams = await import('./streams/index.js');
  const parse = streams.STREAM_PARSERS[format]();
  const accumulator = new StreamAccumulator({
    pricePerMTok: PROVIDER_FACTS[format].costFromTokens ? deps.config.codexPrice : undefined,
  });
  const follower = followLines(file, (line) => {
    for (const event of parse(line)) {
      accumulator.add(event);
      const line = describeEvent(event);
      // No escape sequence from the stream reaches the terminal. The logger scrubs every line; a tool's error text is
      // new content of the agent's, so it is scrubbed here as well, before anything else sees it.
      if (line)
        progress(line.failed ? deps.scrub(withoutControls(line.text)) : withoutControls(line.text), line.failed);
    }
  });
  return {
    lastActivity: follower.lastGrowth,
    cutHooks: { before: follower.catchUp, after: follower.resumeAt },
    finish: () => {
      follower.finish();
      return accumulator.summary();
    },
  };
}

/** Console line bounds: a failed call is named, then the error's first line. */
const CALL_CHARS = 160;
const WHY_CHARS = 200;

/**
 * One compact line for the console per action the agent takes, and per API retry. A failed tool call is marked `✗`
 * with the error's first line: Codex reports a command once it ended, so its line is the call and the failure at
 * once; Claude's result comes after the call, so the failure is a line of its own then, naming the call.
 */
function describeEvent(event: AgentEvent): { text: string; failed: boolean } | undefined {
  switch (event.kind) {
    case 'tool': {
      const call = `${event.name} ${event.detail}`.trim().slice(0, CALL_CHARS);
      return event.failure === undefined
        ? { text: call, failed: false }
        : { text: `✗ ${call}: ${event.failure.slice(0, WHY_CHARS)}`, failed: true };
    }
    case 'tool_error': {
      const call = (event.call ?? 'tool call').slice(0, CALL_CHARS);
      return { text: `✗ ${call}: ${(event.firstLine || event.message).slice(0, WHY_CHARS)}`, failed: true };
    }
    case 'api_retry': {
      const what =
        event.status === 429 || event.error === 'rate_limit'
          ? 'rate limited'
          : event.status
            ? `API error ${event.status}`
            : (event.error ?? 'API error');
      const when = event.delayMs !== undefined ? ` in ${formatDuration(event.delayMs)}` : '';
      return {
        text: `${what}, retry ${event.attempt}${event.maxRetries ? `/${event.maxRetries}` : ''}${when}`,
        failed: false,
      };
    }
    default:
      return undefined;
  }
}
