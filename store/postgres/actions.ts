import { AUTO_SEND_AUTHOR, type AccountState, type Action, type ActionState, type AuditEvent, type KillSwitch } from '../records.js';
import type { ActionGate, ActionPatch, ActionRepository, LedgerWrite, ProgressCount, ProofRefRecord, TransitionWrite } from '../ports.js';
import { BudgetRefusedError, FencedError, StaleStateError } from '../errors.js';
import { groupMoves } from '../moves.js';
import { validateAuditEvent } from '../audit-chain.js';
import type { Database, Sql } from './database.js';
import { appendEvents } from './audit.js';
import { reserveUse, SWITCH_ORDER } from './controls.js';
import { insertEpisode } from './work.js';
import { Params } from './params.js';

const ACTION_COLUMNS = ['action_id', 'episode_id', 'client_id', 'platform', 'platform_account_id', 'lane', 'action_type', 'payload', 'payload_hash',
  'idempotency_key', 'state', 'risk', 'compliance_flags', 'created_by', 'policy_snapshot_id', 'attempt_count', 'verify_tries', 'owner_id',
  'lease_expires_at', 'fence', 'attempt_ended_at', 'absence', 'result', 'escalated_at', 'depends_on', 'due_at', 'window_end_at', 'not_before',
  'created_at', 'updated_at'] as const satisfies readonly (keyof Action)[];
const ACTION = ACTION_COLUMNS.join(', ');
/** Columns held as jsonb: sent as JSON text (pg would send a JS array as a PostgreSQL array). */
const JSON_COLUMNS = new Set<string>(['payload', 'compliance_flags', 'absence', 'result']);
const PATCHABLE = ['attempt_count', 'verify_tries', 'owner_id', 'lease_expires_at', 'escalated_at', 'policy_snapshot_id', 'fence', 'attempt_ended_at',
  'due_at', 'window_end_at', 'not_before', 'payload_hash', 'idempotency_key', 'result', 'absence', 'payload'] as const satisfies readonly (keyof ActionPatch)[];

const columnValue = (column: string, v: unknown) => (JSON_COLUMNS.has(column) ? JSON.stringify(v) : v);

/**
 * Due: queued and its time come (schedule and deferral). The expression is the one `actions_due`
 * is built on, so the index serves the range. An action with neither time is due at once.
 */
const DUE = `state = 'queued' AND COALESCE(GREATEST(due_at, not_before), '-infinity'::timestamptz)`;

/** One read for checks 2 and 3 (see ActionGate): ownership, the account's state and the first engaged kill switch. */
const GATE = `SELECT a.state, a.owner_id, a.fence, a.platform_account_id, p.state AS account_state, p.state_reason AS account_reason,
    k.scope AS kill_scope, k.scope_id AS kill_scope_id, k.reason AS kill_reason, k.set_by AS kill_set_by, k.set_at AS kill_set_at
  FROM actions a JOIN platform_accounts p ON p.platform_account_id = a.platform_account_id
  LEFT JOIN LATERAL (SELECT * FROM kill_switches WHERE engaged AND (scope = 'global'
      OR (scope = 'client' AND scope_id = a.client_id) OR (scope = 'account' AND scope_id = a.platform_account_id)
      OR (scope = 'dm_auto_send' AND scope_id IN ('*', a.client_id) AND a.created_by = '${AUTO_SEND_AUTHOR}'))
    ORDER BY ${SWITCH_ORDER} LIMIT 1) k ON true
  WHERE a.action_id = $1`;

interface GateRow {
  state: ActionState; owner_id: string | null; fence: number; platform_account_id: string; account_state: AccountState; account_reason: string | null;
  kill_scope: KillSwitch['scope'] | null; kill_scope_id: string | null; kill_reason: string | null; kill_set_by: string | null; kill_set_at: string | null;
}

// An approval names the content it approved; one of earlier content (the action was edited
// since) no longer counts. Ties in time come in approver order, as SQLite's key reads them.
const CURRENT_APPROVALS = `FROM approvals p JOIN actions a ON a.action_id = p.action_id
  WHERE p.action_id = $1 AND (p.payload_hash IS NULL OR p.payload_hash = a.payload_hash) ORDER BY p.approved_at, p.approver`;

const PROGRESS = `SELECT a.lane, (CASE
    WHEN a.state = 'queued' AND a.due_at > $1 THEN 'scheduled'
    WHEN a.state = 'queued' AND (a.not_before > $1 OR p.state <> 'active' OR EXISTS (
      SELECT 1 FROM kill_switches k WHERE k.engaged AND (k.scope = 'global' OR (k.scope = 'client' AND k.scope_id = a.client_id)
        OR (k.scope = 'account' AND k.scope_id = a.platform_account_id)))) THEN 'held'
    WHEN a.state = 'queued' THEN 'due'
    WHEN a.state IN ('preflight_passed', 'identity_verified', 'attempted') THEN 'running'
    WHEN a.state = 'unknown' THEN 'unknown'
    WHEN a.state = 'blocked' THEN 'blocked'
    WHEN a.state = 'confirmed_failed' OR a.result->>'error_code' IS NOT NULL THEN 'failed'
    ELSE 'done' END) COLLATE "C" AS bucket, count(*) AS n
  FROM actions a JOIN platform_accounts p ON p.platform_account_id = a.platform_account_id
  GROUP BY a.lane, bucket ORDER BY a.lane, bucket`;

/** Moves one action from `expected` to `to` with its patch, if it is still there (and its fence is the writer's). */
async function applyPatch(sql: Sql, actionId: string, expected: ActionState, to: ActionState, patch: ActionPatch, now: string, base?: Action, fence?: number): Promise<Action> {
  const p = new Params();
  const sets = [`state = ${p.add(to)}`, `updated_at = ${p.add(now)}`];
  for (const field of PATCHABLE) {
    if (patch[field] !== undefined) sets.push(`${field} = ${p.add(columnValue(field, patch[field]))}`);
  }
  const where = [`action_id = ${p.add(actionId)}`, `state = ${p.add(expected)}`];
  if (fence !== undefined) where.push(`fence = ${p.add(fence)}`);
  const row = await sql.row<Action>(`UPDATE actions SET ${sets.join(', ')} ${p.where(where)} RETURNING ${base ? 'state' : ACTION}`, p.values);
  if (!row) {
    const current = await sql.row<{ state: ActionState; fence: number }>('SELECT state, fence FROM actions WHERE action_id = $1', [actionId]);
    if (fence !== undefined && current && current.fence !== fence) throw new FencedError(actionId, fence, current.fence);
    throw new StaleStateError(actionId, expected, current?.state ?? null);
  }
  if (!base) return row;
  if (base.action_id !== actionId || base.state !== expected) return (await sql.row<Action>(`SELECT ${ACTION} FROM actions WHERE action_id = $1`, [actionId]))!;
  return { ...base, ...patch, state: to, updated_at: now };
}

async function mirror(sql: Sql, ledger: LedgerWrite | undefined, actionId: string, now: string): Promise<void> {
  if (ledger) {
    await sql.run('UPDATE idempotency_ledger SET status = $1, result = $2, updated_at = $3 WHERE key = $4 AND action_id = $5',
      [ledger.status, JSON.stringify(ledger.result), now, ledger.key, actionId]);
  }
}

async function reserveFor(sql: Sql, write: TransitionWrite): Promise<void> {
  if (!write.reserve) return;
  const verdict = await reserveUse(sql, { ...write.reserve, action_id: write.action_id });
  if (!verdict.ok) throw new BudgetRefusedError(verdict.rule, verdict.retry_at);
}

export function createActionRepository(db: Database): ActionRepository {
  return {
    async create(action, event, episode) {
      return db.tx(async (sql) => {
        if (episode) await insertEpisode(sql, episode);
        await sql.run(`INSERT INTO actions (${ACTION}) VALUES (${ACTION_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
          ACTION_COLUMNS.map((c) => columnValue(c, action[c])));
        await appendEvents(sql, [validateAuditEvent(event)]);
        return action;
      });
    },
    async get(actionId) {
      return (await db.row<Action>(`SELECT ${ACTION} FROM actions WHERE action_id = $1`, [actionId])) ?? null;
    },
    async list(filter = {}) {
      const p = new Params();
      const where: string[] = [];
      const desc = filter.order === 'desc';
      if (filter.state) where.push(`state = ${p.add(filter.state)}`);
      if (filter.client_id) where.push(`client_id = ${p.add(filter.client_id)}`);
      if (filter.platform_account_id) where.push(`platform_account_id = ${p.add(filter.platform_account_id)}`);
      if (filter.episode_id) where.push(`episode_id = ${p.add(filter.episode_id)}`);
      if (filter.action_type) where.push(`action_type = ${p.add(filter.action_type)}`);
      if (filter.lane) where.push(`lane = ${p.add(filter.lane)}`);
      if (filter.due_from) where.push(`COALESCE(due_at, created_at) >= ${p.add(filter.due_from)}`);
      if (filter.due_to) where.push(`COALESCE(due_at, created_at) < ${p.add(filter.due_to)}`);
      if (filter.after) where.push(`(created_at, action_id) ${desc ? '<' : '>'} (${p.add(filter.after.created_at)}::timestamptz, ${p.add(filter.after.id)})`);
      const dir = desc ? 'DESC' : 'ASC';
      return db.rows<Action>(`SELECT ${ACTION} FROM actions ${p.where(where)} ORDER BY created_at ${dir}, action_id ${dir} LIMIT ${p.add(filter.limit ?? 10_000)}`, p.values);
    },
    async transition(write) {
      return db.tx(async (sql) => {
        const now = write.event.timestamp;
        await reserveFor(sql, write);
        const action = await applyPatch(sql, write.action_id, write.from, write.to, write.patch ?? {}, now, write.base, write.fence);
        await mirror(sql, write.ledger, write.action_id, now);
        const [audit] = await appendEvents(sql, [validateAuditEvent(write.event)]);
        return { action, audit: audit! };
      }, { durable: write.durable, lazy: write.lazy });
    },
    async transitionMany(writes) {
      return db.tx(async (sql) => {
        let action: Action | undefined;
        const events: AuditEvent[] = [];
        for (const g of groupMoves(writes)) {
          action = await applyPatch(sql, g.first.action_id, g.first.from, g.last.to, g.patch, g.last.event.timestamp, g.first.base, g.first.fence);
          for (const w of g.moves) {
            await mirror(sql, w.ledger, w.action_id, w.event.timestamp);
            events.push(validateAuditEvent(w.event));
          }
        }
        if (!action) throw new Error('transitionMany needs at least one write');
        // The chain's head is locked last, once every action row is: two transactions never
        // hold one each while waiting for the other.
        return { action, audit: await appendEvents(sql, events) };
      }, { durable: writes.some((w) => w.durable), lazy: writes.every((w) => w.lazy) });
    },
    async note(write) {
      return db.tx(async (sql) => {
        const action = await applyPatch(sql, write.action_id, write.state, write.state, write.patch, write.event.timestamp, write.base, write.fence);
        const [audit] = await appendEvents(sql, [validateAuditEvent(write.event)]);
        return { action, audit: audit! };
      }, { durable: write.durable, lazy: write.lazy });
    },
    async gate(actionId): Promise<ActionGate | null> {
      const row = await db.row<GateRow>(GATE, [actionId]);
      if (!row) return null;
      const kill: KillSwitch | null = row.kill_scope === null ? null : {
        scope: row.kill_scope, scope_id: row.kill_scope_id!, engaged: true, reason: row.kill_reason, set_by: row.kill_set_by!, set_at: row.kill_set_at!,
      };
      return {
        state: row.state, owner_id: row.owner_id, fence: row.fence, platform_account_id: row.platform_account_id,
        account_state: row.account_state, account_reason: row.account_reason, kill,
      };
    },
    async dueAccounts(now, limit) {
      const rows = await db.rows<{ platform_account_id: string; platform: Action['platform']; next: string }>(
        `SELECT platform_account_id, platform, min(COALESCE(due_at, created_at)) AS next FROM actions WHERE ${DUE} <= $1
         GROUP BY platform_account_id, platform ORDER BY next, platform_account_id LIMIT $2`, [now.toISOString(), limit]);
      return rows.map((r) => ({ platform_account_id: r.platform_account_id, platform: r.platform, next_due_at: r.next }));
    },
    async dueFor(accountId, now, limit) {
      return db.rows<Action>(`SELECT ${ACTION} FROM actions WHERE platform_account_id = $1 AND ${DUE} <= $2
        ORDER BY COALESCE(due_at, created_at), created_at, action_id LIMIT $3`, [accountId, now.toISOString(), limit]);
    },
    async addApproval(actionId, approver) {
      await db.run(`INSERT INTO approvals (action_id, approver, approved_at, payload_hash) SELECT action_id, $1, $2, payload_hash FROM actions WHERE action_id = $3
        ON CONFLICT (action_id, approver) DO UPDATE SET approved_at = excluded.approved_at, payload_hash = excluded.payload_hash`,
      [approver, new Date().toISOString(), actionId]);
    },
    async approvals(actionId) {
      return (await db.rows<{ approver: string }>(`SELECT p.approver ${CURRENT_APPROVALS}`, [actionId])).map((r) => r.approver);
    },
    async approvalRecords(actionId) {
      return db.rows<{ approver: string; approved_at: string }>(`SELECT p.approver, p.approved_at ${CURRENT_APPROVALS}`, [actionId]);
    },
    async proofRefs(sha256, filter = {}) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return [];
      // The sha256 is in the ref's file name: strpos() narrows the rows, the parsed refs decide.
      const rows = await db.rows<{ seq: number; event_json: string; action_id: string; client_id: string; episode_id: string }>(
        `SELECT e.seq, e.event_json, a.action_id, a.client_id, a.episode_id FROM audit_events e JOIN actions a ON a.action_id = e.action_id
         WHERE strpos(e.event_json, $1) > 0 AND ($2::text IS NULL OR a.client_id = $2) ORDER BY e.seq DESC LIMIT $3`,
        [sha256, filter.client_id ?? null, filter.limit ?? 100]);
      const found: ProofRefRecord[] = [];
      for (const row of rows) {
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
      return db.rows<ProgressCount>(PROGRESS, [now.toISOString()]);
    },
  };
}
