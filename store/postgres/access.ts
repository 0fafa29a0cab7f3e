import { ApiToken, ConsoleSession } from '../records.js';
import type { ApiTokenRepository, ConsoleSessionRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Database } from './database.js';

const TOKEN = 'token_id, token_hash, name, role, client_id, created_by, created_at, last_used_at, revoked_at';

export function createApiTokenRepository(db: Database): ApiTokenRepository {
  return {
    async create(token) {
      const row = parseRecord(ApiToken, 'ApiToken', token);
      await db.run(`INSERT INTO api_tokens (${TOKEN}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [row.token_id, row.token_hash, row.name, row.role, row.client_id, row.created_by, row.created_at, row.last_used_at, row.revoked_at]);
      return row;
    },
    async findByHash(tokenHash) {
      return (await db.row<ApiToken>(`SELECT ${TOKEN} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, [tokenHash])) ?? null;
    },
    async get(tokenId) {
      return (await db.row<ApiToken>(`SELECT ${TOKEN} FROM api_tokens WHERE token_id = $1`, [tokenId])) ?? null;
    },
    async list() {
      return db.rows<ApiToken>(`SELECT ${TOKEN} FROM api_tokens ORDER BY created_at, token_id`);
    },
    async revoke(tokenId, at) {
      return db.tx(async (sql) => {
        const changed = (await sql.run('UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL', [at.toISOString(), tokenId])) > 0;
        await sql.run('DELETE FROM console_sessions WHERE token_id = $1', [tokenId]);
        return changed;
      });
    },
    async touch(tokenId, at) {
      await db.run('UPDATE api_tokens SET last_used_at = $1 WHERE token_id = $2', [at.toISOString(), tokenId]);
    },
  };
}

const SESSION = 'session_hash, token_id, created_at, expires_at';

export function createConsoleSessionRepository(db: Database): ConsoleSessionRepository {
  return {
    async create(session) {
      const row = parseRecord(ConsoleSession, 'ConsoleSession', session);
      // Expired sessions are swept at each login: the table holds live ones only.
      await db.run('DELETE FROM console_sessions WHERE expires_at <= $1', [row.created_at]);
      await db.run(`INSERT INTO console_sessions (${SESSION}) VALUES ($1, $2, $3, $4)`, [row.session_hash, row.token_id, row.created_at, row.expires_at]);
      return row;
    },
    async get(sessionHash, now) {
      return (await db.row<ConsoleSession>(`SELECT s.session_hash, s.token_id, s.created_at, s.expires_at FROM console_sessions s JOIN api_tokens t ON t.token_id = s.token_id
        WHERE s.session_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL`, [sessionHash, now.toISOString()])) ?? null;
    },
    async remove(sessionHash) {
      await db.run('DELETE FROM console_sessions WHERE session_hash = $1', [sessionHash]);
    },
  };
}
