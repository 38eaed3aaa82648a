// The running iteration's actions as they come (`action` events): the tool and its target, what failed (marked),
// the agent's words, retries and errors, the checks samocode ran, and the iteration's end.
import type { Action } from './api-types.js';
import { h } from './dom.js';
import { cost, duration } from './format.js';

/** At most this many rows stay in the page: a long iteration's early actions give way to the newest. */
export const SHOWN_ACTIONS = 400;

export function actionRow(action: Action): HTMLElement {
  const row = (kind: string, failed: boolean, ...cells: (Node | string)[]) =>
    h('li', { class: `action ${kind}${failed ? ' failed' : ''}`, 'data-kind': action.kind }, ...cells);
  switch (action.kind) {
    case 'tool':
      return row(
        'tool',
        action.failure !== undefined,
        h('span', { class: 'mark' }, action.failure !== undefined ? '✗' : '›'),
        h('span', { class: 'tool' }, action.tool ?? 'tool'),
        h('span', { class: 'target' }, action.target ?? ''),
        action.failure !== undefined ? h('div', { class: 'failure' }, action.failure) : '',
      );
    case 'tool_failed':
      return row(
        'tool',
        true,
        h('span', { class: 'mark' }, '✗'),
        h('span', { class: 'tool' }, action.call ?? 'tool call'),
        h('div', { class: 'failure' }, action.failure ?? ''),
      );
    case 'text':
      return row('text', false, h('span', { class: 'mark' }, '“'), h('span', { class: 'text' }, action.text ?? ''));
    case 'retry':
      return row('retry', false, h('span', { class: 'mark' }, '↻'), h('span', { class: 'text' }, action.text ?? ''));
    case 'error':
      return row('error', true, h('span', { class: 'mark' }, '✗'), h('span', { class: 'text' }, action.text ?? ''));
    case 'result':
      return row(
        'result',
        action.isError === true,
        h('span', { class: 'mark' }, action.isError ? '✗' : '■'),
        h(
          'span',
          { class: 'text' },
          `agent finished${action.turns !== undefined ? ` after ${action.turns} turns` : ''}${action.costUsd !== undefined ? `, ${cost(action.costUsd)}` : ''}${action.isError ? ' (with an error)' : ''}`,
        ),
      );
    case 'check': {
      const failed = action.exitCode !== 0 || action.timedOut === true;
      return row(
        'check',
        failed,
        h('span', { class: 'mark' }, failed ? '✗' : '✓'),
        h('span', { class: 'tool' }, `check ${action.name ?? ''}`),
        h(
          'span',
          { class: 'target' },
          action.timedOut ? 'timed out' : `exit ${action.exitCode ?? '?'}${action.cls ? ` (${action.cls})` : ''}`,
        ),
      );
    }
    case 'iteration': {
      const rejected = action.validation !== undefined && action.validation !== 'ok';
      return row(
        'iteration',
        rejected,
        h('span', { class: 'mark' }, rejected ? '✗' : '◆'),
        h(
          'span',
          { class: 'text' },
          `iteration ${action.iteration} ended: ${action.phase} → ${action.phaseAfter ?? '?'}, ${action.status ?? '?'}` +
            `${rejected ? ` (rejected: ${action.validation})` : ''}, ${duration(action.durationMs)}` +
            `${action.costUsd !== undefined ? `, ${cost(action.costUsd)}` : ''}` +
            `${action.summary ? `: ${action.summary}` : ''}`,
        ),
      );
    }
    default:
      return row('other', false, h('span', { class: 'mark' }, '·'), h('span', { class: 'text' }, action.kind));
  }
}
