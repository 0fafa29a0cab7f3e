import type { ActionState } from '../store/index.js';
import { IllegalTransitionError } from './errors.js';

/**
 * Spec 000 §3. Every edge the kernel may take, and no other. Besides the main line:
 * - `blocked`: stopped before any tool call (kill switch, policy, identity, idempotency refusal);
 * - identity_verified → confirmed_success: the object already exists (dedupe pre-check or a
 *   key that already succeeded) — no attempt at all;
 * - unknown → confirmed_*: read-only verification resolved it;
 * - preflight_passed → queued: the identity read failed in passing (a rate limit, a 5xx): the
 *   budget slot is given back and the action waits for its `retry_at` — nothing was attempted;
 * - identity_verified → queued: the dedupe pre-check's read failed in passing, the same way: the
 *   key's claim is let go (its ledger entry says nothing happened) — nothing was attempted.
 */
export const TRANSITIONS: Readonly<Record<ActionState, readonly ActionState[]>> = {
  queued: ['preflight_passed', 'blocked'],
  preflight_passed: ['identity_verified', 'blocked', 'queued'],
  identity_verified: ['attempted', 'confirmed_success', 'blocked', 'queued'],
  attempted: ['confirmed_success', 'confirmed_failed', 'unknown'],
  unknown: ['confirmed_success', 'confirmed_failed'],
  confirmed_success: ['postcheck_complete'],
  confirmed_failed: ['postcheck_complete'],
  postcheck_complete: [],
  blocked: [],
};

export const TERMINAL_STATES: readonly ActionState[] = ['postcheck_complete', 'blocked'];

export function isLegalTransition(from: ActionState, to: ActionState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws IllegalTransitionError for an edge the table does not have (a skipped state included). */
export function assertTransition(from: ActionState, to: ActionState): void {
  if (!isLegalTransition(from, to)) throw new IllegalTransitionError(from, to);
}
