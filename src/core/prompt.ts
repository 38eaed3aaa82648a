// The prompt for one spawn: workflow.md + agents/<phase>-agent.md + a session context block. Pure.
import { PHASE_RULES, allowedNextPhases } from './phases.js';
import type { Problem } from './signal.js';
import type { SessionState } from './state.js';
import { withoutControls } from './agent-text.js';
import { REVIEW_FILE } from './session-files.js';
import type { GateFailure } from './gates.js';

export interface PromptInput {
  workflow: string;
  phaseAgent: string;
  state: SessionState;
  sessionDir: string;
  signalFile: string;
  /** The iteration about to run (state.iterations + 1). */
  iteration: number;
  phaseLimit: number;
  timeoutMs: number;
  now: string;
  /** Set on the one corrective re-run after a missing or unreadable signal. */
  correction?: Problem | undefined;
}

export function buildPrompt(input: PromptInput): string {
  return promptHead(input.workflow, input.phaseAgent) + sessionContext(input);
}

/** The part of a prompt that is the same for every iteration of a phase: workflow.md, then the phase's agent. */
export function promptHead(workflow: string, phaseAgent: string): string {
  return `${workflow.trimEnd()}\n\n${phaseAgent.trimEnd()}\n\n`;
}

/** The part of a prompt written for this iteration: where, what phase, what the session and the person said. */
export function sessionContext(input: Omit<PromptInput, 'workflow' | 'phaseAgent'>): string {
  const { state } = input;
  const rule = PHASE_RULES[state.phase];
  const where = state.standalone
    ? `${state.workingDir} (standalone: MAIN_REPO is not a git repository, so there is no worktree or session branch)`
    : `${state.workingDir} (git worktree on branch ${state.branch ?? '?'}, from ${state.baseBranch ?? '?'})`;
  const continueTo = rule.statuses.includes('continue')
    ? `continue → ${allowedNextPhases(state.phase).join(' | ')}`
    : undefined;
  const others = rule.statuses.filter((s) => s !== 'continue');
  const gateNote =
    rule.gate && !state.gatesPassed.includes(state.phase)
      ? `\n- Gate: this phase must signal "waiting" and get the person's answer before it may move on.`
      : '';

  const lines = [
    '## Session context',
    `- Session folder: ${input.sessionDir}`,
    `- Working dir: ${where}`,
    `- Phase: ${state.phase} (iteration ${state.phaseIterations + 1} of at most ${input.phaseLimit} in this phase; iteration ${input.iteration} of the session)`,
    `- Time limit for this iteration: ${formatDuration(input.timeoutMs)}`,
    `- Now: ${input.now}; session started: ${state.startedAt}`,
    `- Signal file: ${input.signalFile}`,
    `- Allowed signals now: ${[continueTo, ...others].filter(Boolean).join('; ')}${gateNote}`,
  ];
  // Agent and person text is quoted without control characters (older sessions stored them as they came).
  if (state.lastSummary) lines.push(`- Last iteration's summary: ${withoutControls(state.lastSummary)}`);
  if (state.approvedPlan) {
    lines.push(
      `- Approved plan (the contract): ${input.sessionDir}/${state.approvedPlan}. Follow it; write every deviation and its reason in _overview.md.`,
    );
  }
  // `orchestrate continue`: the whole new cycle works on the person's instruction, not only its first prompt.
  if (state.instruction) {
    lines.push(
      '',
      `## The person continued this session (cycle ${state.cycle ?? 2}): new work on the same branch`,
      withoutControls(state.instruction),
      'The earlier cycles are done and delivered: build on their work (see _overview.md and the history), do not redo it.',
    );
  }
  if (state.carryNote === 'max_turns') {
    lines.push(
      '',
      '## Note: the previous iteration ran out of turns before it signalled',
      'Check what it did (git status, _overview.md), finish that step, and write the signal.',
    );
  }
  if (state.gateFailure) lines.push('', ...gateFailureLines(state.gateFailure, input.sessionDir));
  if (state.planFeedback) {
    lines.push(
      '',
      '## The person rejected the plan',
      `Their feedback: ${withoutControls(state.planFeedback)}`,
      'Revise the plan accordingly, then ask for approval again.',
    );
  }
  if (state.reviewFeedback) {
    lines.push(
      '',
      "## The person rejected the review of the session's changes",
      `Their feedback: ${withoutControls(state.reviewFeedback)}`,
      `What samocode's review found: ${input.sessionDir}/${REVIEW_FILE}. Make the changes they ask for and commit them; the review runs again when you signal done.`,
    );
  }
  // Every investigation prompt, not only iteration 1's: an iteration can end before the agent ever ran (a CLI that
  // refused to start), and the real first look must still see what to do. Later phases read it in _overview.md.
  if (state.phase === 'investigation' && state.task) {
    lines.push('', '## Task', state.task);
    if (state.dive) lines.push('', '## Dive focus', state.dive);
  }
  if (input.correction) {
    lines.push(
      '',
      '## Correction: your previous attempt at this iteration did not produce a valid signal',
      `Problem (${input.correction.kind}): ${withoutControls(input.correction.message)}`,
      'Check the work of the previous attempt (it may be complete), then write the signal file correctly as your last action.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What samocode's own gate refused, and the output that says why: the agent fixes it before it tries again. */
function gateFailureLines(failure: GateFailure, sessionDir: string): string[] {
  const again = failure.count > 1 ? ` (${failure.count} times in a row)` : '';
  const check = failure.check;
  if (!check) {
    return [
      `## samocode refused \`done\` (${failure.kind})${again}`,
      withoutControls(failure.message),
      'Fix it in this phase, then signal again: samocode checks again before it accepts.',
    ];
  }
  const how = check.timedOut
    ? `was stopped at its time limit after ${formatDuration(check.durationMs)}`
    : `exit code ${check.exitCode ?? 'none (killed)'} after ${formatDuration(check.durationMs)}`;
  const lines = [
    `## samocode's check "${check.name}" failed: the move was refused${again}`,
    `samocode ran \`${withoutControls(check.command)}\` in the working dir (iteration ${failure.iteration}): ${how}.`,
  ];
  if (check.hint) lines.push(`Hint: ${withoutControls(check.hint)}`);
  lines.push(`Full output: ${sessionDir}/${check.log}`);
  if (check.excerpt) lines.push('The relevant output:', '```text', withoutControls(check.excerpt).trimEnd(), '```');
  lines.push(
    'Fix the cause (not the check), commit, then signal the move again: samocode runs the check again before it accepts.',
  );
  return lines;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}
