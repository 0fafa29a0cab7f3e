import { AUTO_SEND_AUTHOR, DmDecisionRow, DmEvent, DmInboxEntry } from '../records.js';
import type { DmDecisionRepository, DmEventRepository, DmInboxRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Db } from './database.js';

const INBOX = 'delivery_id, received_at, body_sha256, body_ref, state, attempts, last_error, processed_at, retry_at';
/** What the inbox offers: pending, and failed under the attempt cap once its backoff has passed (parameters: maxAttempts, now). */
const OFFERED = "(state = 'pending' OR (state = 'failed' AND attempts < ? AND (retry_at IS NULL OR retry_at <= ?)))";
const oldestFirst = (a: DmInboxEntry, b: DmInboxEntry) => a.received_at.localeCompare(b.received_at) || a.delivery_id.localeCompare(b.delivery_id);

export function createDmInboxRepository(db: Db): DmInboxRepository {
  const insert = db.prepare(`INSERT OR IGNORE INTO dm_inbox (delivery_id, received_at, body_sha256, body_ref, state, attempts, last_error, processed_at, retry_at)
    VALUES (@delivery_id, @received_at, @body_sha256, @body_ref, @state, @attempts, @last_error, @processed_at, @retry_at)`);
  const pending = db.prepare<[number, string, number], DmInboxEntry>(`SELECT ${INBOX} FROM dm_inbox WHERE ${OFFERED}
    ORDER BY received_at, delivery_id LIMIT ?`);
  // One statement: SQLite runs it under the database's write lock, so two processes never claim one delivery.
  const claim = db.prepare<[string, string, number, string, string, number], DmInboxEntry>(`UPDATE dm_inbox SET claimed_by = ?, claimed_until = ?
    WHERE delivery_id IN (SELECT delivery_id FROM dm_inbox WHERE ${OFFERED} AND (claimed_until IS NULL OR claimed_until <= ?)
      ORDER BY received_at, delivery_id LIMIT ?)
    RETURNING ${INBOX}`);
  const nextRetry = db.prepare<[number], { at: string | null }>("SELECT MIN(retry_at) AS at FROM dm_inbox WHERE state = 'failed' AND attempts < ?");
  const done = db.prepare("UPDATE dm_inbox SET state = 'done', processed_at = ?, retry_at = NULL, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL WHERE delivery_id = ?");
  const failed = db.prepare("UPDATE dm_inbox SET state = 'failed', last_error = ?, retry_at = ?, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL WHERE delivery_id = ?");
  const get = db.prepare<[string], DmInboxEntry>(`SELECT ${INBOX} FROM dm_inbox WHERE delivery_id = ?`);
  return {
    async add(entry) {
      const row = parseRecord(DmInboxEntry, 'DmInboxEntry', entry);
      insert.run(row);
      return row;
    },
    async pending(limit, maxAttempts, now) {
      return pending.all(maxAttempts, now.toISOString(), limit);
    },
    async claim(owner, limit, maxAttempts, now, until) {
      const at = now.toISOString();
      return claim.all(owner, until.toISOString(), maxAttempts, at, at, limit).sort(oldestFirst);
    },
    async nextRetry(maxAttempts) {
      const at = nextRetry.get(maxAttempts)?.at;
      return at ? new Date(at) : null;
    },
    async markDone(deliveryId, at) {
      done.run(at.toISOString(), deliveryId);
    },
    async markFailed(deliveryId, error, retryAt) {
      failed.run(error.slice(0, 500), retryAt.toISOString(), deliveryId);
    },
    async get(deliveryId) {
      return get.get(deliveryId) ?? null;
    },
  };
}

type EventRow = Omit<DmEvent, 'attachments'> & { attachments_json: string; seq?: number };
const eventOf = (row: EventRow): DmEvent => {
  const { attachments_json, seq: _seq, ...rest } = row;
  return { ...rest, attachments: JSON.parse(attachments_json) as string[] };
};

export function createDmEventRepository(db: Db): DmEventRepository {
  const insert = db.prepare(`INSERT OR IGNORE INTO dm_events (event_id, dedupe_key, kind, ig_user_id, platform_account_id, client_id, sender_id, ref, parent_ref,
    timestamp_ms, text_sha256, text_ref, attachments_json, delivery_id, recorded_at)
    VALUES (@event_id, @dedupe_key, @kind, @ig_user_id, @platform_account_id, @client_id, @sender_id, @ref, @parent_ref,
    @timestamp_ms, @text_sha256, @text_ref, @attachments_json, @delivery_id, @recorded_at)`);
  const byKey = db.prepare<[string], EventRow>('SELECT * FROM dm_events WHERE dedupe_key = ?');
  const byId = db.prepare<[string], EventRow>('SELECT * FROM dm_events WHERE event_id = ?');
  const thread = db.prepare<[string, string, number], EventRow>(`SELECT * FROM dm_events WHERE platform_account_id = ? AND sender_id = ?
    ORDER BY timestamp_ms DESC, seq DESC LIMIT ?`);
  return {
    async append(event) {
      const row = parseRecord(DmEvent, 'DmEvent', event);
      const { attachments, ...rest } = row;
      const inserted = insert.run({ ...rest, attachments_json: JSON.stringify(attachments) }).changes > 0;
      return { event: inserted ? row : eventOf(byKey.get(row.dedupe_key)!), inserted };
    },
    async get(eventId) {
      const row = byId.get(eventId);
      return row ? eventOf(row) : null;
    },
    async byDedupeKey(key) {
      const row = byKey.get(key);
      return row ? eventOf(row) : null;
    },
    async thread(platformAccountId, senderId, limit) {
      return thread.all(platformAccountId, senderId, limit).map(eventOf);
    },
  };
}

type DecisionRow = Omit<DmDecisionRow, 'escalated' | 'reason_codes'> & { escalated: number; reason_codes_json: string };
const decisionOf = (row: DecisionRow): DmDecisionRow => {
  const { reason_codes_json, escalated, ...rest } = row;
  return { ...rest, escalated: escalated === 1, reason_codes: JSON.parse(reason_codes_json) as string[] };
};
const COLUMNS = ['trace_id', 'event_id', 'platform_account_id', 'client_id', 'sender_id', 'mid', 'tier', 'intent', 'language', 'panel_decision', 'escalated',
  'reason_codes_json', 'template_id', 'draft_text_sha256', 'final_text_sha256', 'draft_ref', 'bundle_ref', 'decided_at', 'review_state', 'reviewed_by',
  'reviewed_at', 'sent_text_sha256', 'edit_distance', 'action_id', 'sender_username'];
const REVIEWABLE = new Set(['review_state', 'reviewed_by', 'reviewed_at', 'sent_text_sha256', 'edit_distance', 'action_id']);

export function createDmDecisionRepository(db: Db): DmDecisionRepository {
  const insert = db.prepare(`INSERT OR IGNORE INTO dm_decisions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
  const byTrace = db.prepare<[string], DecisionRow>('SELECT * FROM dm_decisions WHERE trace_id = ?');
  const byEvent = db.prepare<[string], DecisionRow>('SELECT * FROM dm_decisions WHERE event_id = ?');
  const lastUsername = db.prepare<[string, string], { sender_username: string }>(`SELECT sender_username FROM dm_decisions
    WHERE platform_account_id = ? AND sender_id = ? AND sender_username IS NOT NULL ORDER BY decided_at DESC LIMIT 1`);
  const humanReviews = db.prepare<[string, string, number], DecisionRow>(`SELECT * FROM dm_decisions WHERE client_id = ? AND intent = ?
    AND review_state IN ('approved', 'sent', 'rejected') AND reviewed_by IS NOT NULL AND reviewed_by NOT LIKE 'system:%'
    ORDER BY reviewed_at DESC LIMIT ?`);
  const lastLanguage = db.prepare<[string, string], { language: string }>(`SELECT language FROM dm_decisions
    WHERE platform_account_id = ? AND sender_id = ? AND language != 'und' ORDER BY decided_at DESC LIMIT 1`);
  const stoppedAutoSends = db.prepare<[number], DecisionRow>(`SELECT d.* FROM actions a JOIN dm_decisions d ON d.action_id = a.action_id
    WHERE a.created_by = '${AUTO_SEND_AUTHOR}' AND a.state = 'blocked' AND d.review_state = 'approved' AND d.reviewed_by = '${AUTO_SEND_AUTHOR}'
    ORDER BY d.decided_at LIMIT ?`);
  const order = "CASE tier WHEN 'urgent' THEN 0 WHEN 'needs-human' THEN 1 ELSE 2 END, decided_at, trace_id";
  return {
    async add(decision) {
      const row = parseRecord(DmDecisionRow, 'DmDecisionRow', decision);
      const { reason_codes, escalated, ...rest } = row;
      const inserted = insert.run({ ...rest, escalated: escalated ? 1 : 0, reason_codes_json: JSON.stringify(reason_codes) }).changes > 0;
      return { decision: inserted ? row : decisionOf(byEvent.get(row.event_id)!), inserted };
    },
    async get(traceId) {
      const row = byTrace.get(traceId);
      return row ? decisionOf(row) : null;
    },
    async forEvent(eventId) {
      const row = byEvent.get(eventId);
      return row ? decisionOf(row) : null;
    },
    async queue({ client_ids, states, limit }) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (client_ids) {
        if (client_ids.length === 0) return [];
        where.push(`client_id IN (${client_ids.map(() => '?').join(', ')})`);
        params.push(...client_ids);
      }
      if (states?.length) {
        where.push(`review_state IN (${states.map(() => '?').join(', ')})`);
        params.push(...states);
      }
      const sql = `SELECT * FROM dm_decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
      return db.prepare<unknown[], DecisionRow>(sql).all(...params, limit).map(decisionOf);
    },
    async review(traceId, from, to) {
      const sets = Object.keys(to).filter((k) => REVIEWABLE.has(k));
      const sql = `UPDATE dm_decisions SET ${sets.map((k) => `${k} = @${k}`).join(', ')} WHERE trace_id = @trace_id AND review_state = @from`;
      return db.prepare(sql).run({ ...Object.fromEntries(sets.map((k) => [k, (to as Record<string, unknown>)[k] ?? null])), trace_id: traceId, from }).changes > 0;
    },
    async stoppedAutoSends(limit) {
      return stoppedAutoSends.all(limit).map(decisionOf);
    },
    async humanReviews(clientId, intent, limit) {
      return humanReviews.all(clientId, intent, limit).map(decisionOf);
    },
    async lastUsername(platformAccountId, senderId) {
      return lastUsername.get(platformAccountId, senderId)?.sender_username ?? null;
    },
    async lastLanguage(platformAccountId, senderId) {
      return lastLanguage.get(platformAccountId, senderId)?.language ?? null;
    },
  };
}
