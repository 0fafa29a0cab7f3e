import type { KillScope } from '../store/index.js';
/**
 * Errors carry their meaning: each has a stable `code`, and `classify()` is the one place that
 * decides what the kernel does with a failure. Performers throw these (or plain errors, which
 * count as ambiguous: the effect may or may not have happened).
 */
export abstract class RaizeError extends Error {
  abstract readonly code: string;
  override get name(): string {
    return this.constructor.name;
  }
}

/** A policy check failed before any tool call. Not retried; the reason is recorded. */
export class PolicyDeniedError extends RaizeError {
  readonly code = 'policy_denied';
  constructor(readonly reason: string, message = `policy denied: ${reason}`) {
    super(message);
  }
}

/** A kill switch is engaged. Nothing is attempted; an action stopped before its commit click failed cleanly. */
export class KillSwitchError extends RaizeError {
  readonly code = 'kill_switch';
  constructor(readonly scope: KillScope, readonly scopeId: string, readonly checkpoint: string) {
    super(`kill switch engaged (${scope}${scope === 'global' ? '' : ` ${scopeId}`}) at ${checkpoint}`);
  }
}

/**
 * The account is no longer `active` (another action met a checkpoint, a human froze it): every
 * action on it that has not committed yet stops now (§8.4 "immediately"). Not retried.
 */
export class AccountNotActiveError extends RaizeError {
  readonly code = 'account_not_active';
  constructor(readonly accountId: string, readonly state: string, readonly checkpoint: string) {
    super(`account ${accountId} is ${state} at ${checkpoint}: no side effect until a human clears it`);
  }
}

/**
 * This kernel instance no longer owns the action (another owner took it over after its
 * heartbeat went stale; the fencing token moved on). It must not commit or write anything.
 */
export class OwnershipLostError extends RaizeError {
  readonly code = 'ownership_lost';
  constructor(readonly actionId: string, readonly checkpoint: string) {
    super(`action ${actionId} was taken over by another owner (seen at ${checkpoint}): nothing more is done here`);
  }
}

/**
 * A lane reached its commit without the kernel's last check (`beforeCommit()`), or committed
 * twice. The effect may have happened, so it is verified; the lane is stopped on the account.
 */
export class UnguardedCommitError extends RaizeError {
  readonly code = 'commit_unguarded';
  /**
   * @param sent whether anything may have reached the platform (false when the lane's guard
   *   stopped every unchecked request before it left: then there is nothing to verify).
   */
  constructor(message: string, readonly sent = true) {
    super(message);
  }
}

/** The platform shows another account than the stored fingerprint. The account goes to `needs_human`. */
export class IdentityMismatchError extends RaizeError {
  readonly code = 'identity_mismatch';
  constructor(readonly signals: string[], message = `identity mismatch: ${signals.join(', ') || 'no signal matched'}`) {
    super(message);
  }
}

/**
 * A look found this action's effect made as another account: the platform acted as someone else
 * at the commit (the session switched with the request already on its way). Never a success, and
 * not an absence either: the looks stop, the account goes to `needs_human`, and the action stays
 * `unknown`, escalated at once — a human must deal with the other account's object.
 */
export class WrongAccountEffectError extends RaizeError {
  readonly code = 'wrong_account_effect';
  /**
   * @param actedAs the account the object shows as its author (a handle; never a secret)
   * @param permalink where the human finds it
   */
  constructor(readonly actedAs: string, readonly permalink?: string) {
    super(`the effect was found made as another account (${actedAs})${permalink ? ` at ${permalink}` : ''}`);
  }
}

/** A budget window is full. Retry later, at `retryAt`: not a failure. */
export class BudgetExhaustedError extends RaizeError {
  readonly code = 'budget_exhausted';
  constructor(readonly rule: string, readonly retryAt: string) {
    super(`budget exhausted (${rule}); next slot at ${retryAt}`);
  }
}

/**
 * The outcome of an attempt cannot be known yet. Goes to read-only verification, never to a
 * second attempt. `degrade` carries friction met after the commit click (a checkpoint, a
 * drifted page): the account is degraded *and* the outcome is verified, since the effect may
 * have landed before the platform pushed back.
 */
export class OutcomeUnknownError extends RaizeError {
  readonly code = 'outcome_unknown';
  constructor(message: string, readonly degrade?: 'read_only' | 'needs_human' | 'reconnect_required') {
    super(message);
  }
}

/** The same idempotency key was used with a different payload (Stripe's `idempotency_error`). Never retried. */
export class IdempotencyError extends RaizeError {
  readonly code = 'idempotency_error';
  constructor(readonly key: string) {
    super(`idempotency key ${key} was already used with a different payload`);
  }
}

/** The UI layout matches no known version. Side effects stop on the platform; the account degrades to read-only. */
export class DriftError extends RaizeError {
  readonly code = 'drift';
}

/** A checkpoint, captcha or "action blocked" surface. The account degrades to read-only and needs a human. */
export class CheckpointError extends RaizeError {
  readonly code = 'checkpoint';
}

/** The platform rejected the credentials (token expired, session gone). The account needs reconnecting; no retry loop. */
export class AuthExpiredError extends RaizeError {
  readonly code = 'auth_expired';
}

/** The platform definitively refused the request (validation, permission). The effect did not happen; not retried. */
export class PlatformRefusalError extends RaizeError {
  readonly code = 'platform_refused';
  constructor(message: string, readonly httpStatus?: number, readonly platformCode?: string) {
    super(message);
  }
}

/**
 * A transient failure. `sent: false` means the request provably never reached the platform
 * (connection refused, 429, timeout before send) and may be retried after backoff; `sent: true`
 * (5xx, timeout after send, dropped connection) is ambiguous and needs verification first.
 */
export class TransientError extends RaizeError {
  readonly code = 'transient';
  constructor(message: string, readonly sent: boolean, readonly retryAfterMs?: number, readonly httpStatus?: number) {
    super(message);
  }
}

/** An action was asked to move along an edge the state machine does not have. Nothing is persisted. */
export class IllegalTransitionError extends RaizeError {
  readonly code = 'illegal_transition';
  constructor(readonly from: string | null, readonly to: string) {
    super(`illegal transition ${from ?? '(none)'} → ${to}`);
  }
}

/** Bad input at a boundary; names the field. */
export class ValidationError extends RaizeError {
  readonly code = 'validation_error';
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
  }
}

export type Disposition =
  /** The effect did not happen and trying again now will not help. */
  | { kind: 'failed'; code: string; degrade?: 'read_only' | 'needs_human' | 'reconnect_required' }
  /** The effect did not happen; try again after the delay (within the attempt cap). */
  | { kind: 'retry'; code: string; retryAfterMs?: number }
  /** The effect may have happened: verify (read-only) before anything else. */
  | { kind: 'verify'; code: string; retryAfterMs?: number; degrade?: 'read_only' | 'needs_human' | 'reconnect_required' };

/** The one function that decides what a failure of `attempt` means. */
export function classify(error: unknown): Disposition {
  if (error instanceof TransientError) {
    return error.sent
      ? { kind: 'verify', code: error.httpStatus ? `http_${error.httpStatus}` : 'transient_sent', retryAfterMs: error.retryAfterMs }
      : { kind: 'retry', code: error.httpStatus === 429 ? 'rate_limited' : 'transient_not_sent', retryAfterMs: error.retryAfterMs };
  }
  if (error instanceof KillSwitchError || error instanceof AccountNotActiveError || error instanceof OwnershipLostError) return { kind: 'failed', code: error.code };
  if (error instanceof UnguardedCommitError) return error.sent ? { kind: 'verify', code: error.code, degrade: 'read_only' } : { kind: 'failed', code: error.code, degrade: 'read_only' };
  if (error instanceof AuthExpiredError) return { kind: 'failed', code: error.code, degrade: 'reconnect_required' };
  if (error instanceof CheckpointError || error instanceof DriftError) return { kind: 'failed', code: error.code, degrade: 'read_only' };
  if (error instanceof IdentityMismatchError) return { kind: 'failed', code: error.code, degrade: 'needs_human' };
  if (error instanceof PlatformRefusalError || error instanceof PolicyDeniedError || error instanceof IdempotencyError) {
    return { kind: 'failed', code: error.code };
  }
  if (error instanceof BudgetExhaustedError) return { kind: 'failed', code: error.code };
  if (error instanceof OutcomeUnknownError && error.degrade) return { kind: 'verify', code: error.code, degrade: error.degrade };
  // Anything unrecognised (a timeout, a dropped connection, a bug after the click) may have
  // committed on the platform: only verification can tell.
  return { kind: 'verify', code: error instanceof RaizeError ? error.code : 'unclassified_error' };
}

/** Whether an error may be followed by another `attempt` without verifying first. */
export function canRetry(error: unknown): boolean {
  return classify(error).kind === 'retry';
}

export function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return 'unclassified_error';
}
