import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Box } from './baselines.js';
import { recordLog } from './record-log.js';

export { DriftRecordError } from './drift-errors.js';
export { readJsonLines } from './record-log.js';

const Sha = z.string().regex(/^[0-9a-f]{64}$/);
const StoredRef = z.object({ kind: z.enum(['screenshot', 'dom', 'trace', 'artifact', 'request']), ref: z.string().startsWith('proofs/'), sha256: Sha });

/** One visual-drift observation of a surface against its baseline. */
export const DriftRecord = z.object({
  id: z.string().uuid(),
  at: z.string(),
  platform: z.string(),
  surface: z.string(),
  /** The layout version the flow expected (its annex). */
  layout_expected: z.string(),
  /** The confirmed layout whose structure fingerprint the page matched; `unknown` when none. */
  layout_seen: z.string(),
  diff_ratio: z.number().min(0).max(1),
  structure_match: z.boolean(),
  structure_expected: Sha,
  structure_seen: Sha,
  /** The page's churn-proof structure features: a human who promotes the record makes them a known variant. */
  features_seen: z.array(z.string()).optional(),
  /** The diff ratio above which side effects are blocked. */
  block_ratio: z.number(),
  blocked: z.boolean(),
  mask_boxes: z.array(Box).default([]),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** `baseline` and `diff` are absent when the surface had no baseline to compare with yet. */
  screenshots: z.object({ baseline: StoredRef.optional(), current: StoredRef, diff: StoredRef.optional() }),
});
export type DriftRecord = z.infer<typeof DriftRecord>;
export type NewDriftRecord = Omit<DriftRecord, 'id' | 'at'> & { id?: string; at?: string };

const records = (dataDir: string) => recordLog(dataDir, 'records', DriftRecord);

/** Earlier versions' one-file log of drift records (still read; new records are files in `drift/records.d/`). */
export function driftRecordsFile(dataDir: string): string {
  return records(dataDir).legacyFile;
}

/** Where new drift records go: one file each (see RecordLog). */
export function driftRecordsDir(dataDir: string): string {
  return records(dataDir).dir;
}

export async function appendDriftRecord(dataDir: string, input: NewDriftRecord): Promise<DriftRecord> {
  return records(dataDir).append(DriftRecord.parse({ ...input, id: input.id ?? randomUUID(), at: input.at ?? new Date().toISOString() }));
}

/** Every record, oldest first, each validated. */
export function readDriftRecords(dataDir: string): Promise<DriftRecord[]> {
  return records(dataDir).read();
}

export async function findDriftRecord(dataDir: string, id: string): Promise<DriftRecord | undefined> {
  return (await readDriftRecords(dataDir)).find((r) => r.id === id);
}
