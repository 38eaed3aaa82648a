// One readable line per action of `orchestrate log` (the JSON form is the Action itself). Pure.
import { formatDuration } from '../../core/prompt.js';
import { oneLine } from '../../core/text.js';
import type { Action } from './actions.js';

/** `12:01:02 #3 implementation  Bash npm test  ✗ exit 1: …` */
export function formatAction(action: Action): string {
  const time = action.time.slice(11, 19);
  const where = `${time} #${action.iteration}${action.attempt > 1 && action.kind !== 'iteration' && action.kind !== 'check' ? `.${action.attempt}` : ''} ${action.phase}`;
  return `${where}  ${actionBody(action)}`;
}

/** What an action did, without where and when: `Bash npm test  ✗ exit 1: …`. */
export function actionBody(action: Action): string {
  switch (action.kind) {
    case 'tool':
      return `${`${action.tool} ${action.target}`.trim()}${action.failure !== undefined ? `  ✗ ${action.failure}` : ''}`;
    case 'tool_failed':
      return `✗ ${action.call}: ${action.failure}`;
    case 'text':
      return `“${oneLine(action.text)}”`;
    case 'retry':
      return `… ${action.text}`;
    case 'error':
      return `✗ error: ${action.text}`;
    case 'result':
      return `= end of run${action.isError ? ' (error)' : ''}${action.turns !== undefined ? `, ${action.turns} turns` : ''}${cost(action.costUsd)}`;
    case 'check': {
      const outcome = action.timedOut
        ? 'timed out'
        : action.exitCode === 0
          ? 'passed'
          : `✗ failed (exit ${action.exitCode ?? '?'}${action.cls ? `, ${action.cls}` : ''})`;
      return `check ${action.name} ${outcome}  ${action.log}`;
    }
    case 'iteration': {
      const took = action.durationMs !== undefined ? `, ${formatDuration(action.durationMs)}` : '';
      const validation = action.validation === 'ok' ? '' : `, ${action.validation}`;
      return `→ ${action.phaseAfter} ${action.status}${validation}${took}${cost(action.costUsd)}${action.summary ? `: ${action.summary}` : ''}`;
    }
  }
}

function cost(usd: number | undefined): string {
  return usd === undefined ? '' : `, $${usd.toFixed(2)}`;
}
