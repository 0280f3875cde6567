// Charts rendered on the server as SVG: no chart library to ship, nothing to run in the
// browser, and they print. Every bar carries a <title> (hover and screen readers), and each
// chart sits next to a table of the same numbers for anyone who cannot see it.
import { html, idFor, type Html } from "./html.ts";

export interface Series {
  name: string;
  /** CSS class giving the series its colour (see console.css, .s1 .. .s4). */
  className: string;
  values: number[];
}

export interface ColumnChart {
  id: string;
  title: string;
  labels: string[];
  series: Series[];
  format(n: number): string;
}

const W = 640;
const H = 220;
const LEFT = 64;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;

function legend(series: Series[]): Html {
  if (series.length < 2) return html``;
  return html`<ul class="legend">${series.map((s) => html`<li><span class="swatch ${s.className}" aria-hidden="true"></span>${s.name}</li>`)}</ul>`;
}

function empty(title: string): Html {
  return html`<figure class="chart"><figcaption>${title}</figcaption><p class="muted">Nothing in this period yet.</p></figure>`;
}

/** Columns per label (days), series stacked. */
export function columnChart(c: ColumnChart): Html {
  const totals = c.labels.map((_, i) => c.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(0, ...totals);
  if (max === 0) return empty(c.title);
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const slot = plotW / c.labels.length;
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const every = Math.max(1, Math.ceil(c.labels.length / 8));
  const titleId = idFor("t", c.id);

  const columns = c.labels.map((label, i) => {
    let base = 0;
    const x = LEFT + i * slot + (slot - barW) / 2;
    const parts = c.series.map((s) => {
      const v = s.values[i] ?? 0;
      const top = y(base + v);
      const rect = v > 0 ? html`<rect class="${s.className}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(base) - top).toFixed(1)}"></rect>` : html``;
      base += v;
      return rect;
    });
    const tip = `${label}: ${c.series.map((s) => `${s.name} ${c.format(s.values[i] ?? 0)}`).join(", ")}`;
    return html`<g class="col"><title>${tip}</title>${parts}</g>`;
  });
  const ticks = [0, max / 2, max].map(
    (v) => html`<g class="tick"><line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"></line><text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${c.format(v)}</text></g>`,
  );
  const xLabels = c.labels.map((label, i) =>
    i % every === 0 ? html`<text x="${(LEFT + i * slot + slot / 2).toFixed(1)}" y="${H - 8}" text-anchor="middle">${label.slice(5)}</text>` : html``,
  );
  return html`<figure class="chart" id="${c.id}">
<figcaption id="${titleId}">${c.title}</figcaption>
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId}" preserveAspectRatio="xMidYMid meet">${ticks}${columns}<g class="xaxis">${xLabels}</g></svg>
${legend(c.series)}
</figure>`;
}

export interface BarItem {
  label: string;
  value: number;
}

/** Horizontal bars, one per item (models), largest first. */
export function barChart(c: { id: string; title: string; items: BarItem[]; format(n: number): string }): Html {
  const items = [...c.items].sort((a, b) => b.value - a.value).slice(0, 12);
  const max = Math.max(0, ...items.map((i) => i.value));
  if (max === 0) return empty(c.title);
  // Wider than the column charts: a short list of bars would otherwise scale its text up.
  const width = 1000;
  const row = 26;
  const labelW = 180;
  const valueW = 120;
  const h = items.length * row + 8;
  const plotW = width - labelW - valueW;
  const titleId = idFor("t", c.id);
  const bars = items.map((it, i) => {
    const y = 4 + i * row;
    const w = Math.max(1, (it.value / max) * plotW);
    return html`<g class="bar"><title>${it.label}: ${c.format(it.value)}</title>
<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${it.label.length > 24 ? `${it.label.slice(0, 23)}…` : it.label}</text>
<rect class="s1" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}"></rect>
<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 16}">${c.format(it.value)}</text></g>`;
  });
  return html`<figure class="chart" id="${c.id}">
<figcaption id="${titleId}">${c.title}</figcaption>
<svg viewBox="0 0 ${width} ${h}" role="img" aria-labelledby="${titleId}">${bars}</svg>
</figure>`;
}

const DAY_MS = 86_400_000;

/** Every day of the range, so days without usage show as gaps rather than vanish. */
export function dayLabels(from: Date, to: Date, tz: string): string[] {
  const fmt = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
  const labels: string[] = [];
  for (let t = from.getTime(); ; t += DAY_MS) {
    const at = Math.min(t, to.getTime());
    const label = fmt.format(new Date(at));
    if (labels.at(-1) !== label) labels.push(label);
    if (at === to.getTime()) return labels;
  }
}
