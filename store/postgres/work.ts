import { Episode, Escalation, Owner } from '../records.js';
import type { EpisodeRepository, EscalationRepository, OwnerRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Database, Sql } from './database.js';
import { Params } from './params.js';

const EPISODE = 'episode_id, client_id, platform_account_id, kind, created_at';

/** Inserts the episode unless it exists (an action's episode may be created by its first action). */
export async function insertEpisode(sql: Sql, e: Episode): Promise<void> {
  await sql.run(`INSERT INTO episodes (${EPISODE}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [e.episode_id, e.client_id, e.platform_account_id, e.kind, e.created_at]);
}

export function createEpisodeRepository(db: Database): EpisodeRepository {
  return {
    async create(episode) {
      const row = parseRecord(Episode, 'Episode', episode);
      await insertEpisode(db, row);
      return row;
    },
    async get(episodeId) {
      return (await db.row<Episode>(`SELECT ${EPISODE} FROM episodes WHERE episode_id = $1`, [episodeId])) ?? null;
    },
    async list(filter = {}) {
      const p = new Params();
      const where: string[] = [];
      const desc = filter.order === 'desc';
      if (filter.client_id) where.push(`client_id = ${p.add(filter.client_id)}`);
      if (filter.platform_account_id) where.push(`platform_account_id = ${p.add(filter.platform_account_id)}`);
      if (filter.after) where.push(`(created_at, episode_id) ${desc ? '<' : '>'} (${p.add(filter.after.created_at)}::timestamptz, ${p.add(filter.after.id)})`);
      const dir = desc ? 'DESC' : 'ASC';
      return db.rows<Episode>(`SELECT ${EPISODE} FROM episodes ${p.where(where)} ORDER BY created_at ${dir}, episode_id ${dir} LIMIT ${p.add(filter.limit ?? 100)}`, p.values);
    },
  };
}

const ESCALATION = 'escalation_id, action_id, platform_account_id, reason, created_at, resolved_at, resolved_by';

export function createEscalationRepository(db: Database): EscalationRepository {
  return {
    async create(escalation) {
      const row = parseRecord(Escalation, 'Escalation', escalation);
      await db.run(`INSERT INTO escalations (${ESCALATION}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.escalation_id, row.action_id, row.platform_account_id, row.reason, row.created_at, row.resolved_at, row.resolved_by]);
      return row;
    },
    async open() {
      return db.rows<Escalation>(`SELECT ${ESCALATION} FROM escalations WHERE resolved_at IS NULL ORDER BY created_at, row_no`);
    },
    async resolve(escalationId, by) {
      await db.run('UPDATE escalations SET resolved_at = $1, resolved_by = $2 WHERE escalation_id = $3 AND resolved_at IS NULL', [new Date().toISOString(), by, escalationId]);
    },
  };
}

const OWNER = 'owner_id, host, pid, started_at, heartbeat_at';

export function createOwnerRepository(db: Database): OwnerRepository {
  return {
    async register(owner) {
      const row = parseRecord(Owner, 'Owner', owner);
      await db.run(`INSERT INTO owners (${OWNER}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
        [row.owner_id, row.host, row.pid, row.started_at, row.heartbeat_at]);
      return row;
    },
    async heartbeat(ownerId, at) {
      await db.run('UPDATE owners SET heartbeat_at = $1 WHERE owner_id = $2', [at.toISOString(), ownerId]);
    },
    async get(ownerId) {
      return (await db.row<Owner>(`SELECT ${OWNER} FROM owners WHERE owner_id = $1`, [ownerId])) ?? null;
    },
    async remove(ownerId) {
      await db.run('DELETE FROM owners WHERE owner_id = $1', [ownerId]);
    },
  };
}
