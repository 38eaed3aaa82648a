// The little Markdown that plans, reviews and delivery summaries use (headings, lists, code blocks, **bold**,
// `code`), turned into elements built one by one: text stays text, so a plan cannot inject markup or script.
// Links are shown as their text; anything else shows as written.
import { append, h } from './dom.js';

const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|(\s*:?-{2,}:?\s*\|)+\s*$/;

export function markdown(text: string): HTMLElement {
  const root = h('div', { class: 'markdown' });
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let list: HTMLElement | undefined;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) root.appendChild(h('p', {}, ...inline(paragraph.join(' '))));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) {
      flush();
      list = undefined;
      const body: string[] = [];
      for (i++; i < lines.length && !FENCE.test(lines[i]!); i++) body.push(lines[i]!);
      root.appendChild(h('pre', {}, h('code', {}, body.join('\n'))));
      continue;
    }
    if (TABLE_ROW.test(line)) {
      flush();
      list = undefined;
      const rows: string[] = [];
      for (; i < lines.length && TABLE_ROW.test(lines[i]!); i++) rows.push(lines[i]!);
      i--;
      root.appendChild(table(rows));
      continue;
    }
    const heading = HEADING.exec(line);
    const item = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (heading) {
      flush();
      list = undefined;
      const level = Math.min(6, heading[1]!.length + 2) as 3 | 4 | 5 | 6;
      root.appendChild(h(`h${level}`, {}, ...inline(heading[2]!)));
    } else if (item) {
      flush();
      const kind = BULLET.test(line) ? 'UL' : 'OL';
      if (!list || list.tagName !== kind) {
        list = h(kind === 'UL' ? 'ul' : 'ol');
        root.appendChild(list);
      }
      list.appendChild(h('li', {}, ...inline(item[1]!)));
    } else if (line.trim() === '') {
      flush();
      list = undefined;
    } else if (list && /^\s+\S/.test(line) && list.lastElementChild) {
      append(list.lastElementChild, [' ', ...inline(line.trim())]);
    } else {
      list = undefined;
      paragraph.push(line.trim());
    }
  }
  flush();
  return root;
}

/** A pipe table: the row before the `|---|` rule is its header (none: every row is a body row). */
function table(rows: string[]): HTMLElement {
  const cells = (row: string) =>
    row
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim());
  const rule = rows.findIndex((row) => TABLE_RULE.test(row));
  const head = rule > 0 ? rows.slice(0, rule) : [];
  const body = rule >= 0 ? rows.slice(rule + 1) : rows;
  const row = (text: string, tag: 'th' | 'td') => h('tr', {}, ...cells(text).map((c) => h(tag, {}, ...inline(c))));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'md-table' },
      head.length > 0 ? h('thead', {}, ...head.map((r) => row(r, 'th'))) : null,
      h('tbody', {}, ...body.map((r) => row(r, 'td'))),
    ),
  );
}

/** `**bold**`, `` `code` `` and `[text](url)` (shown as its text) within a line. */
function inline(text: string): Node[] {
  const nodes: Node[] = [];
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\([^)]*\)/g;
  let at = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > at) nodes.push(document.createTextNode(text.slice(at, m.index)));
    if (m[1] !== undefined) nodes.push(h('strong', {}, m[1]));
    else if (m[2] !== undefined) nodes.push(h('code', {}, m[2]));
    else nodes.push(document.createTextNode(m[3]!));
    at = m.index + m[0].length;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}
