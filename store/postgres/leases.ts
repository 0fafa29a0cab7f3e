import type { RunnerLease } from '../records.js';
import type { RunnerLeaseRepository } from '../ports.js';
import type { Database } from './database.js';

/** A released lease keeps its row (and so its fence, which only ever grows): it just ends. */
const ENDED = '1970-01-01T00:00:00.000Z';
const LEASE = 'platform_account_id, owner_id, fence, acquired_at, heartbeat_at, expires_at';

/**
 * Runner leases, each claim one atomic statement (a lease is taken only from its holder or once
 * expired). Two hosts acquiring at once: the second waits on the first's row, then finds it
 * held and gets nothing.
 */
export function createRunnerLeaseRepository(db: Database): RunnerLeaseRepository {
  return {
    async acquire(accountId, ownerId, ttlMs, now) {
      return (await db.row<RunnerLease>(`INSERT INTO runner_leases (${LEASE}) VALUES ($1, $2, 1, $3, $3, $4)
        ON CONFLICT (platform_account_id) DO UPDATE SET
          fence = CASE WHEN runner_leases.owner_id = excluded.owner_id AND runner_leases.expires_at > excluded.heartbeat_at THEN runner_leases.fence ELSE runner_leases.fence + 1 END,
          acquired_at = CASE WHEN runner_leases.owner_id = excluded.owner_id AND runner_leases.expires_at > excluded.heartbeat_at THEN runner_leases.acquired_at ELSE excluded.acquired_at END,
          owner_id = excluded.owner_id, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
        WHERE runner_leases.expires_at <= excluded.heartbeat_at OR runner_leases.owner_id = excluded.owner_id
        RETURNING ${LEASE}`, [accountId, ownerId, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString()])) ?? null;
    },
    async renew(accountId, ownerId, fence, ttlMs, now) {
      return (await db.run(`UPDATE runner_leases SET heartbeat_at = $1, expires_at = $2
        WHERE platform_account_id = $3 AND owner_id = $4 AND fence = $5 AND expires_at > $1`,
      [now.toISOString(), new Date(now.getTime() + ttlMs).toISOString(), accountId, ownerId, fence])) === 1;
    },
    async release(accountId, ownerId, fence) {
      return (await db.run(`UPDATE runner_leases SET expires_at = '${ENDED}' WHERE platform_account_id = $1 AND owner_id = $2 AND fence = $3 AND expires_at > '${ENDED}'`,
        [accountId, ownerId, fence])) === 1;
    },
    async get(accountId) {
      return (await db.row<RunnerLease>(`SELECT ${LEASE} FROM runner_leases WHERE platform_account_id = $1`, [accountId])) ?? null;
    },
    async active(now) {
      return db.rows<RunnerLease>(`SELECT ${LEASE} FROM runner_leases WHERE expires_at > $1 ORDER BY platform_account_id`, [now.toISOString()]);
    },
  };
}
