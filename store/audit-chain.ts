import { createHash } from 'node:crypto';
import { AuditCheckpoint, AuditEvent } from './records.js';
import { parseRecord } from './parse.js';

/** The `prev_hash` of the first link. Shared by every adapter: a chain verifies the same wherever it is stored. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of one chain link: sha256 over the sequence number, the previous link's hash and
 * the event's canonical JSON (RFC 8785) — the exact bytes stored in `event_json`.
 */
export function auditLinkHash(seq: number, prevHash: string, eventJson: string): string {
  // OpenSSL's SHA-256 here, not @noble/hashes: this runs for every transition of every action
  // (5+ per action) and the native digest is ~10x faster on a 1 KB event. Same function, same bytes.
  return createHash('sha256').update(`${seq}\n${prevHash}\n${eventJson}`, 'utf8').digest('hex');
}

export function validateAuditEvent(event: AuditEvent): AuditEvent {
  return parseRecord(AuditEvent, 'AuditEvent', event);
}

export function validateCheckpoint(checkpoint: AuditCheckpoint): AuditCheckpoint {
  return parseRecord(AuditCheckpoint, 'AuditCheckpoint', checkpoint);
}
