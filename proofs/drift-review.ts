import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { recordBaseline, variantOf, type BaselineMeta } from './baselines.js';
import { findDriftRecord, readDriftRecords, type DriftRecord } from './drift-records.js';
import { recordLog } from './record-log.js';
import { createProofStore } from './store.js';

/**
 * A human's decision on a drift record, one file of `drift/decisions.d/` (append-only: a
 * decision is never edited; a record's status is its latest decision).
 */
export const DriftDecision = z.object({
  id: z.string().uuid(),
  record_id: z.string().uuid(),
  at: z.string(),
  decision: z.enum(['promoted', 'rejected']),
  /** Who decided: the CLI's --confirm-by, or the API token's name. */
  by: z.string().min(1),
  /** Why a record was rejected (required then). */
  reason: z.string().min(1).max(1000).optional(),
  /** The baseline a promotion wrote. */
  baseline: z.object({ platform: z.string(), surface: z.string(), layout: z.string(), variant: z.string().optional(), png_sha256: z.string() }).optional(),
});
export type DriftDecision = z.infer<typeof DriftDecision>;

/** `open`: nobody decided yet; else the latest decision. */
export type DriftStatus = 'open' | DriftDecision['decision'];

export type ReviewedDriftRecord = DriftRecord & { status: DriftStatus; decision: DriftDecision | null };

type DriftReviewCode = 'drift_record_not_found' | 'drift_record_mismatch' | 'drift_layout_invalid' | 'drift_confirmation_missing' | 'drift_record_decided' | 'drift_proof_altered';

/** A promotion or rejection refused; `code` says why, `field` names the input at fault. */
export class DriftReviewError extends Error {
  constructor(readonly code: DriftReviewCode, message: string, readonly field?: string) {
    super(message);
    this.name = 'DriftReviewError';
  }
}

const decisions = (dataDir: string) => recordLog(dataDir, 'decisions', DriftDecision);

/** Earlier versions' one-file log (still read; new decisions are files in `drift/decisions.d/`). */
export function driftDecisionsFile(dataDir: string): string {
  return decisions(dataDir).legacyFile;
}

export function driftDecisionsDir(dataDir: string): string {
  return decisions(dataDir).dir;
}

/** Every decision, oldest first, each validated. */
export function readDriftDecisions(dataDir: string): Promise<DriftDecision[]> {
  return decisions(dataDir).read();
}

/** Each record with its status and latest decision, newest record first. */
export async function listDriftRecords(dataDir: string): Promise<ReviewedDriftRecord[]> {
  const [records, decisions] = await Promise.all([readDriftRecords(dataDir), readDriftDecisions(dataDir)]);
  const latest = new Map<string, DriftDecision>();
  for (const d of decisions) latest.set(d.record_id, d);
  return records.reverse().map((r) => {
    const decision = latest.get(r.id) ?? null;
    return { ...r, status: decision?.decision ?? 'open', decision };
  });
}

export interface PromoteDriftInput {
  recordId: string;
  platform: string;
  surface: string;
  /** The layout version the new baseline belongs to. */
  layout: string;
  /** Who checked the new layout; a baseline never changes without a name. */
  confirmedBy: string;
  now?: Date;
}

const LAYOUT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Promotes the current screenshot of a drift record to the confirmed baseline of (platform,
 * layout, surface) — the record's structure becomes a known variant of that layout — and
 * appends the decision. The record itself is never changed.
 */
export async function promoteDriftRecord(dataDir: string, input: PromoteDriftInput): Promise<{ baseline: BaselineMeta; decision: DriftDecision }> {
  return oneAtATime(dataDir, () => promote(dataDir, input));
}

async function promote(dataDir: string, input: PromoteDriftInput): Promise<{ baseline: BaselineMeta; decision: DriftDecision }> {
  const confirmedBy = input.confirmedBy.trim();
  if (!confirmedBy) throw new DriftReviewError('drift_confirmation_missing', 'refusing to change a baseline without the name of who confirmed the new layout', 'confirmedBy');
  // `unknown` is what a drift record says when no confirmed layout matched: never a layout's name.
  if (!LAYOUT.test(input.layout) || input.layout === 'unknown') {
    throw new DriftReviewError('drift_layout_invalid', `invalid layout ${JSON.stringify(input.layout)}: letters, digits, '_', '.', '-', and not "unknown"`, 'layout');
  }
  const record = await findDriftRecord(dataDir, input.recordId);
  if (!record) throw new DriftReviewError('drift_record_not_found', `no drift record ${input.recordId}`, 'recordId');
  if (record.platform !== input.platform || record.surface !== input.surface) {
    throw new DriftReviewError('drift_record_mismatch', `drift record ${record.id} is ${record.platform}/${record.surface}, not ${input.platform}/${input.surface}`,
      record.platform !== input.platform ? 'platform' : 'surface');
  }
  const store = createProofStore(dataDir);
  const verdict = await store.verify(record.screenshots.current);
  if (!verdict.ok) throw new DriftReviewError('drift_proof_altered', `the current screenshot of drift record ${record.id} is missing or altered (${record.screenshots.current.ref})`);
  const png = await sharp(await store.read(record.screenshots.current)).png().toBuffer();
  const baseline = await recordBaseline(dataDir, {
    platform: input.platform, surface: input.surface, layout: input.layout, variant: variantOf(record.structure_seen),
    png, width: record.width, height: record.height, structure: record.structure_seen,
    ...(record.features_seen ? { features: record.features_seen } : {}),
    maskBoxes: record.mask_boxes, confirmedBy, fromRecord: record.id, ...(input.now ? { now: input.now } : {}),
  });
  const decision = await appendDecision(dataDir, {
    record_id: record.id, at: baseline.recorded_at, decision: 'promoted', by: confirmedBy,
    baseline: { platform: baseline.platform, surface: baseline.surface, layout: baseline.layout, png_sha256: baseline.png_sha256, ...(baseline.variant ? { variant: baseline.variant } : {}) },
  });
  return { baseline, decision };
}

export interface RejectDriftInput {
  recordId: string;
  by: string;
  reason: string;
  now?: Date;
}

/**
 * Records that a human looked at a drift record and refused its layout: no baseline changes, so
 * the surface stays blocked while it looks like this. A record already decided is refused (a
 * promoted baseline is undone by promoting another record, not by rejecting this one).
 */
export async function rejectDriftRecord(dataDir: string, input: RejectDriftInput): Promise<DriftDecision> {
  return oneAtATime(dataDir, () => reject(dataDir, input));
}

async function reject(dataDir: string, input: RejectDriftInput): Promise<DriftDecision> {
  const by = input.by.trim();
  const reason = input.reason.trim();
  if (!by) throw new DriftReviewError('drift_confirmation_missing', 'a rejection needs the name of who decided', 'by');
  if (!reason) throw new DriftReviewError('drift_confirmation_missing', 'a rejection needs a reason', 'reason');
  const record = (await listDriftRecords(dataDir)).find((r) => r.id === input.recordId);
  if (!record) throw new DriftReviewError('drift_record_not_found', `no drift record ${input.recordId}`, 'recordId');
  if (record.decision) {
    throw new DriftReviewError('drift_record_decided', `drift record ${record.id} was already ${record.decision.decision} by ${record.decision.by} at ${record.decision.at}`);
  }
  return appendDecision(dataDir, { record_id: record.id, at: (input.now ?? new Date()).toISOString(), decision: 'rejected', by, reason });
}

async function appendDecision(dataDir: string, input: Omit<DriftDecision, 'id'>): Promise<DriftDecision> {
  return decisions(dataDir).append(DriftDecision.parse({ id: randomUUID(), ...input }));
}

const queues = new Map<string, Promise<unknown>>();

/** Decisions of one data dir, one after the other in this process: a check and its append are not split by another decision. */
function oneAtATime<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const key = resolve(dataDir);
  const run = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
