import { hashCanonical, sha256Hex } from '../store/index.js';

export interface KeyParts {
  client_id: string;
  platform: string;
  platform_account_id: string;
  action_type: string;
  payload: unknown;
}

/** Deterministic payload hash: sha256 of the payload's canonical JSON (key order never matters). */
export function payloadHash(payload: unknown): string {
  return hashCanonical(payload);
}

/**
 * §5.1 idempotency key: client, platform, account, action type and the payload hash. Two
 * requests for "the same action" get the same key whatever their field order.
 */
export function idempotencyKey(parts: KeyParts): string {
  const digest = sha256Hex([parts.client_id, parts.platform, parts.platform_account_id, parts.action_type, payloadHash(parts.payload)].join('\u001f'));
  return `ik1_${digest}`;
}

/**
 * A caller's own key (like Stripe's Idempotency-Key header), always scoped: combined with the
 * client, platform, account and action type, so the same string from another tenant, account
 * or action type is another key and can never return someone else's result.
 */
export function scopedCallerKey(parts: Omit<KeyParts, 'payload'>, callerKey: string): string {
  const digest = sha256Hex([parts.client_id, parts.platform, parts.platform_account_id, parts.action_type, 'caller', callerKey].join('\u001f'));
  return `ikc1_${digest}`;
}
