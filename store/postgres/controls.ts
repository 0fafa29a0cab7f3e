import { AUTO_SEND_AUTHOR, Budget, KillSwitch } from '../records.js';
import type { BudgetRepository, KillSwitchChange, KillSwitchRepository, Reservation } from '../ports.js';
import { parseRecord } from '../parse.js';
import { BUDGET_LOOKBACK_MS, budgetVerdict } from '../budget-rules.js';
import type { Database, Sql } from './database.js';
import { LOCK } from './locks.js';
import { Params } from './params.js';

const SWITCH = 'scope, scope_id, engaged, reason, set_by, set_at';
/** Global first, then client, account, DM auto-send; among equals in key order, as SQLite's primary key reads them. */
export const SWITCH_ORDER = "CASE scope WHEN 'global' THEN 0 WHEN 'client' THEN 1 WHEN 'account' THEN 2 ELSE 3 END, scope_id";

export function createKillSwitchRepository(db: Database): KillSwitchRepository {
  return {
    async set(sw) {
      const row = parseRecord(KillSwitch, 'KillSwitch', { ...sw, scope_id: sw.scope === 'global' ? '*' : sw.scope_id, set_at: new Date().toISOString() });
      await db.tx(async (sql) => {
        // Changes are numbered in the order they commit, so a reader paging back never finds one appear behind it.
        await sql.run('SELECT pg_advisory_xact_lock($1, 0)', [LOCK.killSwitchHistory]);
        const values = [row.scope, row.scope_id, row.engaged, row.reason, row.set_by, row.set_at];
        await sql.run(`INSERT INTO kill_switches (${SWITCH}) VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (scope, scope_id) DO UPDATE SET engaged = excluded.engaged, reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at`, values);
        await sql.run(`INSERT INTO kill_switch_history (scope, scope_id, client_id, engaged, reason, set_by, set_at)
          VALUES ($1, $2, CASE $1 WHEN 'client' THEN $2
            WHEN 'account' THEN (SELECT client_id FROM platform_accounts WHERE platform_account_id = $2)
            WHEN 'dm_auto_send' THEN NULLIF($2, '*') END, $3, $4, $5, $6)`, values);
      });
      return row;
    },
    async engagedFor(target) {
      // One indexed read covering all levels; global sorts first.
      return (await db.row<KillSwitch>(`SELECT ${SWITCH} FROM kill_switches WHERE engaged AND (
        scope = 'global' OR (scope = 'client' AND scope_id = $1) OR (scope = 'account' AND scope_id = $2)
        OR (scope = 'dm_auto_send' AND scope_id IN ('*', $1) AND $3 = '${AUTO_SEND_AUTHOR}'))
        ORDER BY ${SWITCH_ORDER} LIMIT 1`, [target.client_id, target.platform_account_id, target.created_by ?? ''])) ?? null;
    },
    async autoSendStop(clientId) {
      return (await db.row<KillSwitch>(`SELECT ${SWITCH} FROM kill_switches WHERE engaged AND scope = 'dm_auto_send'
        AND scope_id IN ('*', $1) ORDER BY CASE scope_id WHEN '*' THEN 0 ELSE 1 END LIMIT 1`, [clientId])) ?? null;
    },
    async list() {
      return db.rows<KillSwitch>(`SELECT ${SWITCH} FROM kill_switches ORDER BY scope, scope_id`);
    },
    async history(filter) {
      const p = new Params();
      const where: string[] = [];
      // An account switch whose account is unknown has no tenant: only unscoped readers see it.
      if (filter.client_id !== undefined) where.push(`(scope = 'global' OR (scope = 'dm_auto_send' AND scope_id = '*') OR client_id = ${p.add(filter.client_id)})`);
      if (filter.scope !== undefined) where.push(`scope = ${p.add(filter.scope)}`);
      if (filter.scope_id !== undefined) where.push(`scope_id = ${p.add(filter.scope_id)}`);
      if (filter.before_seq !== undefined) where.push(`seq < ${p.add(filter.before_seq)}`);
      return db.rows<KillSwitchChange>(`SELECT seq, ${SWITCH}, client_id FROM kill_switch_history ${p.where(where)} ORDER BY seq DESC LIMIT ${p.add(filter.limit)}`, p.values);
    },
  };
}

const BUDGET = 'platform_account_id, action_type, per_hour, per_day, min_spacing_ms';

export type BudgetUse = { platform_account_id: string; action_type: string; action_id: string; at: Date };

/**
 * Checks every budget of the account for the action type and records one use if all allow it,
 * inside the caller's transaction. The account's lock is taken first and held to the commit:
 * a reservation on another connection counts only after this one's use is there (or gone).
 */
export async function reserveUse(sql: Sql, use: BudgetUse): Promise<Reservation> {
  await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.budget, use.platform_account_id]);
  const budgets = await sql.rows<Budget>(`SELECT ${BUDGET} FROM budgets WHERE platform_account_id = $1 AND action_type IN ($2, '*') ORDER BY action_type`,
    [use.platform_account_id, use.action_type]);
  const now = use.at.getTime();
  if (budgets.length > 0) {
    const recent = (await sql.rows<{ action_type: string; at: string }>('SELECT action_type, at FROM budget_uses WHERE platform_account_id = $1 AND at > $2 ORDER BY at, row_no',
      [use.platform_account_id, new Date(now - BUDGET_LOOKBACK_MS).toISOString()])).map((r) => ({ type: r.action_type, at: Date.parse(r.at) }));
    for (const budget of budgets) {
      const counted = recent.filter((r) => budget.action_type === '*' || r.type === budget.action_type).map((r) => r.at);
      const verdict = budgetVerdict(budget, counted, now);
      if (!verdict.ok) return verdict;
    }
  }
  await sql.run('INSERT INTO budget_uses (action_id, platform_account_id, action_type, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [use.action_id, use.platform_account_id, use.action_type, use.at.toISOString()]);
  return { ok: true };
}

const UPSERT_BUDGET = `INSERT INTO budgets (${BUDGET}) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (platform_account_id, action_type) DO UPDATE SET per_hour = excluded.per_hour, per_day = excluded.per_day, min_spacing_ms = excluded.min_spacing_ms`;
const budgetValues = (b: Budget) => [b.platform_account_id, b.action_type, b.per_hour, b.per_day, b.min_spacing_ms];

export function createBudgetRepository(db: Database): BudgetRepository {
  const list = (accountId: string) => db.rows<Budget>(`SELECT ${BUDGET} FROM budgets WHERE platform_account_id = $1 ORDER BY action_type`, [accountId]);
  return {
    async set(budget) {
      const row = parseRecord(Budget, 'Budget', budget);
      await db.run(UPSERT_BUDGET, budgetValues(row));
      return row;
    },
    list,
    async reserve(use) {
      return db.tx((sql) => reserveUse(sql, use));
    },
    async release(actionId) {
      await db.run('DELETE FROM budget_uses WHERE action_id = $1', [actionId]);
    },
    async uses(accountId, from, to) {
      return db.rows<{ action_type: string; action_id: string; at: string }>(
        'SELECT action_type, action_id, at FROM budget_uses WHERE platform_account_id = $1 AND at >= $2 AND at < $3 ORDER BY at, row_no',
        [accountId, from.toISOString(), to.toISOString()]);
    },
    async replace(accountId, budgets) {
      const rows = budgets.map((b) => parseRecord(Budget, 'Budget', { ...b, platform_account_id: accountId }));
      // Under the account's budget lock: a reservation never sees the account half without caps.
      await db.tx(async (sql) => {
        await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.budget, accountId]);
        await sql.run('DELETE FROM budgets WHERE platform_account_id = $1', [accountId]);
        for (const row of rows) await sql.run(UPSERT_BUDGET, budgetValues(row));
      });
      return list(accountId);
    },
  };
}
