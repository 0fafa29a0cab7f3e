import { CLAIMING_STATES, type LedgerEntry } from '../records.js';
import type { IdempotencyLedger } from '../ports.js';
import { FencedError } from '../errors.js';
import type { Database } from './database.js';


const ENTRY = 'key, payload_hash, action_id, status, result, created_at, updated_at';

export function createLedger(db: Database): IdempotencyLedger {
  return {
    async claim(entry) {
      // The claim is this one statement. A fresh key inserts; a key whose effect provably did not
      // happen (`failed`) is taken over when the payload is the same; anything else returns no
      // row. A claim racing another's uncommitted insert of the key waits for it, then decides.
      // With a fence, the action's row is share-locked in the same statement: a takeover's
      // update (raising the fence) either committed first and the claim sees it, or waits.
      const now = new Date().toISOString();
      const fenced = entry.fence !== undefined;
      const won = await db.row<LedgerEntry>(`INSERT INTO idempotency_ledger (${ENTRY}) SELECT $1::text, $2::text, $3::text, 'in_flight'::text, '{}'::jsonb, $4::timestamptz, $4::timestamptz
        ${fenced ? `WHERE EXISTS (SELECT 1 FROM actions WHERE action_id = $3 AND fence = $5::bigint AND state = ANY($6::text[]) FOR SHARE)` : ''}
        ON CONFLICT (key) DO UPDATE SET action_id = excluded.action_id, status = 'in_flight', result = '{}', updated_at = excluded.updated_at
          WHERE idempotency_ledger.status = 'failed' AND idempotency_ledger.payload_hash = excluded.payload_hash
        RETURNING ${ENTRY}`, [entry.key, entry.payload_hash, entry.action_id, now, ...(fenced ? [entry.fence, [...CLAIMING_STATES]] : [])]);
      if (won) return { won: true, entry: won };
      if (fenced) {
        const action = await db.row<{ fence: number; state: string }>('SELECT fence, state FROM actions WHERE action_id = $1', [entry.action_id]);
        if (!action || action.fence !== entry.fence || !CLAIMING_STATES.has(action.state)) throw new FencedError(entry.action_id, entry.fence!, action?.fence ?? null);
      }
      return { won: false, entry: (await db.row<LedgerEntry>(`SELECT ${ENTRY} FROM idempotency_ledger WHERE key = $1`, [entry.key]))! };
    },
    async get(key) {
      return (await db.row<LedgerEntry>(`SELECT ${ENTRY} FROM idempotency_ledger WHERE key = $1`, [key])) ?? null;
    },
  };
}
