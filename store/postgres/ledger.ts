import type { LedgerEntry } from '../records.js';
import type { IdempotencyLedger } from '../ports.js';
import type { Database } from './database.js';

const ENTRY = 'key, payload_hash, action_id, status, result, created_at, updated_at';

export function createLedger(db: Database): IdempotencyLedger {
  return {
    async claim(entry) {
      // The claim is this one statement. A fresh key inserts; a key whose effect provably did not
      // happen (`failed`) is taken over when the payload is the same; anything else returns no
      // row. A claim racing another's uncommitted insert of the key waits for it, then decides.
      const now = new Date().toISOString();
      const won = await db.row<LedgerEntry>(`INSERT INTO idempotency_ledger (${ENTRY}) VALUES ($1, $2, $3, 'in_flight', '{}', $4, $4)
        ON CONFLICT (key) DO UPDATE SET action_id = excluded.action_id, status = 'in_flight', result = '{}', updated_at = excluded.updated_at
          WHERE idempotency_ledger.status = 'failed' AND idempotency_ledger.payload_hash = excluded.payload_hash
        RETURNING ${ENTRY}`, [entry.key, entry.payload_hash, entry.action_id, now]);
      if (won) return { won: true, entry: won };
      return { won: false, entry: (await db.row<LedgerEntry>(`SELECT ${ENTRY} FROM idempotency_ledger WHERE key = $1`, [entry.key]))! };
    },
    async get(key) {
      return (await db.row<LedgerEntry>(`SELECT ${ENTRY} FROM idempotency_ledger WHERE key = $1`, [key])) ?? null;
    },
  };
}
