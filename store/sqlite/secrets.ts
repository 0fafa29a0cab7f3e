import { SealedSecret } from '../records.js';
import type { SecretRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Db } from './database.js';

interface SecretRow {
  platform_account_id: string; kind: string; key_id: string; nonce: string; ciphertext: string;
  expires_at: string | null; scopes_json: string; updated_at: string;
}

const toSecret = ({ scopes_json, ...r }: SecretRow): SealedSecret => parseRecord(SealedSecret, 'SealedSecret', { ...r, scopes: JSON.parse(scopes_json) });

export function createSecretRepository(db: Db): SecretRepository {
  const upsert = db.prepare(`INSERT INTO account_secrets (platform_account_id, kind, key_id, nonce, ciphertext, expires_at, scopes_json, updated_at)
    VALUES (@platform_account_id, @kind, @key_id, @nonce, @ciphertext, @expires_at, @scopes_json, @updated_at)
    ON CONFLICT (platform_account_id, kind) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
    ciphertext = excluded.ciphertext, expires_at = excluded.expires_at, scopes_json = excluded.scopes_json, updated_at = excluded.updated_at`);
  const get = db.prepare<[string, string], SecretRow>('SELECT * FROM account_secrets WHERE platform_account_id = ? AND kind = ?');
  const list = db.prepare<[], SecretRow>('SELECT * FROM account_secrets ORDER BY platform_account_id, kind');
  const remove = db.prepare('DELETE FROM account_secrets WHERE platform_account_id = ? AND kind = ?');
  return {
    async put(secret) {
      const row = parseRecord(SealedSecret, 'SealedSecret', secret);
      upsert.run({ ...row, scopes_json: JSON.stringify(row.scopes) });
      return row;
    },
    async get(accountId, kind) {
      const row = get.get(accountId, kind);
      return row ? toSecret(row) : null;
    },
    async list() {
      return list.all().map(toSecret);
    },
    async remove(accountId, kind) {
      return remove.run(accountId, kind).changes > 0;
    },
  };
}
