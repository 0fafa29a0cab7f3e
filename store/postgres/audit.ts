import { canonicalJson } from '../hash.js';
import type { ActionState, AuditCheckpoint, AuditEvent, AuditRecord } from '../records.js';
import type { AuditLog, RawAuditRow, RawCheckpointRow } from '../ports.js';
import { auditLinkHash, validateAuditEvent, validateCheckpoint } from '../audit-chain.js';
import type { Database, Sql } from './database.js';
import { Params } from './params.js';

/**
 * Appends validated events to the chain, in order, inside the caller's transaction. The head
 * row is locked until that transaction ends: an append on another connection (another host)
 * waits for it and then links to what this one committed, so the chain is one line whoever
 * writes. Inserting the links and moving the head is one statement.
 */
export async function appendEvents(sql: Sql, events: readonly AuditEvent[]): Promise<AuditRecord[]> {
  if (events.length === 0) return [];
  const head = (await sql.row<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE'))!;
  const p = new Params();
  const links: string[] = [];
  const records: AuditRecord[] = [];
  let { seq, hash } = head;
  for (const event of events) {
    const eventJson = canonicalJson(event);
    const prevHash = hash;
    seq += 1;
    hash = auditLinkHash(seq, prevHash, eventJson);
    links.push(`(${p.add(seq)}::bigint, ${p.add(event.audit_event_id)}, ${p.add(event.action_id)}, ${p.add(eventJson)}, ${p.add(prevHash)}, ${p.add(hash)})`);
    records.push({ seq, event, prev_hash: prevHash, hash });
  }
  await sql.run(`WITH link AS (INSERT INTO audit_events (seq, audit_event_id, action_id, event_json, prev_hash, hash) VALUES ${links.join(', ')})
    UPDATE audit_head SET seq = ${p.add(seq)}, hash = ${p.add(hash)} WHERE id = 1`, p.values);
  return records;
}

const RAW = 'seq, audit_event_id, event_json, prev_hash, hash';
const CHECKPOINT = 'checkpoint_no, v, seq, hash, time, key_id, sig';

export function createAuditLog(db: Database): AuditLog {
  return {
    async append(event) {
      const valid = validateAuditEvent(event);
      return (await db.tx((sql) => appendEvents(sql, [valid])))[0]!;
    },
    async scan(afterSeq, limit) {
      return db.rows<RawAuditRow>(`SELECT ${RAW} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    },
    async forAction(actionId) {
      return (await db.rows<RawAuditRow>(`SELECT ${RAW} FROM audit_events WHERE action_id = $1 ORDER BY seq`, [actionId])).map(toRecord);
    },
    async page(filter) {
      // The action's columns decide tenancy: an event is the client's whose action is.
      const p = new Params();
      const where: string[] = [];
      const desc = filter.order === 'desc';
      if (filter.action_id) where.push(`e.action_id = ${p.add(filter.action_id)}`);
      if (filter.client_id) where.push(`a.client_id = ${p.add(filter.client_id)}`);
      if (filter.platform_account_id) where.push(`a.platform_account_id = ${p.add(filter.platform_account_id)}`);
      if (filter.episode_id) where.push(`a.episode_id = ${p.add(filter.episode_id)}`);
      if (filter.after_seq !== undefined) where.push(`e.seq ${desc ? '<' : '>'} ${p.add(filter.after_seq)}`);
      const join = filter.client_id || filter.platform_account_id || filter.episode_id ? 'JOIN actions a ON a.action_id = e.action_id' : '';
      const rows = await db.rows<RawAuditRow>(`SELECT e.seq, e.audit_event_id, e.event_json, e.prev_hash, e.hash FROM audit_events e ${join}
        ${p.where(where)} ORDER BY e.seq ${desc ? 'DESC' : 'ASC'} LIMIT ${p.add(filter.limit)}`, p.values);
      return rows.map(toRecord);
    },
    async count() {
      return (await db.row<{ n: number }>('SELECT count(*) AS n FROM audit_events'))!.n;
    },
    async head() {
      return (await db.row<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')) ?? null;
    },
    async addCheckpoint(checkpoint) {
      const c = validateCheckpoint(checkpoint);
      await db.tx((sql) => sql.run('INSERT INTO audit_checkpoints (v, seq, hash, time, key_id, sig) VALUES ($1, $2, $3, $4, $5, $6)',
        [c.v, c.seq, c.hash, c.time, c.key_id, c.sig]), { durable: true });
    },
    async checkpoints() {
      return db.rows<RawCheckpointRow>(`SELECT ${CHECKPOINT} FROM audit_checkpoints ORDER BY checkpoint_no`);
    },
    async latestCheckpoint() {
      const row = await db.row<RawCheckpointRow>(`SELECT ${CHECKPOINT} FROM audit_checkpoints ORDER BY seq DESC, checkpoint_no DESC LIMIT 1`);
      if (!row) return null;
      const { checkpoint_no: _no, ...record } = row;
      return validateCheckpoint(record as AuditCheckpoint);
    },
    async actionStates(afterActionId, limit) {
      return db.rows<{ action_id: string; state: ActionState }>('SELECT action_id, state FROM actions WHERE action_id > $1 ORDER BY action_id LIMIT $2', [afterActionId, limit]);
    },
  };
}

function toRecord(r: RawAuditRow): AuditRecord {
  return { seq: r.seq, event: JSON.parse(r.event_json) as AuditEvent, prev_hash: r.prev_hash, hash: r.hash };
}
