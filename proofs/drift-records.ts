import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Box } from './baselines.js';
import { appendPrivateLine } from './files.js';

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

/** A line of records.jsonl (or decisions.jsonl) that is not valid; names the file and line. */
export class DriftRecordError extends Error {
  readonly code = 'drift_record_invalid';
  constructor(readonly line: number, detail: string, file = 'drift/records.jsonl') {
    super(`${file} line ${line}: ${detail}`);
    this.name = 'DriftRecordError';
  }
}

/**
 * The lines of a drift JSONL file (`drift/<name>`), oldest first, each parsed by `schema`; a
 * missing file is empty, a bad line throws naming the file and the line.
 */
export async function readJsonLines<T>(file: string, label: string, schema: z.ZodType<T>): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.trim();
    if (!line) return [];
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new DriftRecordError(i + 1, 'not JSON', label);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DriftRecordError(i + 1, `${issue.path.join('.') || '(root)'}: ${issue.message}`, label);
    }
    return [parsed.data];
  });
}

export function driftRecordsFile(dataDir: string): string {
  return join(dataDir, 'drift', 'records.jsonl');
}

export async function appendDriftRecord(dataDir: string, input: NewDriftRecord): Promise<DriftRecord> {
  const record = DriftRecord.parse({ ...input, id: input.id ?? randomUUID(), at: input.at ?? new Date().toISOString() });
  await appendPrivateLine(driftRecordsFile(dataDir), JSON.stringify(record));
  return record;
}

/** Every record, oldest first, each validated. */
export function readDriftRecords(dataDir: string): Promise<DriftRecord[]> {
  return readJsonLines(driftRecordsFile(dataDir), 'drift/records.jsonl', DriftRecord);
}

export async function findDriftRecord(dataDir: string, id: string): Promise<DriftRecord | undefined> {
  return (await readDriftRecords(dataDir)).find((r) => r.id === id);
}
