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

export function driftRecordsFile(dataDir: string): string {
  return join(dataDir, 'drift', 'records.jsonl');
}

export async function appendDriftRecord(dataDir: string, input: NewDriftRecord): Promise<DriftRecord> {
  const record = DriftRecord.parse({ ...input, id: input.id ?? randomUUID(), at: input.at ?? new Date().toISOString() });
  await appendPrivateLine(driftRecordsFile(dataDir), JSON.stringify(record));
  return record;
}

/** Every record, oldest first, each validated. */
export async function readDriftRecords(dataDir: string): Promise<DriftRecord[]> {
  let text: string;
  try {
    text = await readFile(driftRecordsFile(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: DriftRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new DriftRecordError(i + 1, 'not JSON');
    }
    const parsed = DriftRecord.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DriftRecordError(i + 1, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    out.push(parsed.data);
  }
  return out;
}

export async function findDriftRecord(dataDir: string, id: string): Promise<DriftRecord | undefined> {
  return (await readDriftRecords(dataDir)).find((r) => r.id === id);
}
