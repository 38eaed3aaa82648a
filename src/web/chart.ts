// Cost (bars, left scale) and tokens (line, right scale) per iteration, as inline SVG: no chart library, nothing
// fetched. Each bar carries a <title>, so hovering it tells the figures.
import { h, svg } from './dom.js';
import { cost, count } from './format.js';

export interface ChartPoint {
  iteration: number;
  costUsd: number | undefined;
  tokens: number | undefined;
}

const WIDTH = 640;
const HEIGHT = 170;
const PAD = { left: 52, right: 52, top: 12, bottom: 26 };

export function costChart(points: ChartPoint[]): HTMLElement {
  const figure = h('figure', { class: 'chart' });
  if (points.length === 0) {
    figure.appendChild(h('p', { class: 'muted' }, 'No iteration has finished yet.'));
    return figure;
  }
  if (points.every((p) => !p.costUsd && !p.tokens)) {
    figure.appendChild(h('p', { class: 'muted' }, 'The agent reported no cost or tokens.'));
    return figure;
  }
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const maxCost = Math.max(...points.map((p) => p.costUsd ?? 0)) || 1;
  const maxTokens = Math.max(...points.map((p) => p.tokens ?? 0)) || 1;
  const slot = innerW / points.length;
  const barW = Math.max(2, Math.min(28, slot * 0.6));
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const yCost = (v: number) => PAD.top + innerH - (v / maxCost) * innerH;
  const yTokens = (v: number) => PAD.top + innerH - (v / maxTokens) * innerH;

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `cost and tokens of ${points.length} iterations`,
  });
  chart.appendChild(
    svg('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + innerH, y2: PAD.top + innerH }),
  );
  for (const [value, y, anchor, at] of [
    [cost(maxCost), yCost(maxCost), 'end', PAD.left - 6],
    [cost(0), yCost(0), 'end', PAD.left - 6],
    [count(maxTokens), yTokens(maxTokens), 'start', WIDTH - PAD.right + 6],
  ] as const) {
    chart.appendChild(svg('text', { class: 'tick', x: at, y: y + 4, 'text-anchor': anchor }, value));
  }
  points.forEach((p, i) => {
    const value = p.costUsd ?? 0;
    const bar = svg('rect', {
      class: 'bar',
      x: x(i) - barW / 2,
      y: yCost(value),
      width: barW,
      height: Math.max(0, PAD.top + innerH - yCost(value)),
    });
    bar.appendChild(svg('title', {}, `iteration ${p.iteration}: ${cost(p.costUsd)}, ${count(p.tokens)} tokens`));
    chart.appendChild(bar);
    if (points.length <= 30 || i % Math.ceil(points.length / 30) === 0)
      chart.appendChild(svg('text', { class: 'tick', x: x(i), y: HEIGHT - 8, 'text-anchor': 'middle' }, p.iteration));
  });
  const withTokens = points.map((p, i) => [i, p.tokens] as const).filter(([, t]) => t !== undefined);
  if (withTokens.length > 0) {
    const path = withTokens.map(([i, t], n) => `${n === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yTokens(t!).toFixed(1)}`);
    chart.appendChild(svg('path', { class: 'tokens', d: path.join(' ') }));
    for (const [i, t] of withTokens)
      chart.appendChild(svg('circle', { class: 'tokens-dot', cx: x(i), cy: yTokens(t!), r: 2.5 }));
  }
  figure.appendChild(chart);
  figure.appendChild(
    h(
      'figcaption',
      {},
      h('span', { class: 'key key-cost' }),
      ' cost per iteration  ',
      h('span', { class: 'key key-tokens' }),
      ' tokens per iteration',
    ),
  );
  return figure;
}
