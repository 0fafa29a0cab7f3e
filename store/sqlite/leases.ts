import type { RunnerLease } from '../records.js';
import type { RunnerLeaseRepository } from '../ports.js';
import type { Db } from './database.js';

/** A released lease keeps its row (and so its fence, which only ever grows): it just ends. */
const ENDED = '1970-01-01T00:00:00.000Z';

/** Runner leases, each claim one atomic statement (a lease is taken only from its holder or once expired). */
export function createRunnerLeaseRepository(db: Db): RunnerLeaseRepository {
  // Times are UTC ISO strings, which compare as times.
  const acquire = db.prepare<{ account: string; owner: string; now: string; expires: string }, RunnerLease>(
    `INSERT INTO runner_leases (platform_account_id, owner_id, fence, acquired_at, heartbeat_at, expires_at)
     VALUES (@account, @owner, 1, @now, @now, @expires)
     ON CONFLICT (platform_account_id) DO UPDATE SET
       fence = CASE WHEN runner_leases.owner_id = excluded.owner_id AND runner_leases.expires_at > excluded.heartbeat_at THEN runner_leases.fence ELSE runner_leases.fence + 1 END,
       acquired_at = CASE WHEN runner_leases.owner_id = excluded.owner_id AND runner_leases.expires_at > excluded.heartbeat_at THEN runner_leases.acquired_at ELSE excluded.acquired_at END,
       owner_id = excluded.owner_id, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
     WHERE runner_leases.expires_at <= excluded.heartbeat_at OR runner_leases.owner_id = excluded.owner_id
     RETURNING *`);
  const renew = db.prepare<{ account: string; owner: string; fence: number; now: string; expires: string }>(
    `UPDATE runner_leases SET heartbeat_at = @now, expires_at = @expires
     WHERE platform_account_id = @account AND owner_id = @owner AND fence = @fence AND expires_at > @now`);
  const release = db.prepare<{ account: string; owner: string; fence: number }>(
    `UPDATE runner_leases SET expires_at = '${ENDED}' WHERE platform_account_id = @account AND owner_id = @owner AND fence = @fence AND expires_at > '${ENDED}'`);
  const get = db.prepare<[string], RunnerLease>('SELECT * FROM runner_leases WHERE platform_account_id = ?');
  const active = db.prepare<[string], RunnerLease>('SELECT * FROM runner_leases WHERE expires_at > ? ORDER BY platform_account_id');
  return {
    async acquire(accountId, ownerId, ttlMs, now) {
      return acquire.get({ account: accountId, owner: ownerId, now: now.toISOString(), expires: new Date(now.getTime() + ttlMs).toISOString() }) ?? null;
    },
    async renew(accountId, ownerId, fence, ttlMs, now) {
      return renew.run({ account: accountId, owner: ownerId, fence, now: now.toISOString(), expires: new Date(now.getTime() + ttlMs).toISOString() }).changes === 1;
    },
    async release(accountId, ownerId, fence) {
      return release.run({ account: accountId, owner: ownerId, fence }).changes === 1;
    },
    async get(accountId) {
      return get.get(accountId) ?? null;
    },
    async active(now) {
      return active.all(now.toISOString());
    },
  };
}
