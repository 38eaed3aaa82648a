// What does this signal mean here? Pure judgement of a validated signal against the phase table and the state.
import { PHASE_RULES, allowedNextPhases, type Phase, type PhaseLimits } from './phases.js';
import type { Problem, Signal } from './signal.js';
import type { SessionState, SessionStatus } from './state.js';
import { SIGNAL_FILE } from './session-files.js';

export type Verdict =
  | { ok: true; phaseAfter: Phase; statusAfter: SessionStatus }
  | { ok: false; problem: Problem };

type Judged = Pick<SessionState, 'phase' | 'phaseIterations' | 'gatesPassed'>;

export function judgeSignal(state: Judged, signal: Signal, limits: PhaseLimits, file = SIGNAL_FILE): Verdict {
  const phase = state.phase;
  const rule = PHASE_RULES[phase];

  if (!rule.statuses.includes(signal.status)) {
    return problem(
      'status_not_allowed',
      `${file}: status "${signal.status}" is not allowed in phase ${phase}; allowed here: ${rule.statuses.join(', ')}.`,
    );
  }

  if (signal.status !== 'continue') {
    if (signal.phase !== undefined && signal.phase !== phase) {
      return problem(
        'illegal_transition',
        `${file}: status "${signal.status}" cannot change the phase (${phase} → ${signal.phase}); only "continue" moves to another phase.`,
      );
    }
    const statusAfter: SessionStatus = signal.status === 'done' ? 'done' : signal.status;
    // A block or the end speaks for itself; only a pause (which leads to more iterations here) counts toward the limit.
    const overLimit = signal.status === 'waiting' ? withinLimit(state, limits, phase) : undefined;
    return overLimit ?? { ok: true, phaseAfter: phase, statusAfter };
  }

  const target = signal.phase ?? phase;
  const allowed = allowedNextPhases(phase);
  if (!allowed.includes(target)) {
    return problem(
      'illegal_transition',
      `${file}: phase ${phase} → ${target} is not an allowed transition; from ${phase} the next phase may be ${allowed.join(' or ')}.`,
    );
  }
  if (target !== phase && rule.gate && !state.gatesPassed.includes(phase)) {
    return problem(
      'gate_skipped',
      `${file}: phase ${phase} must wait for the person (status "waiting") before moving to ${target}; nobody has answered yet.`,
    );
  }
  if (target === phase) {
    const overLimit = withinLimit(state, limits, phase);
    if (overLimit) return overLimit;
  }
  return { ok: true, phaseAfter: target, statusAfter: 'running' };
}

/** Staying in a phase counts toward its limit; the iteration that reaches the limit without leaving blocks. */
function withinLimit(state: Judged, limits: PhaseLimits, phase: Phase): Verdict | undefined {
  const limit = limits[phase];
  if (state.phaseIterations + 1 >= limit) {
    return problem(
      'phase_limit',
      `phase ${phase} reached its limit of ${limit} iterations without moving on; raise PHASE_LIMITS (e.g. ${phase}=${limit * 2}) or steer the session in _overview.md, then run again.`,
    );
  }
  return undefined;
}

function problem(kind: Problem['kind'], message: string): Verdict {
  return { ok: false, problem: { kind, message } };
}
