import { h, svg } from './dom.js';

/** A line chart of one series over the last hour, drawn as SVG (no library, no inline style). */
export function lineChart(title: string, points: readonly { at: number; value: number }[], now: number, unit: string): HTMLElement {
  const width = 600;
  const height = 120;
  const start = now - 3600_000;
  const max = Math.max(1, ...points.map((p) => p.value));
  const x = (at: number) => (((at - start) / 3600_000) * width).toFixed(1);
  const y = (v: number) => (height - (v / max) * (height - 4)).toFixed(1);
  const line = points.filter((p) => p.at >= start).map((p) => `${x(p.at)},${y(p.value)}`).join(' ');
  const last = points[points.length - 1]?.value ?? 0;
  const label = `${title}: now ${last.toFixed(1)} ${unit}, peak ${max.toFixed(1)} ${unit} in the last hour`;
  const figure = h('figure', { class: 'chart' }, h('figcaption', {}, `${title} (${unit}) — now ${last.toFixed(1)}, peak ${max.toFixed(1)}`));
  figure.appendChild(
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
      svg('line', { x1: 0, y1: height, x2: width, y2: height, class: 'axis' }),
      svg('polyline', { points: line, class: 'series' })),
  );
  figure.appendChild(h('div', { class: 'chart-scale' }, h('span', {}, '−60 min'), h('span', {}, 'now')));
  return figure;
}
