import type { RequestHandler } from 'express';
import { demand, visibleAccount } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { html } from './html.js';
import { bucketUses, HOUR, pacingSvg } from './pacing-chart.js';
import { BASE, field, layout, pageOf, redirectWith, send, type ConsoleDeps } from './page.js';
import { accountLabel } from './tenancy.js';

const DAYS = 7;

/**
 * POST /console/accounts/:id/clear (act): a degraded account (read_only, needs_human,
 * reconnect_required) back to active after a human looked, with who and why in its reason.
 */
export function clearAccount(deps: ConsoleDeps): RequestHandler {
  const { store, logger } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'act');
      const account = await visibleAccount(store, page.principal, String(req.params.account_id));
      if (account.state === 'active') throw new ApiError(409, 'conflict', `${accountLabel(account)} is already active`);
      const why = field(req.body, 'reason', 400);
      await store.accounts.setState(account.platform_account_id, 'active', `cleared from ${account.state} by ${page.principal.name}${why ? `: ${why}` : ''}`);
      logger.info({ platform_account_id: account.platform_account_id, client_id: account.client_id, from: account.state, to: 'active', by: page.principal.name, via: 'console' }, 'account state set');
      redirectWith(res, `${BASE}/`, 'account_cleared');
    } catch (error) {
      next(error);
    }
  };
}

/** GET /console/accounts/:id/pacing: side effects per hour over the last 7 days against the caps. */
export function pacingPage(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const account = await visibleAccount(store, page.principal, String(req.params.account_id));
      // Whole hours, the current one included: the chart ends now.
      const to = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
      const from = to - DAYS * 24 * HOUR;
      const [uses, caps] = await Promise.all([
        store.budgets.uses(account.platform_account_id, new Date(from), new Date(to)),
        store.budgets.list(account.platform_account_id),
      ]);
      const hours = bucketUses(uses, from, DAYS * 24);
      const days = Array.from({ length: DAYS + 1 }, (_, i) => {
        const start = Math.floor(from / (24 * HOUR)) * 24 * HOUR + i * 24 * HOUR;
        const inDay = hours.filter((h) => h.start >= start && h.start < start + 24 * HOUR);
        return { day: new Date(start).toISOString().slice(0, 10), total: inDay.reduce((n, h) => n + h.total, 0), peak: Math.max(0, ...inDay.map((h) => h.total)), hours: inDay.length };
      }).filter((d) => d.hours > 0);
      const label = accountLabel(account);
      const body = html`
<p>${label} · state <span class="badge ${account.state === 'active' ? 'ok' : 'warn'}">${account.state}</span> · ${uses.length} side effect${uses.length === 1 ? '' : 's'} in the last ${DAYS} days (UTC hours).</p>
<figure class="chart">${pacingSvg(hours, caps, 'pacing-title', 'pacing-desc')}</figure>
<h2>Caps</h2>
${caps.length === 0 ? html`<p class="muted">No caps set for this account: only the farm's pacing applies.</p>` : html`<table>
<thead><tr><th scope="col">Action type</th><th scope="col" class="num">Per hour</th><th scope="col" class="num">Per day</th><th scope="col" class="num">Min spacing</th></tr></thead>
<tbody>${caps.map((c) => html`<tr><th scope="row">${c.action_type === '*' ? 'all side effects' : c.action_type}</th><td class="num">${c.per_hour ?? '—'}</td><td class="num">${c.per_day ?? '—'}</td><td class="num">${c.min_spacing_ms ? `${Math.round(c.min_spacing_ms / 1000)} s` : '—'}</td></tr>`)}</tbody>
</table>`}
<h2>Per day</h2>
<table>
<thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">Side effects</th><th scope="col" class="num">Busiest hour</th></tr></thead>
<tbody>${days.map((d) => html`<tr><th scope="row">${d.day}</th><td class="num">${d.total}</td><td class="num">${d.peak}</td></tr>`)}</tbody>
</table>
<p><a href="${BASE}/">Back to the dashboard</a> · <a href="${BASE}/schedule?account_id=${encodeURIComponent(account.platform_account_id)}">Its schedule</a></p>`;
      send(res, layout({ title: `Pacing of ${label}`, nav: 'dashboard', page, body }));
    } catch (error) {
      next(error);
    }
  };
}
