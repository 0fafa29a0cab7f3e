import { newId, AuditEvent, GENESIS_HASH, auditLinkHash, canonicalJson, type Action, type ActionResult, type ActionState, type RawAuditRow, type Store } from '../store/index.js';
import type { ProofRef } from './performer.js';

export const KERNEL_VERSION = '0.1.0';

export interface EventDraft {
  from: ActionState | null;
  to: ActionState;
  reason?: string | null;
  result?: ActionResult;
  proofs?: readonly ProofRef[];
  identityOk?: boolean | null;
  tool?: { name: 'connector' | 'browser_runner' | 'kernel'; version: string };
  at?: Date;
}

const STATUS: Record<ActionState, AuditEvent['result']['status']> = {
  queued: 'queued', preflight_passed: 'queued', identity_verified: 'queued', blocked: 'blocked',
  attempted: 'attempted', confirmed_success: 'confirmed_success', confirmed_failed: 'confirmed_failed',
  unknown: 'unknown', postcheck_complete: 'confirmed_success',
};

/** Builds a §9 AuditEvent from an action: hashes and pointers only, never the payload. */
export function buildAuditEvent(action: Action, draft: EventDraft): AuditEvent {
  const result = draft.result ?? action.result;
  let status = STATUS[draft.to];
  if (draft.to === 'postcheck_complete' && draft.from === 'confirmed_failed') status = 'confirmed_failed';
  const proofs = draft.proofs ?? [];
  const dom = proofs.find((p) => p.kind === 'dom')?.sha256;
  const event: AuditEvent = {
    audit_event_id: newId(),
    timestamp: (draft.at ?? new Date()).toISOString(),
    episode_id: action.episode_id,
    action_id: action.action_id,
    client_id: action.client_id,
    platform: action.platform,
    platform_account_id: action.platform_account_id,
    lane: action.lane,
    action_type: action.action_type,
    idempotency_key: action.idempotency_key,
    policy_snapshot_id: action.policy_snapshot_id,
    identity_fingerprint_ok: draft.identityOk ?? null,
    transition: { from: draft.from, to: draft.to },
    reason: draft.reason ?? null,
    request: {
      safe_payload_hash: action.payload_hash,
      tool: draft.tool?.name ?? 'kernel',
      tool_version: draft.tool?.version ?? KERNEL_VERSION,
    },
    result: { status, ...pick(result) },
    proof: {
      artifact_refs: proofs.filter((p) => p.kind !== 'screenshot').map((p) => p.ref),
      screenshots: proofs.filter((p) => p.kind === 'screenshot').map((p) => p.ref),
      ...(dom ? { dom_hash: dom } : {}),
    },
  };
  return event;
}

function pick(r: ActionResult): Partial<AuditEvent['result']> {
  const out: Partial<AuditEvent['result']> = {};
  if (r.platform_object_id !== undefined) out.platform_object_id = r.platform_object_id;
  if (r.permalink !== undefined) out.permalink = r.permalink;
  if (r.http_status !== undefined) out.http_status = r.http_status;
  if (r.error_code !== undefined) out.error_code = r.error_code;
  if (r.verification_level !== undefined) out.verification_level = r.verification_level;
  return out;
}

export type ChainVerdict =
  | { ok: true; count: number; head: string }
  | { ok: false; count: number; broken: { seq: number; audit_event_id: string; problem: string } };

/**
 * Walks the whole chain: each event must parse as a §9 AuditEvent, follow its predecessor's
 * hash, sit at the next sequence number and hash to what is stored. Names the first break.
 */
export async function verifyAuditChain(store: Store, pageSize = 5000): Promise<ChainVerdict> {
  return walkAuditChain(store, { pageSize });
}

export interface WalkOptions {
  /** Start after this link (its seq and hash, taken as given); default: from the genesis. */
  after?: { seq: number; hash: string };
  /** Stop after this seq (a head read earlier); default: to the end. */
  untilSeq?: number;
  pageSize?: number;
  /** Called for every link that verified, in order (anchoring and cross-checks read along). */
  visit?: (row: RawAuditRow, event: AuditEvent) => void;
  /**
   * Check sequence and hashes only, not each event's schema and canonical form (a checkpoint
   * vouches for the links; `audit verify` still checks everything). Several times faster.
   */
  linksOnly?: boolean;
}

/** verifyAuditChain over a segment, with a reader riding along. `count` is the links walked. */
export async function walkAuditChain(store: Store, options: WalkOptions = {}): Promise<ChainVerdict> {
  const pageSize = options.pageSize ?? 5000;
  const until = options.untilSeq ?? Number.POSITIVE_INFINITY;
  let prevHash = options.after?.hash ?? GENESIS_HASH;
  let expectedSeq = (options.after?.seq ?? 0) + 1;
  let count = 0;
  for (;;) {
    const rows = expectedSeq > until ? [] : await store.audit.scan(expectedSeq - 1, Math.min(pageSize, until - expectedSeq + 1));
    if (rows.length === 0) return { ok: true, count, head: prevHash };
    for (const row of rows) {
      const broken = (problem: string) => ({ ok: false as const, count, broken: { seq: row.seq, audit_event_id: row.audit_event_id, problem } });
      if (row.seq !== expectedSeq) return broken(`sequence gap: expected ${expectedSeq}`);
      if (row.prev_hash !== prevHash) return broken('prev_hash does not match the previous event');
      if (options.linksOnly) {
        if (auditLinkHash(row.seq, row.prev_hash, row.event_json) !== row.hash) return broken('hash does not match the event content');
        prevHash = row.hash;
        expectedSeq += 1;
        count += 1;
        continue;
      }
      let event: AuditEvent;
      try {
        const parsed = AuditEvent.safeParse(JSON.parse(row.event_json));
        if (!parsed.success) return broken(`not a valid AuditEvent: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
        event = parsed.data;
      } catch {
        return broken('event is not JSON');
      }
      if (event.audit_event_id !== row.audit_event_id) return broken('audit_event_id differs from its row');
      if (auditLinkHash(row.seq, row.prev_hash, row.event_json) !== row.hash) return broken('hash does not match the event content');
      if (canonicalJson(event) !== row.event_json) return broken('event is not stored in canonical JSON');
      options.visit?.(row, event);
      prevHash = row.hash;
      expectedSeq += 1;
      count += 1;
    }
  }
}

/** Streams the chain as JSON lines: `{seq, prev_hash, hash, event}` in sequence order. */
export async function* exportAuditJsonl(store: Store, pageSize = 5000): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const rows = await store.audit.scan(after, pageSize);
    if (rows.length === 0) return;
    for (const row of rows) {
      yield `${JSON.stringify({ seq: row.seq, prev_hash: row.prev_hash, hash: row.hash, event: JSON.parse(row.event_json) })}\n`;
      after = row.seq;
    }
  }
}
