import type { RequestHandler } from 'express';
import { cancelAction } from '../../safety/index.js';
import type { Action, KillSwitch, PlatformAccount } from '../../store/index.js';
import { clientScope, demand, visibleAccounts, visibleClients } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { actionWhat, approvalOf, policyCache, visibleAction } from './actions.js';
import { html, time, type Html } from './html.js';
import { BASE, field, layout, pageOf, queryParam, redirectWith, send, type ConsoleDeps, type Page } from './page.js';
import { accountLabel, killFor, switchMap } from './tenancy.js';

const DAY = 86_400_000;
const WINDOW_DAYS = 7;
/** Rows one page shows at most; a busier week is narrowed by client or account. */
const MAX_ROWS = 500;

/** Why a queued action that is due does not run now, if something holds it. */
function heldBy(action: Action, account: PlatformAccount | undefined, switches: Map<string, KillSwitch>, now: Date): string | null {
  const kill = killFor(switches, action);
  if (kill) return `kill switch (${kill.scope}) on`;
  if (account && account.state !== 'active') return `account ${account.state}`;
  if (action.not_before && action.not_before > now.toISOString()) return `deferred until ${action.not_before.slice(0, 16).replace('T', ' ')} UTC`;
  return null;
}

function when(a: Action): string {
  return a.due_at ?? a.created_at;
}

/**
 * GET /console/schedule: queued actions by due time — everything not yet run up to a week ahead
 * (overdue and held ones first), or one week from `week=YYYY-MM-DD` — filtered by client and
 * account; each can be cancelled before it runs (act).
 */
export function schedulePage(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const { principal } = page;
      const now = new Date();
      const clientId = clientScope(principal, queryParam(req, 'client_id'));
      const accountId = queryParam(req, 'account_id');
      const week = queryParam(req, 'week');
      if (week !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(week)) throw new ApiError(400, 'invalid_request', 'week: a date, YYYY-MM-DD');
      const from = week ? Date.parse(`${week}T00:00:00Z`) : undefined;
      if (from !== undefined && Number.isNaN(from)) throw new ApiError(400, 'invalid_request', 'week: a date, YYYY-MM-DD');
      const to = (from ?? Math.floor(now.getTime() / DAY) * DAY) + WINDOW_DAYS * DAY;
      const [clients, accounts, switchList] = await Promise.all([visibleClients(store, principal), visibleAccounts(store, principal), store.killSwitches.list()]);
      const accountById = new Map(accounts.map((a) => [a.platform_account_id, a]));
      if (accountId !== undefined && !accountById.has(accountId)) throw new ApiError(404, 'not_found', `no account ${accountId}`);
      const rows = await store.actions.list({
        state: 'queued',
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        ...(accountId !== undefined ? { platform_account_id: accountId } : {}),
        ...(from !== undefined ? { due_from: new Date(from).toISOString() } : {}),
        due_to: new Date(to).toISOString(),
        limit: MAX_ROWS + 1,
      });
      const shown = rows.slice(0, MAX_ROWS).sort((x, y) => when(x).localeCompare(when(y)) || x.action_id.localeCompare(y.action_id));
      const switches = switchMap(switchList);
      const policies = policyCache(store);
      const approvals = await Promise.all(shown.map(async (a) => approvalOf(store, await policies(a.client_id), a, now)));
      const clientName = new Map(clients.map((c) => [c.client_id, c.name]));
      const pick = (name: string, value: string | undefined) => new URLSearchParams({
        ...(clientId !== undefined && principal.client_id === null ? { client_id: clientId } : {}),
        ...(accountId !== undefined ? { account_id: accountId } : {}),
        ...(value !== undefined ? { [name]: value } : {}),
      }).toString();
      const nextWeek = new Date(to).toISOString().slice(0, 10);
      const prevWeek = from !== undefined ? new Date(from - WINDOW_DAYS * DAY).toISOString().slice(0, 10) : undefined;
      const body = html`
<form method="get" action="${BASE}/schedule" class="filters" aria-label="Filter the schedule">
${principal.client_id === null ? html`<label for="f-client">Client</label>
<select id="f-client" name="client_id"><option value="">every client</option>${clients.map((c) => html`<option value="${c.client_id}"${c.client_id === clientId ? html` selected` : ''}>${c.name}</option>`)}</select>` : ''}
<label for="f-account">Account</label>
<select id="f-account" name="account_id"><option value="">every account</option>${accounts.filter((a) => clientId === undefined || a.client_id === clientId).map((a) => html`<option value="${a.platform_account_id}"${a.platform_account_id === accountId ? html` selected` : ''}>${clientName.get(a.client_id) ?? a.client_id}: ${accountLabel(a)}</option>`)}</select>
${week ? html`<input type="hidden" name="week" value="${week}">` : ''}
<button type="submit">Filter</button>
</form>
<p>${week ? html`Queued actions due in the week from ${week} (UTC).` : html`Queued actions due up to ${nextWeek} (UTC), overdue and held ones first.`}
${rows.length > MAX_ROWS ? html` <strong>More than ${MAX_ROWS}: narrow by client or account.</strong>` : ''}</p>
${shown.length === 0 ? html`<p class="muted">Nothing queued here.</p>` : html`<table class="schedule">
<thead><tr><th scope="col">Due</th><th scope="col">Client</th><th scope="col">Account</th><th scope="col">Action</th><th scope="col">What</th><th scope="col">Status</th>${page.can('act') ? html`<th scope="col">Cancel</th>` : ''}</tr></thead>
<tbody>${shown.map((a, i) => row(page, a, accountById.get(a.platform_account_id), clientName.get(a.client_id) ?? a.client_id, approvals[i]!, heldBy(a, accountById.get(a.platform_account_id), switches, now), now))}</tbody>
</table>`}
<nav aria-label="Weeks" class="pager">${prevWeek ? html`<a href="${BASE}/schedule?${pick('week', prevWeek)}" rel="prev">Previous week</a>` : ''}
${week ? html`<a href="${BASE}/schedule?${pick('week', undefined)}">Up to next week</a>` : ''}
<a href="${BASE}/schedule?${pick('week', nextWeek)}" rel="next">Week from ${nextWeek}</a></nav>`;
      send(res, layout({ title: 'Schedule', nav: 'schedule', page, body }));
    } catch (error) {
      next(error);
    }
  };
}

function row(page: Page, a: Action, account: PlatformAccount | undefined, client: string, approval: Awaited<ReturnType<typeof approvalOf>>, held: string | null, now: Date): Html {
  const due = a.due_at === null || a.due_at <= now.toISOString();
  const status = held ? html`<span class="badge warn">held</span> <span class="small">${held}</span>`
    : due ? html`<span class="badge">due</span>` : html`<span class="badge ok">scheduled</span>`;
  const needs = approval.status === 'pending' ? html`<br><a class="small" href="${BASE}/approvals">needs an approval</a>`
    : approval.status === 'approved' ? html`<br><span class="small">approved by ${approval.approvers.join(', ')}</span>`
      : approval.status === 'expired' ? html`<br><span class="small">approval expired</span>` : '';
  const label = account ? accountLabel(account) : a.platform_account_id;
  return html`<tr data-action="${a.action_id}">
<td>${a.due_at ? time(a.due_at) : html`as soon as possible`}</td>
<td>${client}</td>
<td>${label}</td>
<td>${a.action_type} <span class="muted small">(${a.lane})</span><br><a class="small" href="${BASE}/episodes/${encodeURIComponent(a.episode_id)}">episode</a></td>
<td>${actionWhat(a)}</td>
<td>${status}${needs}</td>
${page.can('act') ? html`<td>${page.form(`${BASE}/actions/${encodeURIComponent(a.action_id)}/cancel`, html`<label class="visually-hidden" for="cancel-${a.action_id}">Why cancel ${a.action_type} on ${label}</label>
<input id="cancel-${a.action_id}" name="reason" required maxlength="200" placeholder="reason">
<button type="submit">Cancel</button>`, { className: 'inline' })}</td>` : ''}
</tr>`;
}

/** POST /console/actions/:id/cancel (act): blocked as cancelled before it runs, with who and why. */
export function cancelPost(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'act');
      const action = await visibleAction(store, page.principal, String(req.params.action_id));
      const reason = field(req.body, 'reason', 200);
      if (!reason) throw new ApiError(400, 'invalid_request', 'reason: say why it is cancelled');
      await cancelAction(store, action.action_id, { by: page.principal.name, reason, client_id: action.client_id });
      redirectWith(res, `${BASE}/schedule`, 'cancelled');
    } catch (error) {
      next(error);
    }
  };
}
