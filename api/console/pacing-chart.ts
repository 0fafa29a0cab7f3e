import type { Budget } from '../../store/index.js';
import { html, type Html } from './html.js';

export const HOUR = 3_600_000;

/** One hour of an account's side effects (budget uses), by action type. */
export interface PacingHour {
  /** Start of the hour, ms since the epoch (UTC). */
  start: number;
  total: number;
  byType: Record<string, number>;
}

/** Hours from `from` (whole hour) for `hours` hours, filled with the uses that fall in them. */
export function bucketUses(uses: { action_type: string; at: string }[], from: number, hours: number): PacingHour[] {
  const slots: PacingHour[] = Array.from({ length: hours }, (_, i) => ({ start: from + i * HOUR, total: 0, byType: {} }));
  for (const use of uses) {
    const slot = slots[Math.floor((Date.parse(use.at) - from) / HOUR)];
    if (!slot) continue;
    slot.total += 1;
    slot.byType[use.action_type] = (slot.byType[use.action_type] ?? 0) + 1;
  }
  return slots;
}

const W = 900;
const H = 240;
const PAD = { top: 16, right: 120, bottom: 34, left: 36 };

/**
 * Side effects per hour as stacked bars (one colour per action type, from the stylesheet) with a
 * dashed line per hourly cap: server-rendered SVG, no script and no inline style, so the strict
 * CSP holds. The figure's text alternative is the per-day table beside it.
 */
export function pacingSvg(hours: PacingHour[], caps: Budget[], titleId: string, descId: string): Html {
  const hourly = caps.filter((c) => c.per_hour !== null);
  const top = Math.max(1, ...hours.map((h) => h.total), ...hourly.map((c) => c.per_hour!));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / Math.max(1, hours.length);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const types = [...new Set(hours.flatMap((h) => Object.keys(h.byType)))].sort();
  const ticks = [...new Set([0, Math.ceil(top / 2), top])];
  const bars = hours.flatMap((h, i) => {
    let base = 0;
    return types.filter((t) => h.byType[t]).map((t) => {
      const n = h.byType[t]!;
      const rect = html`<rect class="bar t-${t}" x="${(PAD.left + i * barW + 0.5).toFixed(1)}" y="${y(base + n).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${(y(base) - y(base + n)).toFixed(1)}"><title>${new Date(h.start).toISOString().slice(0, 13)}:00 UTC: ${n} ${t}</title></rect>`;
      base += n;
      return rect;
    });
  });
  const days = hours.filter((h) => new Date(h.start).getUTCHours() === 0);
  return html`<svg class="pacing" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${titleId} ${descId}" xmlns="http://www.w3.org/2000/svg">
<title id="${titleId}">Side effects per hour, last ${Math.round(hours.length / 24)} days</title>
<desc id="${descId}">Stacked bars per hour by action type; dashed lines are the hourly caps. The table below gives the same figures per day.</desc>
<g class="grid">${ticks.map((t) => html`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="axis" x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`)}</g>
<g class="days">${days.map((d) => {
    const x = PAD.left + hours.indexOf(d) * barW;
    return html`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/><text class="axis" x="${(x + 3).toFixed(1)}" y="${H - PAD.bottom + 16}">${new Date(d.start).toISOString().slice(5, 10)}</text>`;
  })}</g>
<g class="bars">${bars}</g>
<g class="caps">${hourly.map((c) => html`<line class="cap" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(c.per_hour!).toFixed(1)}" y2="${y(c.per_hour!).toFixed(1)}"/><text class="cap-label" x="${PAD.left + plotW + 6}" y="${(y(c.per_hour!) + 4).toFixed(1)}">${c.action_type === '*' ? 'all' : c.action_type} ≤ ${c.per_hour}/h</text>`)}</g>
<g class="legend">${types.map((t, i) => html`<rect class="bar t-${t}" x="${PAD.left + plotW + 6}" y="${H - PAD.bottom - 12 - i * 16}" width="10" height="10"/><text class="axis" x="${PAD.left + plotW + 20}" y="${H - PAD.bottom - 3 - i * 16}">${t}</text>`)}</g>
<text class="axis" x="${PAD.left}" y="${H - 4}">UTC days</text>
</svg>`;
}
