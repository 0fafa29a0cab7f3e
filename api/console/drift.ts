import type { RequestHandler } from 'express';
import { DriftReviewError, listDriftRecords, promoteDriftRecord, rejectDriftRecord, type ReviewedDriftRecord } from '../../proofs/index.js';
import { demand, type Principal } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { html, time, type Html } from './html.js';
import { API, BASE, field, layout, pageOf, redirectWith, send, type ConsoleDeps, type Page } from './page.js';

/** Drift concerns the platforms' pages across clients: a client-scoped session sees nothing here. */
function allClients(principal: Principal): void {
  if (principal.client_id !== null) throw new ApiError(404, 'not_found', 'no such page');
}

/** A refused promotion or rejection, as the console says it. */
function fromReview(error: unknown): unknown {
  if (!(error instanceof DriftReviewError)) return error;
  if (error.code === 'drift_record_not_found') return new ApiError(404, 'not_found', error.message);
  if (error.code === 'drift_record_decided' || error.code === 'drift_proof_altered') return new ApiError(409, 'conflict', error.message);
  return new ApiError(400, 'invalid_request', error.message);
}

function decision(r: ReviewedDriftRecord): Html {
  const d = r.decision;
  if (!d) return html`<span class="badge warn">open</span>`;
  return d.decision === 'promoted'
    ? html`<span class="badge ok">promoted</span> <span class="small">as ${d.baseline?.layout ?? '?'} by ${d.by}, ${time(d.at)}</span>`
    : html`<span class="badge">rejected</span> <span class="small">by ${d.by}, ${time(d.at)}: ${d.reason ?? ''}</span>`;
}

function reviewForms(page: Page, r: ReviewedDriftRecord): Html {
  if (r.status !== 'open' || !page.can('drift')) return html``;
  const id = r.id;
  return html`${page.form(`${BASE}/drift/${encodeURIComponent(id)}/promote`, html`<input type="hidden" name="platform" value="${r.platform}"><input type="hidden" name="surface" value="${r.surface}">
<label for="layout-${id}">Layout name</label> <input id="layout-${id}" name="layout" required maxlength="64" placeholder="v2">
<button type="submit">Promote to baseline</button>`, { className: 'inline', label: `Promote ${r.platform} ${r.surface}` })}
${page.form(`${BASE}/drift/${encodeURIComponent(id)}/reject`, html`<label for="reject-${id}">Why reject</label> <input id="reject-${id}" name="reason" required maxlength="1000">
<button type="submit">Reject</button>`, { className: 'inline', label: `Reject ${r.platform} ${r.surface}` })}`;
}

/** GET /console/drift: the drift records with their decisions, promote/reject forms, and the report. */
export function driftPage(deps: ConsoleDeps): RequestHandler {
  const { dataDir } = deps.services.config;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      allClients(page.principal);
      const records = await listDriftRecords(dataDir);
      const open = records.filter((r) => r.status === 'open').length;
      const body = html`
<p>A page that matches no known layout blocks side effects on its surface and lands here. <a href="${API}/drift/report">Open the drift report</a> (baseline, current and diff side by side) before deciding.</p>
<p>${records.length} record${records.length === 1 ? '' : 's'}, ${open} open.</p>
${records.length === 0 ? html`<p class="muted">No drift recorded.</p>` : html`<table class="drift">
<thead><tr><th scope="col">Seen</th><th scope="col">Platform / surface</th><th scope="col">Layout expected → seen</th><th scope="col" class="num">Diff</th><th scope="col">Structure</th><th scope="col">Decision</th>${page.can('drift') ? html`<th scope="col">Review</th>` : ''}</tr></thead>
<tbody>${records.map((r) => html`<tr data-record="${r.id}">
<td>${time(r.at)}</td><td>${r.platform} / ${r.surface}</td><td>${r.layout_expected} → ${r.layout_seen}${r.blocked ? html` <span class="badge danger">blocked</span>` : ''}</td>
<td class="num">${(r.diff_ratio * 100).toFixed(2)} %</td><td>${r.structure_match ? 'same' : 'changed'}</td><td>${decision(r)}</td>
${page.can('drift') ? html`<td class="actions">${reviewForms(page, r)}</td>` : ''}
</tr>`)}</tbody>
</table>`}`;
      send(res, layout({ title: 'Drift', nav: 'drift', page, body }));
    } catch (error) {
      next(error);
    }
  };
}

/** POST /console/drift/:id/promote (drift): the record's screenshot becomes the layout's confirmed baseline. */
export function promotePost(deps: ConsoleDeps): RequestHandler {
  const { dataDir } = deps.services.config;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      allClients(page.principal);
      demand(page.principal, 'drift');
      await promoteDriftRecord(dataDir, {
        recordId: String(req.params.record_id), platform: field(req.body, 'platform', 64), surface: field(req.body, 'surface', 64),
        layout: field(req.body, 'layout', 64), confirmedBy: page.principal.name,
      }).catch((error) => { throw fromReview(error); });
      deps.services.logger.info({ record_id: String(req.params.record_id), by: page.principal.name, via: 'console' }, 'drift record promoted to baseline');
      redirectWith(res, `${BASE}/drift`, 'drift_promoted');
    } catch (error) {
      next(error);
    }
  };
}

/** POST /console/drift/:id/reject (drift): the decision is kept; no baseline changes. */
export function rejectPost(deps: ConsoleDeps): RequestHandler {
  const { dataDir } = deps.services.config;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      allClients(page.principal);
      demand(page.principal, 'drift');
      await rejectDriftRecord(dataDir, { recordId: String(req.params.record_id), by: page.principal.name, reason: field(req.body, 'reason', 1000) })
        .catch((error) => { throw fromReview(error); });
      deps.services.logger.info({ record_id: String(req.params.record_id), by: page.principal.name, via: 'console' }, 'drift record rejected');
      redirectWith(res, `${BASE}/drift`, 'drift_rejected');
    } catch (error) {
      next(error);
    }
  };
}
