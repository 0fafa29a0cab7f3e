import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonLines } from './drift-records.js';
import { appendPrivateLine } from './files.js';

/** An element as a page showed it (flows/element.ts `ElementSignals`); names and texts the annex did not record are hashes. */
const Signals = z.object({ role: z.string(), name: z.string(), testid: z.string().nullable(), text: z.string(), landmark: z.string() });

/**
 * One navigation or typing step that found its element by the element's recorded fingerprint
 * because the annex's selector found nothing (flows/heal.ts): the episode went on, and the
 * annex is due an update. Commit clicks never heal, so no record is ever a click.
 */
export const HealRecord = z.object({
  id: z.string().uuid(),
  at: z.string(),
  platform: z.string(),
  /** The annex layout version the page was recognised as. */
  layout: z.string(),
  surface: z.string().optional(),
  action_id: z.string(),
  episode_id: z.string(),
  /** `surface.key` as in the annex. */
  element: z.string(),
  /** The annex's selector that found nothing. */
  selector: z.string(),
  matched: z.array(z.enum(['testid', 'name', 'place'])).min(1),
  seen: Signals,
  /** The element's path from the document on that page. */
  path: z.string(),
});
export type HealRecord = z.infer<typeof HealRecord>;
export type NewHealRecord = Omit<HealRecord, 'id' | 'at'>;

export function healRecordsFile(dataDir: string): string {
  return join(dataDir, 'drift', 'healed.jsonl');
}

export async function appendHealRecord(dataDir: string, input: NewHealRecord): Promise<HealRecord> {
  const record = HealRecord.parse({ ...input, id: randomUUID(), at: new Date().toISOString() });
  await appendPrivateLine(healRecordsFile(dataDir), JSON.stringify(record));
  return record;
}

/** Every record, oldest first, each validated (a bad line names the file and line). */
export function readHealRecords(dataDir: string): Promise<HealRecord[]> {
  return readJsonLines(healRecordsFile(dataDir), 'drift/healed.jsonl', HealRecord);
}
