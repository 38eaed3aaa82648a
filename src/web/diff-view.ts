// The session branch's changes against its base: the diffstat, and the diff itself behind a click (it may be 1 MB),
// each line coloured by its first character.
import type { DiffBody } from './api-types.js';
import { h } from './dom.js';

/** Lines drawn at once; the rest behind a button (a 1 MB diff is ~20 000 lines: fine as text, slow as 20 000 spans). */
const FIRST_LINES = 3000;

export function diffView(diff: DiffBody): HTMLElement {
  const root = h('div', { class: 'diff-view' });
  root.appendChild(
    h('p', { class: 'muted' }, `${diff.branch || 'the session branch'} against ${diff.base || 'its base'}`),
  );
  if (diff.stat.trim() === '' && diff.diff.trim() === '') {
    root.appendChild(h('p', { class: 'muted' }, 'No changes yet.'));
    return root;
  }
  root.appendChild(h('pre', { class: 'diffstat' }, diff.stat));
  const details = h('details', { class: 'diff' }, h('summary', {}, 'Show the diff'));
  const lines = diff.diff.split('\n');
  const pre = h('pre', { class: 'diff-text' });
  const draw = (from: number, to: number) => {
    for (const line of lines.slice(from, to)) pre.appendChild(h('span', { class: lineClass(line) }, `${line}\n`));
  };
  draw(0, FIRST_LINES);
  details.appendChild(pre);
  if (lines.length > FIRST_LINES) {
    const more = h(
      'button',
      {
        type: 'button',
        onclick: () => {
          draw(FIRST_LINES, lines.length);
          more.remove();
        },
      },
      `Show the other ${lines.length - FIRST_LINES} lines`,
    );
    details.appendChild(more);
  }
  if (diff.cut) details.appendChild(h('p', { class: 'note' }, 'The diff was cut at 1 MB: see git diff for the rest.'));
  root.appendChild(details);
  return root;
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index '))
    return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'ctx';
}
