import { CLAIMING_STATES, type LedgerEntry } from '../records.js';
import type { IdempotencyLedger } from '../ports.js';
import { FencedError } from '../errors.js';
import type { Db, GroupWriter } from './database.js';


interface LedgerRow { key: string; payload_hash: string; action_id: string; status: string; result_json: string; created_at: string; updated_at: string }
const toEntry = (r: LedgerRow): LedgerEntry => {
  const { result_json, ...rest } = r;
  return { ...rest, result: JSON.parse(result_json) } as LedgerEntry;
};

export function createLedger(db: Db, writer: GroupWriter): IdempotencyLedger {
  // The claim is this one statement. A fresh key inserts; a key whose effect provably did not
  // happen (`failed`) is taken over when the payload is the same; anything else returns no row.
  const claim = db.prepare<[string, string, string, string, string], LedgerRow>(`
    INSERT INTO idempotency_ledger (key, payload_hash, action_id, status, result_json, created_at, updated_at)
    VALUES (?, ?, ?, 'in_flight', '{}', ?, ?)
    ON CONFLICT (key) DO UPDATE SET action_id = excluded.action_id, status = 'in_flight', result_json = '{}',
      updated_at = excluded.updated_at
      WHERE idempotency_ledger.status = 'failed' AND idempotency_ledger.payload_hash = excluded.payload_hash
    RETURNING *`);
  const get = db.prepare<[string], LedgerRow>('SELECT * FROM idempotency_ledger WHERE key = ?');
  const runOf = db.prepare<[string], { fence: number; state: string }>('SELECT fence, state FROM actions WHERE action_id = ?');
  return {
    async claim(entry) {
      const now = new Date().toISOString();
      // With a fence: checked in the same write (SQLite's one writer), so a takeover is either
      // before it (refused) or after it (the takeover's release frees the key again).
      const won = await writer.write(() => {
        if (entry.fence !== undefined) {
          const run = runOf.get(entry.action_id);
          if (!run || run.fence !== entry.fence || !CLAIMING_STATES.has(run.state)) throw new FencedError(entry.action_id, entry.fence, run?.fence ?? null);
        }
        return claim.get(entry.key, entry.payload_hash, entry.action_id, now, now);
      });
      if (won) return { won: true, entry: toEntry(won) };
      return { won: false, entry: toEntry(get.get(entry.key)!) };
    },
    async get(key) {
      const row = get.get(key);
      return row ? toEntry(row) : null;
    },
  };
}
