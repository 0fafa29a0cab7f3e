import { SealedSecret } from '../records.js';
import type { SecretRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Database } from './database.js';

const SECRET = 'platform_account_id, kind, key_id, nonce, ciphertext, expires_at, scopes, updated_at';
const toSecret = (row: unknown): SealedSecret => parseRecord(SealedSecret, 'SealedSecret', row);

export function createSecretRepository(db: Database): SecretRepository {
  return {
    async put(secret) {
      const row = parseRecord(SealedSecret, 'SealedSecret', secret);
      await db.run(`INSERT INTO account_secrets (${SECRET}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (platform_account_id, kind) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
        ciphertext = excluded.ciphertext, expires_at = excluded.expires_at, scopes = excluded.scopes, updated_at = excluded.updated_at`,
      [row.platform_account_id, row.kind, row.key_id, row.nonce, row.ciphertext, row.expires_at, JSON.stringify(row.scopes), row.updated_at]);
      return row;
    },
    async get(accountId, kind) {
      const row = await db.row(`SELECT ${SECRET} FROM account_secrets WHERE platform_account_id = $1 AND kind = $2`, [accountId, kind]);
      return row ? toSecret(row) : null;
    },
    async list() {
      return (await db.rows(`SELECT ${SECRET} FROM account_secrets ORDER BY platform_account_id, kind`)).map(toSecret);
    },
    async remove(accountId, kind) {
      return (await db.run('DELETE FROM account_secrets WHERE platform_account_id = $1 AND kind = $2', [accountId, kind])) > 0;
    },
  };
}
