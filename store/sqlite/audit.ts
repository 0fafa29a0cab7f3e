import { hashCanonical } from '../hash.js';
import { AuditEvent, type AuditRecord } from '../records.js';
import type { AuditLog, RawAuditRow } from '../ports.js';
import { RecordInvalidError } from '../errors.js';
import type { Db, GroupWriter } from './database.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of one chain link: sha256 of the canonical JSON of seq, prev_hash and event. */
export function auditLinkHash(seq: number, prevHash: string, event: AuditEvent): string {
  return hashCanonical({ seq, prev_hash: prevHash, event });
}

export function validateAuditEvent(event: AuditEvent): AuditEvent {
  const parsed = AuditEvent.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordInvalidError('AuditEvent', issue.path.join('.') || '(root)', issue.message);
  }
  return parsed.data;
}

/** Appends one event to the chain. Must run inside an IMMEDIATE transaction. */
export function makeAppender(db: Db): (event: AuditEvent) => AuditRecord {
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit_events (seq, audit_event_id, action_id, event_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)');
  return (raw) => {
    const event = validateAuditEvent(raw);
    const tail = last.get();
    const seq = (tail?.seq ?? 0) + 1;
    const prevHash = tail?.hash ?? GENESIS_HASH;
    const hash = auditLinkHash(seq, prevHash, event);
    insert.run(seq, event.audit_event_id, event.action_id, JSON.stringify(event), prevHash, hash);
    return { seq, event, prev_hash: prevHash, hash };
  };
}

export function createAuditLog(db: Db, writer: GroupWriter, append: (event: AuditEvent) => AuditRecord): AuditLog {
  const scan = db.prepare<[number, number], RawAuditRow>('SELECT seq, audit_event_id, event_json, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?');
  const byAction = db.prepare<[string], RawAuditRow>('SELECT seq, audit_event_id, event_json, prev_hash, hash FROM audit_events WHERE action_id = ? ORDER BY seq');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM audit_events');
  return {
    async append(event) {
      return writer.write(() => append(event));
    },
    async scan(afterSeq, limit) {
      return scan.all(afterSeq, limit);
    },
    async forAction(actionId) {
      return byAction.all(actionId).map((r) => ({ seq: r.seq, event: JSON.parse(r.event_json) as AuditEvent, prev_hash: r.prev_hash, hash: r.hash }));
    },
    async count() {
      return count.get()!.n;
    },
  };
}
