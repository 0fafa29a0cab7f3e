import type { RequestHandler } from 'express';
import type { Action, AuditRecord } from '../../store/index.js';
import { visibleOr404, visibleAccounts, visibleClients } from '../auth/index.js';
import { decodeCursor, encodeCursor, RowCursor } from '../http/index.js';
import { actionWhat } from './actions.js';
import { html, time, type Html } from './html.js';
import { API, BASE, layout, pageOf, queryParam, send, type ConsoleDeps } from './page.js';
import { accountLabel } from './tenancy.js';
import { TRACE_VIEWER_PATH } from './trace-viewer.js';

const PER_PAGE = 50;
/** Audit events one episode page shows at most (an episode is a handful of actions). */
const MAX_EVENTS = 1000;
const SHA = /\/([0-9a-f]{64})\.([a-z0-9.]+)$/;

/** The tenant-checked proof route for a proof-store ref (never a path from the request). */
export function proofUrl(sha256: string): string {
  return `${API}/proofs/${sha256}`;
}

/** The episode's trace as a same-origin URL: what the trace viewer's `trace=` parameter takes. */
export function traceUrl(episodeId: string): string {
  return `${API}/episodes/${encodeURIComponent(episodeId)}/trace`;
}

/** The served trace viewer, opened on the episode's trace. */
export function traceViewerUrl(episodeId: string): string {
  return `${TRACE_VIEWER_PATH}/index.html?${new URLSearchParams({ trace: traceUrl(episodeId) })}`;
}

interface Shot {
  sha256: string;
  /** The thumbnail stored beside it, when there is one. */
  thumb: string | null;
  record: AuditRecord;
}

/** The step screenshots in audit order (each full image with the thumbnail stored after it). */
export function screenshotsOf(records: AuditRecord[]): Shot[] {
  const shots: Shot[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const ref of record.event.proof.screenshots) {
      const m = SHA.exec(ref);
      if (!m) continue;
      const [, sha, ext] = m;
      if (ext === 'thumb.webp') {
        const last = shots[shots.length - 1];
        if (last && last.record === record && last.thumb === null) last.thumb = sha!;
        continue;
      }
      if (seen.has(sha!)) continue;
      seen.add(sha!);
      shots.push({ sha256: sha!, thumb: null, record });
    }
  }
  return shots;
}

function verification(level: number | undefined): string {
  switch (level) {
    case 3: return '3 — durable (platform state, permalink, engagement surface)';
    case 2: return '2 — confirmed (the platform shows it)';
    case 1: return '1 — attempted (attempt proof only)';
    case 0: return '0 — queued (no proof yet)';
    default: return 'not verified yet';
  }
}

/** The identity check of an action as its audit trail recorded it (spec 000 §4). */
function identityOf(records: AuditRecord[]): Html {
  const checked = records.filter((r) => r.event.identity_fingerprint_ok !== null);
  const last = checked[checked.length - 1];
  if (!last) return html`<span class="muted">not checked (yet)</span>`;
  const e = last.event;
  return e.identity_fingerprint_ok
    ? html`<span class="badge ok">passed</span> <span class="small">${e.reason ?? ''}</span>`
    : html`<span class="badge danger">failed</span> <span class="small">${e.reason ?? ''}</span>`;
}

function actionSummary(action: Action, records: AuditRecord[]): Html {
  const mine = records.filter((r) => r.event.action_id === action.action_id);
  const r = action.result;
  return html`<section class="card" aria-labelledby="a-${action.action_id}">
<h3 id="a-${action.action_id}">${action.action_type} <span class="muted small">(${action.lane})</span></h3>
<dl class="facts">
<dt>State</dt><dd><span class="badge">${action.state}</span>${r.error_code ? html` <span class="small">${r.error_code}</span>` : ''}</dd>
<dt>What</dt><dd>${actionWhat(action)}</dd>
<dt>Verification level</dt><dd>${verification(r.verification_level)}</dd>
<dt>Identity</dt><dd>${identityOf(mine)}</dd>
<dt>Due</dt><dd>${action.due_at ? time(action.due_at) : 'as soon as possible'}</dd>
${r.permalink ? html`<dt>Permalink</dt><dd><code>${r.permalink}</code></dd>` : ''}
${r.platform_object_id ? html`<dt>Platform object</dt><dd><code>${r.platform_object_id}</code></dd>` : ''}
<dt>Author</dt><dd>${action.created_by}</dd>
<dt>Action id</dt><dd><code>${action.action_id}</code></dd>
</dl>
</section>`;
}

/** GET /console/episodes/:id: actions, verification, identity, step screenshots, trace, audit trail. */
export function episodePage(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const id = String(req.params.episode_id);
      const episode = visibleOr404(page.principal, await store.episodes.get(id), 'episode', id);
      const [actions, records, account] = await Promise.all([
        store.actions.list({ episode_id: episode.episode_id, limit: 200 }),
        store.audit.page({ episode_id: episode.episode_id, limit: MAX_EVENTS, order: 'asc' }),
        store.accounts.get(episode.platform_account_id),
      ]);
      const shots = screenshotsOf(records);
      const hasTrace = records.some((r) => r.event.proof.artifact_refs.some((ref) => ref.endsWith('.zip')));
      const body = html`
<p>${account ? accountLabel(account) : episode.platform_account_id} · ${episode.kind} · started ${time(episode.created_at)} · <code>${episode.episode_id}</code></p>
<p class="buttons">${hasTrace
        ? html`<a class="button" href="${traceViewerUrl(episode.episode_id)}">Open trace</a> <a href="${traceUrl(episode.episode_id)}" download>Download the trace (zip)</a>`
        : html`<span class="muted">No Playwright trace was recorded for this episode (API-lane episodes have none).</span>`}</p>
<h2>Actions</h2>
${actions.length === 0 ? html`<p class="muted">No actions.</p>` : actions.map((a) => actionSummary(a, records))}
<h2>Step screenshots</h2>
${shots.length === 0 ? html`<p class="muted">No screenshots in this episode.</p>` : html`<ol class="shots">${shots.map((s, i) => {
        const e = s.record.event;
        const caption = `Step ${i + 1}: ${e.transition.to}${e.reason ? ` — ${e.reason}` : ''}`;
        return html`<li><figure><a href="${proofUrl(s.sha256)}"><img src="${proofUrl(s.thumb ?? s.sha256)}" alt="${caption}" width="320" loading="lazy"></a>
<figcaption>${caption} <code class="small">${s.sha256.slice(0, 12)}</code></figcaption></figure></li>`;
      })}</ol>`}
<h2>Audit trail</h2>
${records.length === 0 ? html`<p class="muted">No audit events.</p>` : html`<table class="audit">
<thead><tr><th scope="col" class="num">Seq</th><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Transition</th><th scope="col">Reason</th><th scope="col">Result</th><th scope="col" class="num">Proofs</th></tr></thead>
<tbody>${records.map((r) => html`<tr><td class="num">${r.seq}</td><td>${time(r.event.timestamp)}</td><td>${r.event.action_type}</td>
<td>${r.event.transition.from ?? '∅'} → ${r.event.transition.to}</td><td>${r.event.reason ?? ''}</td>
<td>${r.event.result.status}${r.event.result.error_code ? html` <span class="small">${r.event.result.error_code}</span>` : ''}</td>
<td class="num">${r.event.proof.screenshots.length + r.event.proof.artifact_refs.length}</td></tr>`)}</tbody>
</table>
<p class="muted small">Hashes and pointers only: no secrets or message text are ever in the trail. <a href="${API}/audit?${new URLSearchParams({ episode_id: episode.episode_id }).toString()}">As JSON</a></p>`}`;
      send(res, layout({ title: `Episode ${episode.kind}`, nav: 'episodes', page, body }));
    } catch (error) {
      next(error);
    }
  };
}

/** GET /console/episodes: the caller's episodes, newest first, a page at a time. */
export function episodesPage(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const page = pageOf(deps, req, res);
      const { principal } = page;
      const after = decodeCursor(RowCursor, queryParam(req, 'cursor'));
      const [rows, accounts, clients] = await Promise.all([
        store.episodes.list({ ...(principal.client_id !== null ? { client_id: principal.client_id } : {}), order: 'desc', limit: PER_PAGE + 1, ...(after ? { after: { created_at: after.created_at, id: after.id } } : {}) }),
        visibleAccounts(store, principal),
        visibleClients(store, principal),
      ]);
      const shown = rows.slice(0, PER_PAGE);
      const last = shown[shown.length - 1];
      const more = rows.length > PER_PAGE && last ? encodeCursor({ created_at: last.created_at, id: last.episode_id }) : null;
      const accountById = new Map(accounts.map((a) => [a.platform_account_id, a]));
      const clientName = new Map(clients.map((c) => [c.client_id, c.name]));
      const body = shown.length === 0 ? html`<p class="muted">No episodes yet.</p>` : html`<table>
<thead><tr><th scope="col">Started</th><th scope="col">Client</th><th scope="col">Account</th><th scope="col">Kind</th></tr></thead>
<tbody>${shown.map((e) => {
        const a = accountById.get(e.platform_account_id);
        return html`<tr><td><a href="${BASE}/episodes/${encodeURIComponent(e.episode_id)}">${time(e.created_at)}</a></td><td>${clientName.get(e.client_id) ?? e.client_id}</td><td>${a ? accountLabel(a) : e.platform_account_id}</td><td>${e.kind}</td></tr>`;
      })}</tbody>
</table>
<nav aria-label="Episode pages" class="pager">${after ? html`<a href="${BASE}/episodes">Newest</a>` : ''}${more ? html`<a href="${BASE}/episodes?cursor=${more}" rel="next">Older episodes</a>` : ''}</nav>`;
      send(res, layout({ title: 'Episodes', nav: 'episodes', page, body }));
    } catch (error) {
      next(error);
    }
  };
}
