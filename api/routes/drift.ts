import { z } from 'zod';
import { DriftReviewError, listDriftRecords, promoteDriftRecord, rejectDriftRecord, renderDriftReport, type DriftDecision, type ReviewedDriftRecord } from '../../proofs/index.js';
import { ApiError } from '../errors.js';
import type { Principal } from '../auth/index.js';
import type { ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

/** The report inlines its images and needs no script: nothing else may load. */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Drift is about the platforms' pages, across clients: only a token for every client sees it. */
export function demandAllClients(principal: Principal): void {
  if (principal.client_id !== null) throw new ApiError(404, 'not_found', 'no such resource');
}

const segment = (what: string) => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, `a ${what} name: letters, digits, '_', '.', '-'`);
const RecordParams = z.object({ record_id: z.string().min(1).max(200) });

const DecisionView = z.object({
  decision: z.enum(['promoted', 'rejected']),
  by: z.string(),
  at: z.string(),
  reason: z.string().optional(),
  layout: z.string().optional().describe('the layout a promotion wrote the baseline of'),
});

/** A drift record as the console lists it: what was seen and what a human decided, no file paths. */
const DriftRecordView = z.object({
  record_id: z.string(),
  at: z.string(),
  platform: z.string(),
  surface: z.string(),
  layout_expected: z.string(),
  layout_seen: z.string().describe('`unknown` when the page matched no confirmed layout'),
  structure_match: z.boolean(),
  diff_ratio: z.number(),
  block_ratio: z.number(),
  blocked: z.boolean().describe('the drift stopped side effects'),
  status: z.enum(['open', 'promoted', 'rejected']),
  decision: DecisionView.nullable(),
  screenshots: z.object({ baseline: z.string().nullable(), current: z.string(), diff: z.string().nullable() }).describe('sha256 of each image in the proof store'),
});

function decisionView(d: DriftDecision): z.infer<typeof DecisionView> {
  return { decision: d.decision, by: d.by, at: d.at, ...(d.reason ? { reason: d.reason } : {}), ...(d.baseline ? { layout: d.baseline.layout } : {}) };
}

function recordView(r: ReviewedDriftRecord): z.infer<typeof DriftRecordView> {
  return {
    record_id: r.id, at: r.at, platform: r.platform, surface: r.surface, layout_expected: r.layout_expected, layout_seen: r.layout_seen,
    structure_match: r.structure_match, diff_ratio: r.diff_ratio, block_ratio: r.block_ratio, blocked: r.blocked,
    status: r.status, decision: r.decision ? decisionView(r.decision) : null,
    screenshots: { baseline: r.screenshots.baseline?.sha256 ?? null, current: r.screenshots.current.sha256, diff: r.screenshots.diff?.sha256 ?? null },
  };
}

/** The refusals of a promotion or rejection, as HTTP. */
function fromReview(error: unknown): unknown {
  if (!(error instanceof DriftReviewError)) return error;
  switch (error.code) {
    case 'drift_record_not_found': return new ApiError(404, 'not_found', error.message);
    case 'drift_record_mismatch':
    case 'drift_layout_invalid':
    case 'drift_confirmation_missing': {
      const field = `body.${error.field ?? 'layout'}`;
      return new ApiError(400, 'invalid_request', `${field}: ${error.message}`, { field });
    }
    case 'drift_record_decided': return new ApiError(409, 'conflict', error.message);
    case 'drift_proof_altered': return new ApiError(409, 'proof_altered', error.message);
  }
}

export function registerDrift(routes: ApiRoutes, { services }: RouteDeps): void {
  const { dataDir } = services.config;

  routes.add({
    method: 'get', path: '/drift/report', tag: 'drift', permission: 'read', produces: 'text/html',
    summary: 'The visual drift report (baseline, current and diff of every drift record) as one HTML page',
    handler: async ({ res, principal }) => {
      demandAllClients(principal);
      const html = await renderDriftReport(dataDir);
      res.set('content-security-policy', REPORT_CSP).set('cache-control', 'no-store').type('html').send(html);
    },
  });

  routes.add({
    method: 'get', path: '/drift/records', tag: 'drift', permission: 'read',
    summary: 'Drift records, newest first, with what the page showed and what a human decided (open, promoted, rejected)',
    query: z.object({ status: z.enum(['open', 'promoted', 'rejected']).optional() }).strict(),
    response: z.object({ items: z.array(DriftRecordView) }),
    handler: async ({ principal, query }) => {
      demandAllClients(principal);
      const records = await listDriftRecords(dataDir);
      return { items: records.filter((r) => !query.status || r.status === query.status).map(recordView) };
    },
  });

  routes.add({
    method: 'post', path: '/drift/records/:record_id/promote', tag: 'drift', permission: 'drift',
    summary: "Promote the record's current screenshot to the confirmed baseline of (platform, layout, surface), as `raize drift-baseline` does; the caller's token name is the confirmer",
    params: RecordParams,
    body: z.object({ platform: segment('platform'), surface: segment('surface'), layout: segment('layout') }).strict(),
    response: z.object({ record: DriftRecordView, baseline: z.object({ platform: z.string(), surface: z.string(), layout: z.string(), variant: z.string().optional(), png_sha256: z.string(), confirmed_by: z.string(), recorded_at: z.string() }) }),
    errors: { 409: 'the current screenshot of the record is missing or altered' },
    handler: async ({ principal, params, body }) => {
      demandAllClients(principal);
      try {
        const { baseline } = await promoteDriftRecord(dataDir, { recordId: params.record_id, ...body, confirmedBy: principal.name });
        const record = (await listDriftRecords(dataDir)).find((r) => r.id === params.record_id)!;
        services.logger.info({ record_id: record.id, platform: baseline.platform, surface: baseline.surface, layout: baseline.layout, by: principal.name }, 'drift record promoted to baseline');
        return {
          record: recordView(record),
          baseline: {
            platform: baseline.platform, surface: baseline.surface, layout: baseline.layout, ...(baseline.variant ? { variant: baseline.variant } : {}),
            png_sha256: baseline.png_sha256, confirmed_by: baseline.confirmed_by, recorded_at: baseline.recorded_at,
          },
        };
      } catch (error) {
        throw fromReview(error);
      }
    },
  });

  routes.add({
    method: 'post', path: '/drift/records/:record_id/reject', tag: 'drift', permission: 'drift',
    summary: 'Reject the layout a drift record shows: the decision is appended (who, when, why), no baseline changes and the surface stays blocked',
    params: RecordParams,
    body: z.object({ reason: z.string().trim().min(1, 'a reason is required').max(1000) }).strict(),
    response: z.object({ record: DriftRecordView }),
    errors: { 409: 'the record was already promoted or rejected' },
    handler: async ({ principal, params, body }) => {
      demandAllClients(principal);
      try {
        await rejectDriftRecord(dataDir, { recordId: params.record_id, by: principal.name, reason: body.reason });
      } catch (error) {
        throw fromReview(error);
      }
      const record = (await listDriftRecords(dataDir)).find((r) => r.id === params.record_id)!;
      services.logger.info({ record_id: record.id, by: principal.name }, 'drift record rejected');
      return { record: recordView(record) };
    },
  });
}
