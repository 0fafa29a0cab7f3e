import type { RequestHandler } from 'express';
import { approveQueuedAction } from '../../safety/index.js';
import { demand, visibleAccounts, visibleClients } from '../auth/index.js';
import { actionWhat, approvalOf, policyCache, visibleAction } from './actions.js';
import { html, time } from './html.js';
import { BASE, layout, pageOf, redirectWith, send, type ConsoleDeps } from './page.js';
import { accountLabel } from './tenancy.js';

/** Queued actions read per page at most: the queue is what is waiting now, not history. */
const MAX_QUEUED = 1000;

/**
 * GET /console/approvals: queued actions that need an approval by someone other than their author
 * (§4.4), earliest due first; reviewers approve them here.
 */
export function approvalsPage(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const { principal } = page;
      const now = new Date();
      const [queued, clients, accounts] = await Promise.all([
        store.actions.list({ state: 'queued', ...(principal.client_id !== null ? { client_id: principal.client_id } : {}), limit: MAX_QUEUED }),
        visibleClients(store, principal),
        visibleAccounts(store, principal),
      ]);
      const policies = policyCache(store);
      const judged = await Promise.all(queued.map(async (a) => ({ a, approval: await approvalOf(store, await policies(a.client_id), a, now) })));
      const pending = judged.filter((j) => j.approval.status === 'pending')
        .sort((x, y) => (x.a.due_at ?? '9').localeCompare(y.a.due_at ?? '9') || x.a.created_at.localeCompare(y.a.created_at));
      const clientName = new Map(clients.map((c) => [c.client_id, c.name]));
      const accountById = new Map(accounts.map((a) => [a.platform_account_id, a]));
      const body = html`
<p>Actions here need an approval by someone other than their author before they run (two-person rule). A scheduled action that reaches its due time without one expires: it is never run late.</p>
${pending.length === 0 ? html`<p class="muted">Nothing is waiting for an approval.</p>` : html`<table class="approvals">
<thead><tr><th scope="col">Due (approve by)</th><th scope="col">Client</th><th scope="col">Account</th><th scope="col">Action</th><th scope="col">What</th><th scope="col">Why</th><th scope="col">Author</th>${page.can('approve') ? html`<th scope="col">Approve</th>` : ''}</tr></thead>
<tbody>${pending.map(({ a, approval }) => {
        const account = accountById.get(a.platform_account_id);
        const label = account ? accountLabel(account) : a.platform_account_id;
        const own = a.created_by === principal.name;
        return html`<tr data-action="${a.action_id}">
<td>${a.due_at ? time(a.due_at) : html`when approved`}</td>
<td>${clientName.get(a.client_id) ?? a.client_id}</td>
<td>${label}</td>
<td>${a.action_type} <span class="muted small">(${a.lane}, risk ${a.risk})</span><br><a class="small" href="${BASE}/episodes/${encodeURIComponent(a.episode_id)}">episode</a></td>
<td>${actionWhat(a)}</td>
<td>${approval.why ?? ''}</td>
<td>${a.created_by}${own ? html`<br><span class="small">you: someone else must approve</span>` : ''}</td>
${page.can('approve') ? html`<td>${page.form(`${BASE}/actions/${encodeURIComponent(a.action_id)}/approve`, html`<button type="submit" aria-label="Approve ${a.action_type} on ${label} by ${a.created_by}">Approve</button>`, { className: 'inline' })}</td>` : ''}
</tr>`;
      })}</tbody>
</table>`}
${queued.length >= MAX_QUEUED ? html`<p class="muted">Only the first ${MAX_QUEUED} queued actions were looked at.</p>` : ''}`;
      send(res, layout({ title: 'Approvals', nav: 'approvals', page, body }));
    } catch (error) {
      next(error);
    }
  };
}

/**
 * POST /console/actions/:id/approve (approve): the kernel records who and when; its author is
 * refused (two-person rule), and so is an approval that comes after the due time.
 */
export function approvePost(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'approve');
      const action = await visibleAction(store, page.principal, String(req.params.action_id));
      await approveQueuedAction(store, action.action_id, { by: page.principal.name, client_id: action.client_id });
      redirectWith(res, `${BASE}/approvals`, 'approved');
    } catch (error) {
      next(error);
    }
  };
}
