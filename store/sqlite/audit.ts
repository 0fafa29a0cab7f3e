import { canonicalJson } from '../hash.js';
import type { ActionState, AuditCheckpoint, AuditEvent, AuditRecord } from '../records.js';
import type { AuditLog, RawAuditRow, RawCheckpointRow } from '../ports.js';
import { auditLinkHash, GENESIS_HASH, validateAuditEvent, validateCheckpoint } from '../audit-chain.js';
import type { Db, GroupWriter } from './database.js';

/**
 * Appends one event to the chain. Runs only inside the writer's transactions: the tail is read
 * once per transaction (the write lock is held, so nobody else appends meanwhile) and then
 * followed in memory; the writer drops it at every new transaction and after any rollback.
 */
export function makeAppender(db: Db, writer: GroupWriter): (event: AuditEvent) => AuditRecord {
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit_events (seq, audit_event_id, action_id, event_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)');
  let cached: { seq: number; hash: string } | undefined;
  writer.onReset(() => (cached = undefined));
  return (raw) => {
    const event = validateAuditEvent(raw);
    const tail = cached ?? last.get();
    const seq = (tail?.seq ?? 0) + 1;
    const prevHash = tail?.hash ?? GENESIS_HASH;
    const eventJson = canonicalJson(event);
    const hash = auditLinkHash(seq, prevHash, eventJson);
    insert.run(seq, event.audit_event_id, event.action_id, eventJson, prevHash, hash);
    cached = { seq, hash };
    return { seq, event, prev_hash: prevHash, hash };
  };
}

export function createAuditLog(db: Db, writer: GroupWriter, append: (event: AuditEvent) => AuditRecord): AuditLog {
  const scan = db.prepare<[number, number], RawAuditRow>('SELECT seq, audit_event_id, event_json, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?');
  const byAction = db.prepare<[string], RawAuditRow>('SELECT seq, audit_event_id, event_json, prev_hash, hash FROM audit_events WHERE action_id = ? ORDER BY seq');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM audit_events');
  const head = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const insertCheckpoint = db.prepare('INSERT INTO audit_checkpoints (v, seq, hash, time, key_id, sig) VALUES (@v, @seq, @hash, @time, @key_id, @sig)');
  const allCheckpoints = db.prepare<[], RawCheckpointRow>('SELECT checkpoint_no, v, seq, hash, time, key_id, sig FROM audit_checkpoints ORDER BY checkpoint_no');
  const latestCheckpoint = db.prepare<[], RawCheckpointRow>('SELECT checkpoint_no, v, seq, hash, time, key_id, sig FROM audit_checkpoints ORDER BY seq DESC, checkpoint_no DESC LIMIT 1');
  const actionStates = db.prepare<[string, number], { action_id: string; state: ActionState }>('SELECT action_id, state FROM actions WHERE action_id > ? ORDER BY action_id LIMIT ?');
  return {
    async append(event) {
      return writer.write(() => append(event));
    },
    async scan(afterSeq, limit) {
      return scan.all(afterSeq, limit);
    },
    async forAction(actionId) {
      return byAction.all(actionId).map(toRecord);
    },
    async page(filter) {
      // The action's columns decide tenancy: an event is the client's whose action is.
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      const desc = filter.order === 'desc';
      if (filter.action_id) { where.push('e.action_id = @action'); params.action = filter.action_id; }
      if (filter.client_id) { where.push('a.client_id = @client'); params.client = filter.client_id; }
      if (filter.platform_account_id) { where.push('a.platform_account_id = @account'); params.account = filter.platform_account_id; }
      if (filter.episode_id) { where.push('a.episode_id = @episode'); params.episode = filter.episode_id; }
      if (filter.after_seq !== undefined) { where.push(`e.seq ${desc ? '<' : '>'} @after`); params.after = filter.after_seq; }
      const join = filter.client_id || filter.platform_account_id || filter.episode_id ? 'JOIN actions a ON a.action_id = e.action_id' : '';
      const sql = `SELECT e.seq, e.audit_event_id, e.event_json, e.prev_hash, e.hash FROM audit_events e ${join}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq ${desc ? 'DESC' : 'ASC'} LIMIT @limit`;
      return db.prepare<[Record<string, unknown>], RawAuditRow>(sql).all(params).map(toRecord);
    },
    async count() {
      return count.get()!.n;
    },
    async head() {
      return head.get() ?? null;
    },
    async addCheckpoint(checkpoint) {
      const valid = validateCheckpoint(checkpoint);
      await writer.write(() => insertCheckpoint.run(valid), true);
    },
    async checkpoints() {
      return allCheckpoints.all();
    },
    async latestCheckpoint() {
      const row = latestCheckpoint.get();
      if (!row) return null;
      const { checkpoint_no: _no, ...record } = row;
      return validateCheckpoint(record as AuditCheckpoint);
    },
    async actionStates(afterActionId, limit) {
      return actionStates.all(afterActionId, limit);
    },
  };
}

function toRecord(r: RawAuditRow): AuditRecord {
  return { seq: r.seq, event: JSON.parse(r.event_json) as AuditEvent, prev_hash: r.prev_hash, hash: r.hash };
}
