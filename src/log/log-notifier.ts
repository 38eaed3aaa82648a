// Turns loop events into one readable log line each: the console shows the session's progress, session.log keeps
// the same lines with their structured fields.
import type { Log } from '../core/log.js';
import { describeUse } from '../core/budget.js';
import { describeDelivery } from '../core/delivery.js';
import { formatCost } from '../core/cost.js';
import { shortCount } from '../core/count-format.js';
import { PHASE_RULES } from '../core/phases.js';
import { formatDuration } from '../core/prompt.js';
import type { RunFacts } from '../core/state.js';
import { REVIEW_FILE } from '../core/session-files.js';
import type { Notifier, SessionEvent } from '../loop/ports.js';
import { isGateRefusal } from '../core/gates.js';

export function logNotifier(log: Log): Notifier {
  return {
    notify(event: SessionEvent) {
      const { state } = event;
      switch (event.type) {
        case 'iteration-start':
          log.info(
            { event: event.type, iteration: event.iteration, phase: state.phase, attempt: event.attempt },
            `#${event.iteration} ${PHASE_RULES[state.phase].short}  agent started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`,
          );
          return;
        case 'retry':
          log.warn(
            { event: event.type, iteration: event.iteration, delayMs: event.delayMs, why: event.why },
            `#${event.iteration} ${PHASE_RULES[state.phase].short}  agent ${event.why}; retry in ${formatDuration(event.delayMs)}`,
          );
          return;
        case 'corrective':
          log.warn(
            { event: event.type, iteration: event.iteration, problem: event.problem },
            `#${event.iteration} ${PHASE_RULES[state.phase].short}  ${event.problem.kind}: re-running once with the problem stated`,
          );
          return;
        case 'iteration-end': {
          const entry = event.entry;
          if (entry.event !== 'iteration') return;
          const short = PHASE_RULES[entry.phase].short;
          const took = [
            formatDuration(entry.run.durationMs),
            entry.run.turns !== undefined ? `${entry.run.turns} turns` : undefined,
            entry.run.costUsd !== undefined ? formatCost(entry.run.costUsd, entry.run.costEstimated, 4) : undefined,
            entry.run.tokens
              ? `${shortCount(entry.run.tokens.inputTokens + entry.run.tokens.cacheReadTokens + entry.run.tokens.cacheWriteTokens)} in / ${shortCount(entry.run.tokens.outputTokens)} out tokens`
              : undefined,
            toolCount(entry.run),
            entry.run.fallbackFrom ? `on fallback ${entry.run.provider}` : undefined,
          ]
            .filter(Boolean)
            .join(', ');
          if (entry.validation === 'max_turns') {
            log.warn(
              { event: event.type, entry },
              `#${entry.iteration} ${short}  out of turns before signalling (${took}); the next iteration goes on with a note`,
            );
            return;
          }
          if (entry.statusAfter === 'running' && isGateRefusal(entry.validation)) {
            log.warn(
              { event: event.type, entry },
              `#${entry.iteration} ${short}  refused by samocode (${entry.validation}), stays in ${entry.phaseAfter} (${took}): ${entry.problem ?? ''}`,
            );
            return;
          }
          if (entry.validation !== 'ok') {
            const cls = entry.run.failure ? ` [${entry.run.failure}]` : '';
            // Failed tool calls often explain a refused iteration (a Write that failed, no signal).
            const tools = entry.run.toolFailures ? ` (${toolCount(entry.run)})` : '';
            log.error(
              { event: event.type, entry },
              `#${entry.iteration} ${short}  ${entry.validation}${cls}: ${entry.problem ?? ''}${tools}`,
            );
            return;
          }
          const move =
            entry.phaseAfter !== entry.phase
              ? `→ ${entry.phaseAfter}`
              : entry.statusAfter === 'running'
                ? `stays in ${entry.phase}`
                : entry.statusAfter;
          const summary = entry.signal?.summary ? `: ${entry.signal.summary}` : '';
          log.info({ event: event.type, entry }, `#${entry.iteration} ${short}  ${move} (${took})${summary}`);
          return;
        }
        case 'resumed':
          log.info({ event: event.type, how: event.how }, `resumed in ${state.phase} (${event.how})`);
          return;
        case 'waiting':
          if (state.waitingFor === 'review') {
            const found = state.reviewFindings;
            log.warn(
              { event: event.type, for: state.waitingFor, findings: found, file: state.waitingFile },
              `waiting for your review: ${found === undefined ? 'findings' : `${found} finding${found === 1 ? '' : 's'}`} in ${state.waitingFile ?? REVIEW_FILE}; write "approved" or "rejected: <what to change>" on its Decision line`,
            );
            return;
          }
          log.warn(
            { event: event.type, for: state.waitingFor, needs: state.needs },
            `waiting for ${state.waitingFor}${state.needs ? `: ${state.needs}` : ''}`,
          );
          return;
        case 'blocked':
          log.error(
            { event: event.type, reason: state.blockedReason, kind: state.blockedKind, needs: state.needs },
            `blocked in ${state.phase}: ${state.blockedReason ?? ''}`,
          );
          return;
        case 'done':
          log.info(
            { event: event.type, iterations: state.iterations, totals: state.totals },
            `done after ${state.iterations} iterations${state.lastSummary ? `: ${state.lastSummary}` : ''}`,
          );
          if (event.delivery) {
            log.info({ event: 'delivered', delivery: event.delivery }, `delivery: ${describeDelivery(event.delivery)}`);
            for (const problem of event.delivery.problems)
              log.warn(
                { event: 'delivery-problem', problem },
                `delivery ${problem.step} failed: ${problem.what}. Fix: ${problem.fix}${problem.command ? ` (${problem.command})` : ''}`,
              );
          }
          return;
        case 'budget':
          if (event.level === 'warning')
            log.warn(
              { event: event.type, use: event.use },
              `budget warning: ${event.use.kind} at ${describeUse(event.use)}`,
            );
          else
            log.error(
              { event: event.type, use: event.use },
              `budget exceeded: ${event.use.kind} at ${describeUse(event.use)}`,
            );
          return;
        case 'interrupted':
          log.warn(
            { event: event.type, signal: event.stopSignal },
            `interrupted by ${event.stopSignal}; the session is resumable in ${state.phase}`,
          );
          return;
      }
    },
  };
}

/** "3 tool calls, 1 failed": a failed call is counted, so a failed Write never passes for a success. */
function toolCount(run: RunFacts): string | undefined {
  if (!run.toolCalls && !run.toolFailures) return undefined;
  const calls = `${run.toolCalls} tool call${run.toolCalls === 1 ? '' : 's'}`;
  return run.toolFailures ? `${calls}, ${run.toolFailures} failed` : calls;
}
