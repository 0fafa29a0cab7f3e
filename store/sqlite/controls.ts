import { AUTO_SEND_AUTHOR, Budget, KillSwitch } from '../records.js';
import type { BudgetRepository, KillSwitchChange, KillSwitchRepository, Reservation } from '../ports.js';
import { parseRecord } from '../parse.js';
import { BUDGET_LOOKBACK_MS, budgetVerdict } from '../budget-rules.js';
import type { Db, GroupWriter } from './database.js';

interface KillRow { scope: string; scope_id: string; engaged: number; reason: string | null; set_by: string; set_at: string }
const toKill = (r: KillRow): KillSwitch => ({ ...r, engaged: r.engaged === 1 } as KillSwitch);

export function createKillSwitchRepository(db: Db): KillSwitchRepository {
  const upsert = db.prepare(`INSERT INTO kill_switches (scope, scope_id, engaged, reason, set_by, set_at)
    VALUES (@scope, @scope_id, @engaged, @reason, @set_by, @set_at)
    ON CONFLICT (scope, scope_id) DO UPDATE SET engaged = excluded.engaged, reason = excluded.reason,
    set_by = excluded.set_by, set_at = excluded.set_at`);
  // One indexed read covering all three levels; global sorts first.
  const engaged = db.prepare<{ client: string; account: string; author: string }, KillRow>(`SELECT * FROM kill_switches WHERE engaged = 1 AND (
    (scope = 'global') OR (scope = 'client' AND scope_id = @client) OR (scope = 'account' AND scope_id = @account)
    OR (scope = 'dm_auto_send' AND scope_id IN ('*', @client) AND @author = '${AUTO_SEND_AUTHOR}'))
    ORDER BY CASE scope WHEN 'global' THEN 0 WHEN 'client' THEN 1 WHEN 'account' THEN 2 ELSE 3 END LIMIT 1`);
  const autoSend = db.prepare<[string], KillRow>(`SELECT * FROM kill_switches WHERE engaged = 1 AND scope = 'dm_auto_send'
    AND scope_id IN ('*', ?) ORDER BY CASE scope_id WHEN '*' THEN 0 ELSE 1 END LIMIT 1`);
  const list = db.prepare<[], KillRow>('SELECT * FROM kill_switches ORDER BY scope, scope_id');
  const append = db.prepare(`INSERT INTO kill_switch_history (scope, scope_id, client_id, engaged, reason, set_by, set_at)
    VALUES (@scope, @scope_id, CASE @scope WHEN 'client' THEN @scope_id
      WHEN 'account' THEN (SELECT client_id FROM platform_accounts WHERE platform_account_id = @scope_id)
      WHEN 'dm_auto_send' THEN NULLIF(@scope_id, '*') END,
      @engaged, @reason, @set_by, @set_at)`);
  const setAndRecord = db.transaction((row: KillRow) => {
    upsert.run(row);
    append.run(row);
  });
  return {
    async set(sw) {
      const row = parseRecord(KillSwitch, 'KillSwitch', { ...sw, scope_id: sw.scope === 'global' ? '*' : sw.scope_id, set_at: new Date().toISOString() });
      setAndRecord({ ...row, engaged: row.engaged ? 1 : 0 });
      return row;
    },
    async engagedFor(target) {
      const row = engaged.get({ client: target.client_id, account: target.platform_account_id, author: target.created_by ?? '' });
      return row ? toKill(row) : null;
    },
    async autoSendStop(clientId) {
      const row = autoSend.get(clientId);
      return row ? toKill(row) : null;
    },
    async list() {
      return list.all().map(toKill);
    },
    async history(filter) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      // An account switch whose account is unknown has no tenant: only unscoped readers see it.
      if (filter.client_id !== undefined) { where.push("(scope = 'global' OR (scope = 'dm_auto_send' AND scope_id = '*') OR client_id = ?)"); args.push(filter.client_id); }
      if (filter.scope !== undefined) { where.push('scope = ?'); args.push(filter.scope); }
      if (filter.scope_id !== undefined) { where.push('scope_id = ?'); args.push(filter.scope_id); }
      if (filter.before_seq !== undefined) { where.push('seq < ?'); args.push(filter.before_seq); }
      const rows = db.prepare<(string | number)[], KillRow & { seq: number; client_id: string | null }>(
        `SELECT * FROM kill_switch_history ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`,
      ).all(...args, filter.limit);
      return rows.map((r): KillSwitchChange => ({ ...toKill(r), seq: r.seq, client_id: r.client_id }));
    },
  };
}

export type BudgetUse = { platform_account_id: string; action_type: string; action_id: string; at: Date };

/**
 * Checks every budget of an account for an action type and records one use if all allow it.
 * Synchronous: it runs inside a writer transaction, alone or with the transition it gates.
 */
export function makeReserver(db: Db): (use: BudgetUse) => Reservation {
  const applicable = db.prepare<[string, string], Budget>(`SELECT * FROM budgets WHERE platform_account_id = ? AND action_type IN (?, '*')`);
  const usesOf = db.prepare<[string, string, string, number], { at_ms: number }>(`SELECT at_ms FROM budget_uses
    WHERE platform_account_id = ? AND (? = '*' OR action_type = ?) AND at_ms > ? ORDER BY at_ms`);
  const insertUse = db.prepare('INSERT OR IGNORE INTO budget_uses (action_id, platform_account_id, action_type, at_ms) VALUES (?, ?, ?, ?)');

  function check(budget: Budget, accountId: string, actionType: string, now: number): Reservation {
    const type = budget.action_type;
    const inDay = usesOf.all(accountId, type, type === '*' ? actionType : type, now - BUDGET_LOOKBACK_MS).map((r) => r.at_ms);
    return budgetVerdict(budget, inDay, now);
  }

  return (use) => {
    const now = use.at.getTime();
    for (const budget of applicable.all(use.platform_account_id, use.action_type)) {
      const verdict = check(budget, use.platform_account_id, use.action_type, now);
      if (!verdict.ok) return verdict;
    }
    insertUse.run(use.action_id, use.platform_account_id, use.action_type, now);
    return { ok: true };
  };
}

export function createBudgetRepository(db: Db, writer: GroupWriter, reserve: (use: BudgetUse) => Reservation): BudgetRepository {
  const upsert = db.prepare(`INSERT INTO budgets (platform_account_id, action_type, per_hour, per_day, min_spacing_ms)
    VALUES (@platform_account_id, @action_type, @per_hour, @per_day, @min_spacing_ms)
    ON CONFLICT (platform_account_id, action_type) DO UPDATE SET per_hour = excluded.per_hour,
    per_day = excluded.per_day, min_spacing_ms = excluded.min_spacing_ms`);
  const list = db.prepare<[string], Budget>('SELECT * FROM budgets WHERE platform_account_id = ? ORDER BY action_type');
  const release = db.prepare('DELETE FROM budget_uses WHERE action_id = ?');
  const removeAll = db.prepare('DELETE FROM budgets WHERE platform_account_id = ?');
  const usesBetween = db.prepare<[string, number, number], { action_type: string; action_id: string; at_ms: number }>(
    'SELECT action_type, action_id, at_ms FROM budget_uses WHERE platform_account_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms');

  return {
    async set(budget) {
      const row = parseRecord(Budget, 'Budget', budget);
      upsert.run(row);
      return row;
    },
    async list(accountId) {
      return list.all(accountId);
    },
    async reserve(use) {
      return writer.write(() => reserve(use));
    },
    async release(actionId) {
      release.run(actionId);
    },
    async uses(accountId, from, to) {
      return usesBetween.all(accountId, from.getTime(), to.getTime())
        .map((r) => ({ action_type: r.action_type, action_id: r.action_id, at: new Date(r.at_ms).toISOString() }));
    },
    async replace(accountId, budgets) {
      const rows = budgets.map((b) => parseRecord(Budget, 'Budget', { ...b, platform_account_id: accountId }));
      // In the writer's transaction: a reservation never sees the account half without caps.
      await writer.write(() => {
        removeAll.run(accountId);
        for (const row of rows) upsert.run(row);
      });
      return list.all(accountId);
    },
  };
}
