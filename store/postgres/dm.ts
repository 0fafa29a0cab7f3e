import { AUTO_SEND_AUTHOR, DmDecisionRow, DmEvent, DmInboxEntry } from '../records.js';
import type { DmDecisionRepository, DmEventRepository, DmInboxRepository } from '../ports.js';
import { parseRecord } from '../parse.js';
import type { Database } from './database.js';
import { Params } from './params.js';

const INBOX = 'delivery_id, received_at, body_sha256, body_ref, state, attempts, last_error, processed_at, retry_at';

export function createDmInboxRepository(db: Database): DmInboxRepository {
  return {
    async add(entry) {
      const row = parseRecord(DmInboxEntry, 'DmInboxEntry', entry);
      await db.run(`INSERT INTO dm_inbox (${INBOX}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [row.delivery_id, row.received_at, row.body_sha256, row.body_ref, row.state, row.attempts, row.last_error, row.processed_at, row.retry_at]);
      return row;
    },
    async pending(limit, maxAttempts, now) {
      return db.rows<DmInboxEntry>(`SELECT ${INBOX} FROM dm_inbox
        WHERE state = 'pending' OR (state = 'failed' AND attempts < $1 AND (retry_at IS NULL OR retry_at <= $2))
        ORDER BY received_at, delivery_id LIMIT $3`, [maxAttempts, now.toISOString(), limit]);
    },
    async claim(owner, limit, maxAttempts, now, until) {
      // SKIP LOCKED: a delivery another host is claiming this instant is left to it, not waited for.
      const rows = await db.rows<DmInboxEntry>(`UPDATE dm_inbox SET claimed_by = $1, claimed_until = $2
        WHERE delivery_id IN (SELECT delivery_id FROM dm_inbox
          WHERE (state = 'pending' OR (state = 'failed' AND attempts < $3 AND (retry_at IS NULL OR retry_at <= $4)))
            AND (claimed_until IS NULL OR claimed_until <= $4)
          ORDER BY received_at, delivery_id LIMIT $5 FOR UPDATE SKIP LOCKED)
        RETURNING ${INBOX}`, [owner, until.toISOString(), maxAttempts, now.toISOString(), limit]);
      return rows.sort((a, b) => a.received_at.localeCompare(b.received_at) || a.delivery_id.localeCompare(b.delivery_id));
    },
    async nextRetry(maxAttempts) {
      const at = (await db.row<{ at: string | null }>("SELECT min(retry_at) AS at FROM dm_inbox WHERE state = 'failed' AND attempts < $1", [maxAttempts]))?.at;
      return at ? new Date(at) : null;
    },
    async markDone(deliveryId, at) {
      await db.run("UPDATE dm_inbox SET state = 'done', processed_at = $1, retry_at = NULL, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL WHERE delivery_id = $2", [at.toISOString(), deliveryId]);
    },
    async markFailed(deliveryId, error, retryAt) {
      await db.run("UPDATE dm_inbox SET state = 'failed', last_error = $1, retry_at = $2, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL WHERE delivery_id = $3",
        [error.slice(0, 500), retryAt.toISOString(), deliveryId]);
    },
    async get(deliveryId) {
      return (await db.row<DmInboxEntry>(`SELECT ${INBOX} FROM dm_inbox WHERE delivery_id = $1`, [deliveryId])) ?? null;
    },
  };
}

const EVENT = `event_id, dedupe_key, kind, ig_user_id, platform_account_id, client_id, sender_id, ref, parent_ref,
  timestamp_ms, text_sha256, text_ref, attachments, delivery_id, recorded_at`;

export function createDmEventRepository(db: Database): DmEventRepository {
  const byKey = (key: string) => db.row<DmEvent>(`SELECT ${EVENT} FROM dm_events WHERE dedupe_key = $1`, [key]);
  return {
    async append(event) {
      const row = parseRecord(DmEvent, 'DmEvent', event);
      const inserted = (await db.run(`INSERT INTO dm_events (${EVENT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`, [
        row.event_id, row.dedupe_key, row.kind, row.ig_user_id, row.platform_account_id, row.client_id, row.sender_id, row.ref, row.parent_ref,
        row.timestamp_ms, row.text_sha256, row.text_ref, JSON.stringify(row.attachments), row.delivery_id, row.recorded_at,
      ])) > 0;
      return { event: inserted ? row : (await byKey(row.dedupe_key))!, inserted };
    },
    async get(eventId) {
      return (await db.row<DmEvent>(`SELECT ${EVENT} FROM dm_events WHERE event_id = $1`, [eventId])) ?? null;
    },
    async byDedupeKey(key) {
      return (await byKey(key)) ?? null;
    },
    async thread(platformAccountId, senderId, limit) {
      return db.rows<DmEvent>(`SELECT ${EVENT} FROM dm_events WHERE platform_account_id = $1 AND sender_id = $2
        ORDER BY timestamp_ms DESC, seq DESC LIMIT $3`, [platformAccountId, senderId, limit]);
    },
  };
}

const COLUMNS = ['trace_id', 'event_id', 'platform_account_id', 'client_id', 'sender_id', 'mid', 'tier', 'intent', 'language', 'panel_decision', 'escalated',
  'reason_codes', 'template_id', 'draft_text_sha256', 'final_text_sha256', 'draft_ref', 'bundle_ref', 'decided_at', 'review_state', 'reviewed_by',
  'reviewed_at', 'sent_text_sha256', 'edit_distance', 'action_id', 'sender_username'] as const;
const DECISION = COLUMNS.join(', ');
const REVIEWABLE = new Set(['review_state', 'reviewed_by', 'reviewed_at', 'sent_text_sha256', 'edit_distance', 'action_id']);
const QUEUE_ORDER = "CASE tier WHEN 'urgent' THEN 0 WHEN 'needs-human' THEN 1 ELSE 2 END, decided_at, trace_id";

export function createDmDecisionRepository(db: Database): DmDecisionRepository {
  const byEvent = (eventId: string) => db.row<DmDecisionRow>(`SELECT ${DECISION} FROM dm_decisions WHERE event_id = $1`, [eventId]);
  return {
    async add(decision) {
      const row = parseRecord(DmDecisionRow, 'DmDecisionRow', decision);
      const values = COLUMNS.map((c) => (c === 'reason_codes' ? JSON.stringify(row.reason_codes) : row[c]));
      const inserted = (await db.run(`INSERT INTO dm_decisions (${DECISION}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING`, values)) > 0;
      return { decision: inserted ? row : (await byEvent(row.event_id))!, inserted };
    },
    async get(traceId) {
      return (await db.row<DmDecisionRow>(`SELECT ${DECISION} FROM dm_decisions WHERE trace_id = $1`, [traceId])) ?? null;
    },
    async forEvent(eventId) {
      return (await byEvent(eventId)) ?? null;
    },
    async queue({ client_ids, states, limit }) {
      const p = new Params();
      const where: string[] = [];
      if (client_ids) {
        if (client_ids.length === 0) return [];
        where.push(`client_id = ANY(${p.add(client_ids)}::text[])`);
      }
      if (states?.length) where.push(`review_state = ANY(${p.add(states)}::text[])`);
      return db.rows<DmDecisionRow>(`SELECT ${DECISION} FROM dm_decisions ${p.where(where)} ORDER BY ${QUEUE_ORDER} LIMIT ${p.add(limit)}`, p.values);
    },
    async review(traceId, from, to) {
      const p = new Params();
      const sets = Object.keys(to).filter((k) => REVIEWABLE.has(k)).map((k) => `${k} = ${p.add((to as Record<string, unknown>)[k] ?? null)}`);
      return (await db.run(`UPDATE dm_decisions SET ${sets.join(', ')} WHERE trace_id = ${p.add(traceId)} AND review_state = ${p.add(from)}`, p.values)) > 0;
    },
    async stoppedAutoSends(limit) {
      return db.rows<DmDecisionRow>(`SELECT ${COLUMNS.map((c) => `d.${c}`).join(', ')} FROM actions a JOIN dm_decisions d ON d.action_id = a.action_id
        WHERE a.created_by = '${AUTO_SEND_AUTHOR}' AND a.state = 'blocked' AND d.review_state = 'approved' AND d.reviewed_by = '${AUTO_SEND_AUTHOR}'
        ORDER BY d.decided_at LIMIT $1`, [limit]);
    },
    async humanReviews(clientId, intent, limit) {
      return db.rows<DmDecisionRow>(`SELECT ${DECISION} FROM dm_decisions WHERE client_id = $1 AND intent = $2
        AND review_state IN ('approved', 'sent', 'rejected') AND reviewed_by IS NOT NULL AND reviewed_by NOT LIKE 'system:%'
        ORDER BY reviewed_at DESC LIMIT $3`, [clientId, intent, limit]);
    },
    async lastUsername(platformAccountId, senderId) {
      return (await db.row<{ sender_username: string }>(`SELECT sender_username FROM dm_decisions
        WHERE platform_account_id = $1 AND sender_id = $2 AND sender_username IS NOT NULL ORDER BY decided_at DESC LIMIT 1`, [platformAccountId, senderId]))?.sender_username ?? null;
    },
    async lastLanguage(platformAccountId, senderId) {
      return (await db.row<{ language: string }>(`SELECT language FROM dm_decisions
        WHERE platform_account_id = $1 AND sender_id = $2 AND language <> 'und' ORDER BY decided_at DESC LIMIT 1`, [platformAccountId, senderId]))?.language ?? null;
    },
  };
}
