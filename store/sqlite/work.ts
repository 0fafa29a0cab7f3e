import { Episode, Escalation, Owner } from '../records.js';
import type { EpisodeRepository, EscalationRepository, OwnerRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Db } from './database.js';

export function createEpisodeRepository(db: Db): EpisodeRepository {
  const insert = db.prepare('INSERT OR IGNORE INTO episodes (episode_id, client_id, platform_account_id, kind, created_at) VALUES (@episode_id, @client_id, @platform_account_id, @kind, @created_at)');
  const get = db.prepare<[string], Episode>('SELECT * FROM episodes WHERE episode_id = ?');
  return {
    async create(episode) {
      const row = parseRecord(Episode, 'Episode', episode);
      insert.run(row);
      return row;
    },
    async get(episodeId) {
      return get.get(episodeId) ?? null;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 100 };
      const desc = filter.order === 'desc';
      if (filter.client_id) { where.push('client_id = @client'); params.client = filter.client_id; }
      if (filter.platform_account_id) { where.push('platform_account_id = @account'); params.account = filter.platform_account_id; }
      if (filter.after) {
        where.push(`(created_at, episode_id) ${desc ? '<' : '>'} (@after_at, @after_id)`);
        params.after_at = filter.after.created_at;
        params.after_id = filter.after.id;
      }
      const dir = desc ? 'DESC' : 'ASC';
      const sql = `SELECT * FROM episodes ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at ${dir}, episode_id ${dir} LIMIT @limit`;
      return db.prepare<[Record<string, unknown>], Episode>(sql).all(params);
    },
  };
}

export function createEscalationRepository(db: Db): EscalationRepository {
  const insert = db.prepare(`INSERT INTO escalations (escalation_id, action_id, platform_account_id, reason, created_at, resolved_at, resolved_by)
    VALUES (@escalation_id, @action_id, @platform_account_id, @reason, @created_at, @resolved_at, @resolved_by)`);
  const open = db.prepare<[], Escalation>('SELECT * FROM escalations WHERE resolved_at IS NULL ORDER BY created_at');
  const resolve = db.prepare('UPDATE escalations SET resolved_at = ?, resolved_by = ? WHERE escalation_id = ? AND resolved_at IS NULL');
  return {
    async create(escalation) {
      const row = parseRecord(Escalation, 'Escalation', escalation);
      insert.run(row);
      return row;
    },
    async open() {
      return open.all();
    },
    async resolve(escalationId, by) {
      resolve.run(new Date().toISOString(), by, escalationId);
    },
  };
}

export function createOwnerRepository(db: Db): OwnerRepository {
  const upsert = db.prepare(`INSERT INTO owners (owner_id, host, pid, started_at, heartbeat_at) VALUES (@owner_id, @host, @pid, @started_at, @heartbeat_at)
    ON CONFLICT (owner_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`);
  const beat = db.prepare('UPDATE owners SET heartbeat_at = ? WHERE owner_id = ?');
  const get = db.prepare<[string], Owner>('SELECT * FROM owners WHERE owner_id = ?');
  const remove = db.prepare('DELETE FROM owners WHERE owner_id = ?');
  return {
    async register(owner) {
      const row = parseRecord(Owner, 'Owner', owner);
      upsert.run(row);
      return row;
    },
    async heartbeat(ownerId, at) {
      beat.run(at.toISOString(), ownerId);
    },
    async get(ownerId) {
      return get.get(ownerId) ?? null;
    },
    async remove(ownerId) {
      remove.run(ownerId);
    },
  };
}
