// The little Markdown that plans, reviews and delivery summaries use (headings, lists, code blocks, **bold**,
// `code`), turned into elements built one by one: text stays text, so a plan cannot inject markup or script.
// Links are shown as their text; anything else shows as written.
import { append, h } from './dom.js';

const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;

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
