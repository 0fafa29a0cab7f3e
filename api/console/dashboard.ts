import type { RequestHandler } from 'express';
import type { Action, Client, KillScope, KillSwitch, PlatformAccount, ProgressBucket, ProgressCount, RunnerLease } from '../../store/index.js';
import { html, time, type Html } from './html.js';
import { BASE, layout, pageOf, queryParam, send, type ConsoleDeps, type Page } from './page.js';
import { accountLabel, killFor, switchMap } from './tenancy.js';
import { visibleAccounts, visibleClients } from '../auth/index.js';

const BUCKETS: ProgressBucket[] = ['scheduled', 'due', 'held', 'running', 'unknown', 'done', 'failed', 'blocked'];
const ACCOUNTS_PER_PAGE = 100;
/** How many of its latest actions a client-scoped dashboard counts (the farm's counts cross tenants). */
const CLIENT_RECENT = 1000;

/** The farm's progress line as a table: lanes down, where their actions are across. */
function farmStatus(progress: ProgressCount[]): Html {
  const lanes = [...new Set(progress.map((p) => p.lane))];
  if (lanes.length === 0) return html`<p class="muted">No actions yet.</p>`;
  const n = (lane: string, bucket: string) => progress.find((p) => p.lane === lane && p.bucket === bucket)?.n ?? 0;
  return html`<table>
<caption>Actions per lane, by where they stand now</caption>
<thead><tr><th scope="col">Lane</th>${BUCKETS.map((b) => html`<th scope="col" class="num">${b}</th>`)}</tr></thead>
<tbody>${lanes.map((lane) => html`<tr><th scope="row">${lane}</th>${BUCKETS.map((b) => html`<td class="num" data-bucket="${b}">${n(lane, b)}</td>`)}</tr>`)}</tbody>
</table>
<p class="muted"><em>held</em>: due but deferred, its account degraded, or a kill switch on. <em>unknown</em>: the outcome is being verified; never retried blindly.</p>`;
}

function clientStatus(actions: Action[]): Html {
  if (actions.length === 0) return html`<p class="muted">No actions yet.</p>`;
  const counts = new Map<string, number>();
  for (const a of actions) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  return html`<table>
<caption>Your latest ${actions.length} actions, by state</caption>
<thead><tr><th scope="col">State</th><th scope="col" class="num">Actions</th></tr></thead>
<tbody>${[...counts].map(([state, n]) => html`<tr><th scope="row">${state}</th><td class="num">${n}</td></tr>`)}</tbody>
</table>`;
}

function runners(leases: RunnerLease[], accounts: Map<string, PlatformAccount>): Html {
  const mine = leases.filter((l) => accounts.has(l.platform_account_id));
  if (mine.length === 0) return html`<p class="muted">No runner is working right now.</p>`;
  return html`<table>
<caption>${mine.length} runner${mine.length === 1 ? '' : 's'} (one per account at a time)</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Runner</th><th scope="col">Since</th><th scope="col">Heartbeat</th></tr></thead>
<tbody>${mine.map((l) => html`<tr><td>${accountLabel(accounts.get(l.platform_account_id)!)}</td><td><code>${l.owner_id}</code></td><td>${time(l.acquired_at)}</td><td>${time(l.heartbeat_at)}</td></tr>`)}</tbody>
</table>`;
}

/** A switch's state in words: who engaged it, when and why. */
export function switchState(sw: KillSwitch | undefined): Html {
  if (!sw?.engaged) return html`<span class="badge ok">off</span>`;
  return html`<span class="badge danger">ON</span> <span class="small">by ${sw.set_by}, ${time(sw.set_at)}${sw.reason ? html`: ${sw.reason}` : ''}</span>`;
}

/** Trip (a link to the confirmation step) or clear (one form), as the caller may. */
export function switchControls(page: Page, scope: KillScope, id: string, label: string, sw: KillSwitch | undefined): Html {
  if (sw?.engaged) {
    if (!page.can('kill_clear')) return html``;
    return page.form(`${BASE}/kill`, html`<input type="hidden" name="scope" value="${scope}"><input type="hidden" name="id" value="${id}"><input type="hidden" name="engaged" value="off">
<button type="submit" aria-label="Clear the kill switch of ${label}">Clear switch</button>`, { className: 'inline' });
  }
  if (!page.can('kill_engage')) return html``;
  const href = `${BASE}/kill/confirm?${new URLSearchParams({ scope, id })}`;
  return html`<a class="button danger" href="${href}" aria-label="Trip the kill switch of ${label}…">Trip…</a>`;
}

const DEGRADED = new Set(['read_only', 'needs_human', 'reconnect_required']);

function accountsTable(page: Page, accounts: PlatformAccount[], clients: Map<string, Client>, switches: Map<string, KillSwitch>, pageNo: number): Html {
  if (accounts.length === 0) return html`<p class="muted">No accounts connected.</p>`;
  const sorted = [...accounts].sort((x, y) => Number(DEGRADED.has(y.state)) - Number(DEGRADED.has(x.state))
    || x.client_id.localeCompare(y.client_id) || x.platform.localeCompare(y.platform) || x.fingerprint.handle.localeCompare(y.fingerprint.handle));
  const pages = Math.max(1, Math.ceil(sorted.length / ACCOUNTS_PER_PAGE));
  const current = Math.min(Math.max(1, pageNo), pages);
  const shown = sorted.slice((current - 1) * ACCOUNTS_PER_PAGE, current * ACCOUNTS_PER_PAGE);
  const degraded = accounts.filter((a) => DEGRADED.has(a.state)).length;
  return html`<p>${accounts.length} account${accounts.length === 1 ? '' : 's'}, ${degraded} needing a human (listed first).</p>
<table class="accounts">
<thead><tr><th scope="col">Client</th><th scope="col">Account</th><th scope="col">State</th><th scope="col">Kill switch</th><th scope="col">Actions</th></tr></thead>
<tbody>${shown.map((a) => {
    const label = accountLabel(a);
    const sw = switches.get(`account:${a.platform_account_id}`);
    const stopped = killFor(switches, a);
    return html`<tr data-account="${a.platform_account_id}">
<td>${clients.get(a.client_id)?.name ?? a.client_id}</td>
<td>${label}<br><a class="small" href="${BASE}/accounts/${encodeURIComponent(a.platform_account_id)}/pacing">Pacing chart<span class="visually-hidden"> of ${label}</span></a></td>
<td><span class="badge ${a.state === 'active' ? 'ok' : 'warn'}">${a.state}</span>${a.state_reason ? html`<br><span class="small">${a.state_reason}</span>` : ''}</td>
<td>${switchState(sw)}${!sw?.engaged && stopped ? html`<br><span class="small">stopped by the ${stopped.scope} switch</span>` : ''}</td>
<td class="actions">${a.state !== 'active' && page.can('act') ? page.form(`${BASE}/accounts/${encodeURIComponent(a.platform_account_id)}/clear`, html`<label for="why-${a.platform_account_id}" class="visually-hidden">Why ${label} can act again</label>
<input id="why-${a.platform_account_id}" name="reason" placeholder="what a human checked" maxlength="400">
<button type="submit" aria-label="Clear ${label} back to active">Clear to active</button>`, { className: 'inline' }) : ''}
${switchControls(page, 'account', a.platform_account_id, label, sw)}</td>
</tr>`;
  })}</tbody>
</table>
${pages > 1 ? html`<nav aria-label="Account pages" class="pager">${current > 1 ? html`<a href="${BASE}/?accounts_page=${current - 1}#accounts" rel="prev">Previous accounts</a>` : ''}
<span>page ${current} of ${pages}</span>${current < pages ? html`<a href="${BASE}/?accounts_page=${current + 1}#accounts" rel="next">Next accounts</a>` : ''}</nav>` : ''}`;
}

/** GET /console/: farm status, runners, kill switches, accounts and their states. */
export function dashboard(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const { principal } = page;
      const now = new Date();
      const scoped = principal.client_id !== null;
      const [clients, accounts, switchList, leases, progress, recent] = await Promise.all([
        visibleClients(store, principal),
        visibleAccounts(store, principal),
        store.killSwitches.list(),
        store.leases.active(now),
        scoped ? null : store.actions.progress(now),
        scoped ? store.actions.list({ client_id: principal.client_id!, order: 'desc', limit: CLIENT_RECENT }) : null,
      ]);
      const switches = switchMap(switchList);
      const byId = new Map(accounts.map((a) => [a.platform_account_id, a]));
      const clientById = new Map(clients.map((c) => [c.client_id, c]));
      const global = switches.get('global:*');
      const body = html`
<section aria-labelledby="farm"><h2 id="farm">Farm status</h2>
${progress ? farmStatus(progress) : clientStatus(recent ?? [])}
</section>
<section aria-labelledby="runners"><h2 id="runners">Runners</h2>${runners(leases, byId)}</section>
<section aria-labelledby="kill"><h2 id="kill">Kill switches</h2>
<p class="muted">A switch stops every side effect it covers before preflight, right before the tool call and right before any confirm click. Anyone who reviews may trip one; only operators clear them.</p>
<table>
<thead><tr><th scope="col">Scope</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
<tbody>
<tr data-switch="global"><th scope="row">Global (every client)</th><td>${switchState(global)}</td><td>${scoped ? html`<span class="muted small">operators for every client only</span>` : switchControls(page, 'global', '*', 'every client', global)}</td></tr>
${clients.map((c) => {
    const sw = switches.get(`client:${c.client_id}`);
    return html`<tr data-switch="client:${c.client_id}"><th scope="row">Client ${c.name}</th><td>${switchState(sw)}</td><td>${switchControls(page, 'client', c.client_id, `client ${c.name}`, sw)}</td></tr>`;
  })}
</tbody>
</table>
<p class="muted small">Account switches are in the accounts table below.</p>
</section>
<section aria-labelledby="accounts"><h2 id="accounts">Accounts</h2>
${accountsTable(page, accounts, clientById, switches, Number(queryParam(req, 'accounts_page') ?? 1) || 1)}
</section>`;
      send(res, layout({ title: 'Dashboard', nav: 'dashboard', page, body }));
    } catch (error) {
      next(error);
    }
  };
}
