import { AUTO_SEND_AUTHOR, type AccountState, type Action, type ActionState, type AuditEvent, type AuditRecord, type KillSwitch } from '../records.js';
import type { ActionGate, ActionPatch, ActionRepository, LedgerWrite, ProgressCount, ProofRefRecord } from '../ports.js';
import { BudgetRefusedError, FencedError, StaleStateError } from '../errors.js';
import { groupMoves } from '../moves.js';
import type { Statement } from 'better-sqlite3';
import type { Db, GroupWriter } from './database.js';
import type { BudgetUse } from './controls.js';
import type { Reservation } from '../ports.js';

interface ActionRow {
  action_id: string; episode_id: string; client_id: string; platform: string; platform_account_id: string;
  lane: string; action_type: string; payload_json: string; payload_hash: string; idempotency_key: string;
  state: string; risk: string; compliance_flags_json: string; created_by: string; policy_snapshot_id: string | null;
  attempt_count: number; verify_tries: number; owner_id: string | null; lease_expires_at: string | null;
  fence: number; attempt_ended_at: string | null; absence_json: string; result_json: string; escalated_at: string | null; depends_on: string | null;
  due_at: string | null; window_end_at: string | null; not_before: string | null; created_at: string; updated_at: string;
}

function toAction(r: ActionRow): Action {
  return {
    action_id: r.action_id, episode_id: r.episode_id, client_id: r.client_id,
    platform: r.platform as Action['platform'], platform_account_id: r.platform_account_id,
    lane: r.lane as Action['lane'], action_type: r.action_type as Action['action_type'],
    payload: JSON.parse(r.payload_json) as Action['payload'], payload_hash: r.payload_hash,
    idempotency_key: r.idempotency_key, state: r.state as ActionState, risk: r.risk as Action['risk'],
    compliance_flags: JSON.parse(r.compliance_flags_json) as string[], created_by: r.created_by,
    policy_snapshot_id: r.policy_snapshot_id, attempt_count: r.attempt_count, verify_tries: r.verify_tries,
    owner_id: r.owner_id, lease_expires_at: r.lease_expires_at, fence: r.fence, attempt_ended_at: r.attempt_ended_at,
    absence: JSON.parse(r.absence_json) as Action['absence'], result: JSON.parse(r.result_json) as Action['result'],
    escalated_at: r.escalated_at, depends_on: r.depends_on, due_at: r.due_at, window_end_at: r.window_end_at, not_before: r.not_before,
    created_at: r.created_at, updated_at: r.updated_at,
  };
}

const PATCHABLE = ['attempt_count', 'verify_tries', 'owner_id', 'lease_expires_at', 'escalated_at', 'policy_snapshot_id', 'fence', 'attempt_ended_at', 'due_at', 'window_end_at', 'not_before', 'payload_hash', 'idempotency_key'] as const;

export function createActionRepository(db: Db, writer: GroupWriter, append: (event: AuditEvent) => AuditRecord, reserve: (use: BudgetUse) => Reservation): ActionRepository {
  const insert = db.prepare(`INSERT INTO actions (action_id, episode_id, client_id, platform, platform_account_id, lane,
    action_type, payload_json, payload_hash, idempotency_key, state, risk, compliance_flags_json, created_by,
    policy_snapshot_id, attempt_count, verify_tries, owner_id, lease_expires_at, fence, attempt_ended_at, absence_json,
    result_json, escalated_at, depends_on, due_at, window_end_at, not_before, created_at, updated_at)
    VALUES (@action_id, @episode_id, @client_id, @platform, @platform_account_id, @lane, @action_type, @payload_json,
    @payload_hash, @idempotency_key, @state, @risk, @compliance_flags_json, @created_by, @policy_snapshot_id,
    @attempt_count, @verify_tries, @owner_id, @lease_expires_at, @fence, @attempt_ended_at, @absence_json,
    @result_json, @escalated_at, @depends_on, @due_at, @window_end_at, @not_before, @created_at, @updated_at)`);
  // Due: queued, its time come (schedule and deferral). Times are stored as UTC ISO strings, which sort as times.
  // The expression is the one `actions_due` is built on, so the index serves the range; named
  // outright because without statistics the planner prefers `actions_state` (every queued row).
  const DUE = `state = 'queued' AND max(COALESCE(due_at, ''), COALESCE(not_before, '')) <= @now`;
  const dueAccounts = db.prepare<{ now: string; limit: number }, { platform_account_id: string; platform: string; next: string }>(
    `SELECT platform_account_id, platform, MIN(COALESCE(due_at, created_at)) AS next FROM actions INDEXED BY actions_due WHERE ${DUE}
     GROUP BY platform_account_id, platform ORDER BY next, platform_account_id LIMIT @limit`);
  const dueFor = db.prepare<{ now: string; account: string; limit: number }, ActionRow>(
    `SELECT * FROM actions INDEXED BY actions_due WHERE platform_account_id = @account AND ${DUE} ORDER BY COALESCE(due_at, created_at), created_at, action_id LIMIT @limit`);
  const get = db.prepare<[string], ActionRow>('SELECT * FROM actions WHERE action_id = ?');
  const insertEpisode = db.prepare('INSERT OR IGNORE INTO episodes (episode_id, client_id, platform_account_id, kind, created_at) VALUES (@episode_id, @client_id, @platform_account_id, @kind, @created_at)');
  const stateOf = db.prepare<[string], { state: string; fence: number }>('SELECT state, fence FROM actions WHERE action_id = ?');
  const stateRow = (actionId: string) => get.get(actionId)!;
  const ledgerMirror = db.prepare('UPDATE idempotency_ledger SET status = ?, result_json = ?, updated_at = ? WHERE key = ? AND action_id = ?');
  // One read for checks 2 and 3: the action's ownership, its account's state and the most
  // specific engaged kill switch (global sorts first), so nothing can change between them. An
  // automatic DM reply is also stopped by a `dm_auto_send` switch engaged after it was queued.
  const gateRow = db.prepare<[string], {
    state: string; owner_id: string | null; fence: number; client_id: string; platform_account_id: string; account_state: string; account_reason: string | null;
    kill_scope: string | null; kill_scope_id: string | null; kill_reason: string | null; kill_set_by: string | null; kill_set_at: string | null;
  }>(
    `SELECT a.state, a.owner_id, a.fence, a.client_id, a.platform_account_id, p.state AS account_state, p.state_reason AS account_reason,
       k.scope AS kill_scope, k.scope_id AS kill_scope_id, k.reason AS kill_reason, k.set_by AS kill_set_by, k.set_at AS kill_set_at
     FROM actions a JOIN platform_accounts p ON p.platform_account_id = a.platform_account_id
     LEFT JOIN kill_switches k ON k.rowid = (SELECT rowid FROM kill_switches WHERE engaged = 1 AND ((scope = 'global')
       OR (scope = 'client' AND scope_id = a.client_id) OR (scope = 'account' AND scope_id = a.platform_account_id)
       OR (scope = 'dm_auto_send' AND scope_id IN ('*', a.client_id) AND a.created_by = '${AUTO_SEND_AUTHOR}'))
       ORDER BY CASE scope WHEN 'global' THEN 0 WHEN 'client' THEN 1 WHEN 'account' THEN 2 ELSE 3 END LIMIT 1)
     WHERE a.action_id = ?`);
  const readGate = (actionId: string): ActionGate | null => {
    const row = gateRow.get(actionId);
    if (!row) return null;
    const kill: KillSwitch | null = row.kill_scope === null ? null : {
      scope: row.kill_scope as KillSwitch['scope'], scope_id: row.kill_scope_id!, engaged: true, reason: row.kill_reason,
      set_by: row.kill_set_by!, set_at: row.kill_set_at!,
    };
    return {
      state: row.state as ActionState, owner_id: row.owner_id, fence: row.fence, platform_account_id: row.platform_account_id,
      account_state: row.account_state as AccountState, account_reason: row.account_reason, kill,
    };
  };
  // An approval names the content it approved; one of earlier content (the action was edited
  // since) no longer counts, and the same person may approve the new content.
  const addApproval = db.prepare(`INSERT OR REPLACE INTO approvals (action_id, approver, approved_at, payload_hash)
    SELECT action_id, ?, ?, payload_hash FROM actions WHERE action_id = ?`);
  const CURRENT = 'FROM approvals p JOIN actions a ON a.action_id = p.action_id WHERE p.action_id = ? AND (p.payload_hash IS NULL OR p.payload_hash = a.payload_hash)';
  const approvals = db.prepare<[string], { approver: string }>(`SELECT p.approver ${CURRENT} ORDER BY p.approved_at`);
  const approvalRecords = db.prepare<[string], { approver: string; approved_at: string }>(`SELECT p.approver, p.approved_at ${CURRENT} ORDER BY p.approved_at, p.approver`);
  // The sha256 is in the ref's file name: instr() narrows the rows, the parsed refs decide.
  const proofEvents = db.prepare<{ sha: string; client: string | null; limit: number }, { seq: number; event_json: string; action_id: string; client_id: string; episode_id: string }>(
    `SELECT e.seq, e.event_json, a.action_id, a.client_id, a.episode_id FROM audit_events e JOIN actions a ON a.action_id = e.action_id
     WHERE instr(e.event_json, @sha) > 0 AND (@client IS NULL OR a.client_id = @client) ORDER BY e.seq DESC LIMIT @limit`);
  const progress = db.prepare<{ now: string }, { lane: string; bucket: string; n: number }>(`
    SELECT a.lane, CASE
      WHEN a.state = 'queued' AND COALESCE(a.due_at, '') > @now THEN 'scheduled'
      WHEN a.state = 'queued' AND (COALESCE(a.not_before, '') > @now OR p.state <> 'active' OR EXISTS (
        SELECT 1 FROM kill_switches k WHERE k.engaged = 1 AND (k.scope = 'global' OR (k.scope = 'client' AND k.scope_id = a.client_id)
          OR (k.scope = 'account' AND k.scope_id = a.platform_account_id)))) THEN 'held'
      WHEN a.state = 'queued' THEN 'due'
      WHEN a.state IN ('preflight_passed', 'identity_verified', 'attempted') THEN 'running'
      WHEN a.state = 'unknown' THEN 'unknown'
      WHEN a.state = 'blocked' THEN 'blocked'
      WHEN a.state = 'confirmed_failed' OR json_extract(a.result_json, '$.error_code') IS NOT NULL THEN 'failed'
      ELSE 'done' END AS bucket, COUNT(*) AS n
    FROM actions a JOIN platform_accounts p ON p.platform_account_id = a.platform_account_id
    GROUP BY a.lane, bucket ORDER BY a.lane, bucket`);
  const updates = new Map<string, Statement>();

  function applyPatch(actionId: string, expected: ActionState, to: ActionState, patch: ActionPatch, now: string, base?: Action, fence?: number): Action {
    const sets = ['state = @to', 'updated_at = @now'];
    const params: Record<string, unknown> = { id: actionId, expected, to, now };
    const where = ['action_id = @id', 'state = @expected'];
    if (fence !== undefined) {
      where.push('fence = @held');
      params.held = fence;
    }
    for (const field of PATCHABLE) {
      if (patch[field] !== undefined) {
        sets.push(`${field} = @${field}`);
        params[field] = patch[field];
      }
    }
    if (patch.result !== undefined) {
      sets.push('result_json = @result_json');
      params.result_json = JSON.stringify(patch.result);
    }
    if (patch.absence !== undefined) {
      sets.push('absence_json = @absence_json');
      params.absence_json = JSON.stringify(patch.absence);
    }
    if (patch.payload !== undefined) {
      sets.push('payload_json = @payload_json');
      params.payload_json = JSON.stringify(patch.payload);
    }
    const sql = `UPDATE actions SET ${sets.join(', ')} WHERE ${where.join(' AND ')} RETURNING ${base ? 'state' : '*'}`;
    // Statements vary with the patch's fields; the shapes are few, so each is prepared once.
    let update = updates.get(sql);
    if (!update) updates.set(sql, (update = db.prepare(sql)));
    const row = update.get(params) as ActionRow | undefined;
    if (!row) {
      const now = stateOf.get(actionId);
      if (fence !== undefined && now && now.fence !== fence) throw new FencedError(actionId, fence, now.fence);
      throw new StaleStateError(actionId, expected, now?.state ?? null);
    }
    if (!base || base.action_id !== actionId || base.state !== expected) return base ? toAction(stateRow(actionId)) : toAction(row);
    return { ...base, ...patch, state: to, updated_at: now };
  }

  function mirror(ledger: LedgerWrite | undefined, actionId: string, now: string): void {
    if (ledger) ledgerMirror.run(ledger.status, JSON.stringify(ledger.result), now, ledger.key, actionId);
  }

  return {
    async create(action, event, episode) {
      return writer.write(() => {
        if (episode) insertEpisode.run(episode);
        insert.run({
          ...action,
          payload_json: JSON.stringify(action.payload),
          compliance_flags_json: JSON.stringify(action.compliance_flags),
          result_json: JSON.stringify(action.result),
          absence_json: JSON.stringify(action.absence),
        });
        append(event);
        return action;
      });
    },
    async get(actionId) {
      const row = get.get(actionId);
      return row ? toAction(row) : null;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 10_000 };
      const desc = filter.order === 'desc';
      if (filter.state) { where.push('state = @state'); params.state = filter.state; }
      if (filter.client_id) { where.push('client_id = @client'); params.client = filter.client_id; }
      if (filter.platform_account_id) { where.push('platform_account_id = @account'); params.account = filter.platform_account_id; }
      if (filter.episode_id) { where.push('episode_id = @episode'); params.episode = filter.episode_id; }
      if (filter.action_type) { where.push('action_type = @type'); params.type = filter.action_type; }
      if (filter.lane) { where.push('lane = @lane'); params.lane = filter.lane; }
      if (filter.due_from) { where.push('COALESCE(due_at, created_at) >= @due_from'); params.due_from = filter.due_from; }
      if (filter.due_to) { where.push('COALESCE(due_at, created_at) < @due_to'); params.due_to = filter.due_to; }
      if (filter.after) {
        where.push(`(created_at, action_id) ${desc ? '<' : '>'} (@after_at, @after_id)`);
        params.after_at = filter.after.created_at;
        params.after_id = filter.after.id;
      }
      const dir = desc ? 'DESC' : 'ASC';
      const sql = `SELECT * FROM actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at ${dir}, action_id ${dir} LIMIT @limit`;
      return (db.prepare(sql).all(params) as ActionRow[]).map(toAction);
    },
    async transition(write) {
      return writer.write(() => {
        const now = write.event.timestamp;
        if (write.reserve) {
          const verdict = reserve({ ...write.reserve, action_id: write.action_id });
          if (!verdict.ok) throw new BudgetRefusedError(verdict.rule, verdict.retry_at);
        }
        const action = applyPatch(write.action_id, write.from, write.to, write.patch ?? {}, now, write.base, write.fence);
        mirror(write.ledger, write.action_id, now);
        const audit = append(write.event);
        return { action, audit };
      }, write.durable);
    },
    async transitionMany(writes) {
      return writer.write(() => {
        let action: Action | undefined;
        const audit: AuditRecord[] = [];
        for (const g of groupMoves(writes)) {
          action = applyPatch(g.first.action_id, g.first.from, g.last.to, g.patch, g.last.event.timestamp, g.first.base, g.first.fence);
          for (const w of g.moves) {
            mirror(w.ledger, w.action_id, w.event.timestamp);
            audit.push(append(w.event));
          }
        }
        if (!action) throw new Error('transitionMany needs at least one write');
        return { action, audit };
      }, writes.some((w) => w.durable));
    },
    async note(write) {
      return writer.write(() => {
        const action = applyPatch(write.action_id, write.state, write.state, write.patch, write.event.timestamp, write.base, write.fence);
        const audit = append(write.event);
        return { action, audit };
      }, write.durable);
    },
    async gate(actionId) {
      return readGate(actionId);
    },
    async dueAccounts(now, limit) {
      return dueAccounts.all({ now: now.toISOString(), limit })
        .map((r) => ({ platform_account_id: r.platform_account_id, platform: r.platform as Action['platform'], next_due_at: r.next }));
    },
    async dueFor(accountId, now, limit) {
      return dueFor.all({ now: now.toISOString(), account: accountId, limit }).map(toAction);
    },
    async addApproval(actionId, approver) {
      addApproval.run(approver, new Date().toISOString(), actionId);
    },
    async approvals(actionId) {
      return approvals.all(actionId).map((r) => r.approver);
    },
    async approvalRecords(actionId) {
      return approvalRecords.all(actionId);
    },
    async proofRefs(sha256, filter = {}) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return [];
      const found: ProofRefRecord[] = [];
      for (const row of proofEvents.all({ sha: sha256, client: filter.client_id ?? null, limit: filter.limit ?? 100 })) {
        const { proof } = JSON.parse(row.event_json) as AuditEvent;
        for (const list of ['screenshots', 'artifact_refs'] as const) {
          for (const ref of proof[list]) {
            if (ref.split('/').at(-1)!.startsWith(`${sha256}.`)) found.push({ seq: row.seq, action_id: row.action_id, client_id: row.client_id, episode_id: row.episode_id, ref, list });
          }
        }
      }
      return found;
    },
    async progress(now) {
      return progress.all({ now: now.toISOString() }) as ProgressCount[];
    },
  };
}
