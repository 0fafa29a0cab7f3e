import { z } from 'zod';
import type { Rng } from './rng.js';

/** Webhook chaos: events delivered late, out of order and in other batches than emitted. */
export const webhookFaultsSchema = z
  .object({
    /** Each emitted event waits baseMs + [0, jitterMs] (seeded per event) before it is due. */
    delay: z.object({ baseMs: z.number().int().min(0).max(600_000), jitterMs: z.number().int().min(0).max(600_000).default(0) }).strict().optional(),
    /** Once an event is due, wait this long and send everything due by then together. */
    batch_window_ms: z.number().int().min(0).max(60_000).default(0),
    /** A POST carries 1..batch_max events (seeded size per POST); same-account entries are merged. */
    batch_max: z.number().int().min(1).max(100).default(1),
    /** Shuffle (seeded) the events of each flush before they are split into POSTs. */
    reorder: z.boolean().default(false),
    /** Seed of the delays, shuffles and batch sizes; default derived from the sandbox seed. */
    seed: z.number().int().optional(),
  })
  .strict();
export type WebhookFaults = z.output<typeof webhookFaultsSchema>;
export type WebhookFaultsInput = z.input<typeof webhookFaultsSchema>;

export const WEBHOOK_FAULTS_OFF: WebhookFaults = { batch_window_ms: 0, batch_max: 1, reorder: false };

export const webhookFaultsOn = (f: WebhookFaults): boolean =>
  Boolean((f.delay && (f.delay.baseMs > 0 || f.delay.jitterMs > 0)) || f.batch_window_ms > 0 || f.batch_max > 1 || f.reorder);

export function shuffle<T>(items: T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Splits items into consecutive chunks of seeded sizes in [1, max]. */
export function chunk<T>(items: T[], max: number, rng: Rng): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const size = 1 + Math.floor(rng() * max);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

interface Entry {
  id: string;
  time: number;
  messaging?: unknown[];
  changes?: unknown[];
}

/**
 * One Meta body for several emitted bodies: entries of the same account and field kind
 * (messaging or changes) are merged into one entry, in the given order, as Meta batches them.
 */
export function mergeBodies(bodies: { object: string; entry: Entry[] }[]): { object: string; entry: Entry[] } {
  const entry: Entry[] = [];
  for (const body of bodies) {
    for (const e of body.entry) {
      const field = e.messaging ? 'messaging' : 'changes';
      const into = entry.find((x) => x.id === e.id && Boolean(x[field]));
      if (into) {
        into[field]!.push(...(e[field] ?? []));
        into.time = Math.max(into.time, e.time);
      } else {
        entry.push({ ...e, [field]: [...(e[field] ?? [])] });
      }
    }
  }
  return { object: bodies[0]?.object ?? 'instagram', entry };
}
