import type { RequestHandler } from 'express';
import { DmReviewError, type DmService } from '../../dm/index.js';
import { DmPolicy, type DmDecisionRow } from '../../store/index.js';
import { switchControls, switchState } from './dashboard.js';
import { demand, visibleAccounts, visibleClients } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { html, time } from './html.js';
import { BASE, field, layout, pageOf, redirectWith, send, type ConsoleDeps } from './page.js';
import { accountLabel } from './tenancy.js';

const QUEUE_LIMIT = 200;

function dmOf(deps: ConsoleDeps): DmService {
  if (!deps.dm) throw new ApiError(503, 'unavailable', 'the DM assistant is not running in this process');
  return deps.dm;
}

/** A decision the caller may see: another tenant's trace id is "not found", like any missing one. */
async function visibleDecision(deps: ConsoleDeps, clientId: string | null, traceId: string): Promise<DmDecisionRow> {
  const decision = await deps.services.store.dmDecisions.get(traceId);
  if (!decision || (clientId !== null && decision.client_id !== clientId)) throw new ApiError(404, 'not_found', `no DM draft ${traceId}`);
  return decision;
}

const TIER_LABEL: Record<string, string> = { urgent: 'URGENT', 'needs-human': 'needs a person', normal: 'draft' };

/**
 * GET /console/dm: the reviewer queue of spec 003 §5 — escalations first (urgent, then
 * needs-human), then drafts, oldest first within each; each with its triage, the panel's
 * decision, the draft offered, "open IG thread" and approve / edit / reject. Below it, §7's
 * comparison of drafted vs sent text per intent.
 */
export function dmPage(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const { principal } = page;
      const dm = deps.dm;
      const scope = principal.client_id !== null ? [principal.client_id] : null;
      const [queue, done, accounts, clients, switches] = await Promise.all([
        store.dmDecisions.queue({ client_ids: scope, states: ['pending', 'triage_only'], limit: QUEUE_LIMIT }),
        store.dmDecisions.queue({ client_ids: scope, states: ['approved', 'sent'], limit: 5000 }),
        visibleAccounts(store, principal),
        visibleClients(store, principal),
        store.killSwitches.list(),
      ]);
      const everyClient = switches.find((sw) => sw.scope === 'dm_auto_send' && sw.scope_id === '*');
      const autoRows = await Promise.all(clients.map(async (c) => {
        const policy = (await store.policies.current(c.client_id))?.dm ?? DmPolicy.parse({});
        const own = switches.find((sw) => sw.scope === 'dm_auto_send' && sw.scope_id === c.client_id);
        const on = policy.rollout === 'auto_send' && policy.auto_send.enabled && policy.auto_send.intents.length > 0;
        return html`<tr><td>${c.name}</td><td>${policy.rollout}</td>
<td>${on ? html`${policy.auto_send.intents.join(', ')} <span class="small muted">(after ${policy.auto_send.min_reviewed} reviews, ≥ ${Math.round(policy.auto_send.min_unedited_share * 100)} % unedited)</span>` : html`<span class="muted">off</span>`}</td>
<td>${switchState(own)} ${switchControls(page, 'dm_auto_send', c.client_id, `DM auto-send of ${c.name}`, own)}</td></tr>`;
      }));
      const accountById = new Map(accounts.map((a) => [a.platform_account_id, a]));
      const canAct = page.can('approve');
      const rows = queue.map((d) => {
        const account = accountById.get(d.platform_account_id);
        const text = dm ? dm.draftText(d) : '';
        // ig.me/m/<username> opens the conversation with that person; without a username, the inbox.
        const thread = d.sender_username ? `https://ig.me/m/${encodeURIComponent(d.sender_username)}` : 'https://www.instagram.com/direct/inbox/';
        return html`<article class="dm dm-${d.tier}" data-trace="${d.trace_id}" aria-labelledby="dm-${d.trace_id}">
<h3 id="dm-${d.trace_id}">${TIER_LABEL[d.tier] ?? d.tier} · ${account ? accountLabel(account) : d.platform_account_id} · <span class="muted small">${time(d.decided_at)}</span></h3>
<p class="small">Language ${d.language} · intent ${d.intent} · panel ${d.panel_decision}${d.reason_codes.length ? html` · reasons ${d.reason_codes.join(', ')}` : ''} · template <code>${d.template_id}</code> · <a href="${thread}" rel="noopener noreferrer" target="_blank">open IG thread</a> · bundle <code>${d.bundle_ref}</code></p>
${d.review_state === 'triage_only' ? html`<p class="muted">Rollout phase "triage only": no draft is offered.</p>` : canAct
          ? page.form(`${BASE}/dm/${encodeURIComponent(d.trace_id)}/approve`, html`<label for="text-${d.trace_id}">Reply (edit before approving)</label>
<textarea id="text-${d.trace_id}" name="text" rows="3" maxlength="1000">${text}</textarea>
<button type="submit">Approve and send</button>`, { className: 'dm-approve' })
          : html`<blockquote>${text}</blockquote>`}
${canAct ? page.form(`${BASE}/dm/${encodeURIComponent(d.trace_id)}/reject`, html`<button type="submit" class="secondary">Reject</button>`, { className: 'inline' }) : ''}
</article>`;
      });
      const perIntent = new Map<string, { n: number; edited: number; distance: number }>();
      for (const d of done) {
        const s = perIntent.get(d.intent) ?? { n: 0, edited: 0, distance: 0 };
        s.n += 1;
        s.edited += (d.edit_distance ?? 0) > 0 ? 1 : 0;
        s.distance += d.edit_distance ?? 0;
        perIntent.set(d.intent, s);
      }
      const body = html`
<p>Drafted replies to Instagram DMs wait here for a reviewer: escalations first (<em>urgent</em>, then <em>needs a person</em>), then drafts. Nothing is sent until a reviewer approves; an approved reply goes out as a <code>dm_send</code> action through the kernel, keyed on the message it answers, so it is never sent twice.</p>
<section aria-labelledby="dm-queue">
<h2 id="dm-queue">Queue (${queue.length})</h2>
${queue.length === 0 ? html`<p class="muted">Nothing is waiting: every DM has been answered, rejected or is still being triaged.</p>` : rows}
</section>
<section aria-labelledby="dm-auto">
<h2 id="dm-auto">Auto-send</h2>
<p class="small">Low-risk drafts go out without a reviewer only in the <code>auto_send</code> phase, for the intents a client enabled, once people approved enough of them unedited. Its own kill switch holds it; reviewers' approvals still go out.${principal.client_id === null ? html` Every client: ${switchState(everyClient)} ${switchControls(page, 'dm_auto_send', '*', 'DM auto-send of every client', everyClient)}` : ''}</p>
<table aria-labelledby="dm-auto">
<thead><tr><th scope="col">Client</th><th scope="col">Rollout phase</th><th scope="col">Auto-sent intents</th><th scope="col">Auto-send switch</th></tr></thead>
<tbody>${autoRows}</tbody>
</table>
</section>
<section aria-labelledby="dm-compare">
<h2 id="dm-compare">Drafted vs sent, per intent</h2>
${perIntent.size === 0 ? html`<p class="muted">No reply approved yet.</p>` : html`<table aria-labelledby="dm-compare">
<thead><tr><th scope="col">Intent</th><th scope="col">Approved</th><th scope="col">Edited by the reviewer</th><th scope="col">Mean edit distance (characters)</th></tr></thead>
<tbody>${[...perIntent.entries()].sort().map(([intent, s]) => html`<tr><td>${intent}</td><td>${s.n}</td><td>${s.edited}</td><td>${(s.distance / s.n).toFixed(1)}</td></tr>`)}</tbody>
</table>`}
</section>`;
      send(res, layout({ title: 'DM queue', nav: 'dm', page, body }));
    } catch (error) {
      next(error);
    }
  };
}

const reviewError = (error: unknown) => (error instanceof DmReviewError ? new ApiError(error.status, error.status === 404 ? 'not_found' : error.status === 409 ? 'conflict' : 'invalid_request', error.message) : error);

/** POST /console/dm/:trace_id/approve (approve): the text as edited, sent through the kernel. */
export function dmApprovePost(deps: ConsoleDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'approve');
      const decision = await visibleDecision(deps, page.principal.client_id, String(req.params.trace_id));
      const text = field(req.body, 'text', 1000);
      await dmOf(deps).approve(decision.trace_id, page.principal.name, text ? { text } : {});
      redirectWith(res, `${BASE}/dm`, 'dm_approved');
    } catch (error) {
      next(reviewError(error));
    }
  };
}

/** POST /console/dm/:trace_id/reject (approve): nothing will be sent. */
export function dmRejectPost(deps: ConsoleDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      demand(page.principal, 'approve');
      const decision = await visibleDecision(deps, page.principal.client_id, String(req.params.trace_id));
      await dmOf(deps).reject(decision.trace_id, page.principal.name);
      redirectWith(res, `${BASE}/dm`, 'dm_rejected');
    } catch (error) {
      next(reviewError(error));
    }
  };
}
