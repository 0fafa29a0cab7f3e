import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordLog } from './record-log.js';

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

const healed = (dataDir: string) => recordLog(dataDir, 'healed', HealRecord);

/** Earlier versions' one-file log (still read; new records are files in `drift/healed.d/`). */
export function healRecordsFile(dataDir: string): string {
  return healed(dataDir).legacyFile;
}

export function healRecordsDir(dataDir: string): string {
  return healed(dataDir).dir;
}

export async function appendHealRecord(dataDir: string, input: NewHealRecord): Promise<HealRecord> {
  return healed(dataDir).append(HealRecord.parse({ ...input, id: randomUUID(), at: new Date().toISOString() }));
}

/** Every record, oldest first, each validated (a bad one names its file, and its line in the legacy file). */
export function readHealRecords(dataDir: string): Promise<HealRecord[]> {
  return healed(dataDir).read();
}
