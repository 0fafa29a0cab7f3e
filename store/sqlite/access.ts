import { ApiToken, ConsoleSession } from '../records.js';
import type { ApiTokenRepository, ConsoleSessionRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Db } from './database.js';

export function createApiTokenRepository(db: Db): ApiTokenRepository {
  const insert = db.prepare(`INSERT INTO api_tokens (token_id, token_hash, name, role, client_id, created_by, created_at, last_used_at, revoked_at)
    VALUES (@token_id, @token_hash, @name, @role, @client_id, @created_by, @created_at, @last_used_at, @revoked_at)`);
  const byHash = db.prepare<[string], ApiToken>('SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL');
  const byId = db.prepare<[string], ApiToken>('SELECT * FROM api_tokens WHERE token_id = ?');
  const list = db.prepare<[], ApiToken>('SELECT * FROM api_tokens ORDER BY created_at, token_id');
  const revoke = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL');
  const dropSessions = db.prepare('DELETE FROM console_sessions WHERE token_id = ?');
  const touch = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE token_id = ?');
  const revokeAll = db.transaction((tokenId: string, at: string) => {
    const changed = revoke.run(at, tokenId).changes > 0;
    dropSessions.run(tokenId);
    return changed;
  });
  return {
    async create(token) {
      const row = parseRecord(ApiToken, 'ApiToken', token);
      insert.run(row);
      return row;
    },
    async findByHash(tokenHash) {
      return byHash.get(tokenHash) ?? null;
    },
    async get(tokenId) {
      return byId.get(tokenId) ?? null;
    },
    async list() {
      return list.all();
    },
    async revoke(tokenId, at) {
      return revokeAll(tokenId, at.toISOString());
    },
    async touch(tokenId, at) {
      touch.run(at.toISOString(), tokenId);
    },
  };
}

export function createConsoleSessionRepository(db: Db): ConsoleSessionRepository {
  const insert = db.prepare('INSERT INTO console_sessions (session_hash, token_id, created_at, expires_at) VALUES (@session_hash, @token_id, @created_at, @expires_at)');
  const get = db.prepare<[string, string], ConsoleSession>(`SELECT s.* FROM console_sessions s JOIN api_tokens t ON t.token_id = s.token_id
    WHERE s.session_hash = ? AND s.expires_at > ? AND t.revoked_at IS NULL`);
  const remove = db.prepare('DELETE FROM console_sessions WHERE session_hash = ?');
  const expired = db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?');
  return {
    async create(session) {
      const row = parseRecord(ConsoleSession, 'ConsoleSession', session);
      // Expired sessions are swept at each login: the table holds live ones only.
      expired.run(row.created_at);
      insert.run(row);
      return row;
    },
    async get(sessionHash, now) {
      return get.get(sessionHash, now.toISOString()) ?? null;
    },
    async remove(sessionHash) {
      remove.run(sessionHash);
    },
  };
}
