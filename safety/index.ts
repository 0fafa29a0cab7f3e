export * from './errors.js';
export { TRANSITIONS, TERMINAL_STATES, assertTransition, isLegalTransition } from './state-machine.js';
export { idempotencyKey, payloadHash, scopedCallerKey, type KeyParts } from './keys.js';
export { backoffDelay, retryDelay, parseRetryAfter, sleep, type BackoffOptions } from './retry.js';
export { evaluatePolicy, type PolicyVerdict, type PolicyCheck, type PolicyInput } from './policy.js';
export { inQuietHours, quietHoursEnd, localMinutes } from './quiet-hours.js';
export { checkKillSwitches, checkGates, type Checkpoint, type Holder } from './context.js';
export { absenceProof, absenceRuleFor, nextLook, type AbsenceVerdict } from './absence.js';
export { buildAuditEvent, verifyAuditChain, walkAuditChain, exportAuditJsonl, KERNEL_VERSION, type ChainVerdict, type WalkOptions } from './audit.js';
export { loadOrCreateAuditKey, loadOrCreateEd25519Key, parseEd25519Hex, readAuditPublicKey, auditKeyPaths, keyIdOf, AuditKeyError, type AuditPublicKey, type AuditSigningKey } from './audit-key.js';
export { makeCheckpoint, startCheckpointing, signCheckpoint, checkpointBytes, checkpointSignatureOk, checkpointFile, readCheckpointFile, parseCheckpointLine, AnchorError, CHECKPOINT_FILE, type Checkpointing, type CheckpointOptions } from './checkpoint.js';
export { verifyAnchoredAudit, type AnchoredVerdict, type AnchoredVerifyOptions } from './anchor.js';
export { describeAnchoredVerdict } from './anchor-report.js';
export { crossCheckActions, pathOf, type CrossCheckReport } from './audit-cross-check.js';
export { createLogger, logContext, type Logger, type LoggerOptions } from './log.js';
export { createTelemetry, traceFields, type Telemetry, type TelemetryOptions } from './telemetry.js';
export type * from './performer.js';
export { resultOf } from './performer.js';
export type { KernelDeps, KernelSettings } from './deps.js';
export { runAction, type RunOutcome, type RunStatus, type RunOptions } from './run-action.js';
export { resolveUnknown, resolveEscalation, sweepUnknown, unknownDueForLook, succeeded, type HumanResolution, type SweepReport } from './verification.js';
export { recoverInterrupted, type RecoveryReport } from './recovery.js';
export { requeueInterrupted, currentDependency, MAX_INTERRUPTIONS } from './requeue.js';
export { expireOverdue, type ExpiryReport } from './expiry.js';
export { newOwnerId, ownerIsGone, ensureOwner, stopOwner } from './owner.js';
export { settle, type Settled } from './settle.js';
export { submitAction, approveAction, SubmitInput } from './submit.js';
export {
  cancelAction, rescheduleAction, editAction, updateQueuedAction, approveQueuedAction, approvalState, ScheduleConflictError,
  CancelInput, RescheduleInput, EditInput, UpdateInput, ApproveInput, type ApprovalState, type ApprovalStatus,
} from './schedule.js';
export { PAYLOAD_SCHEMAS } from './payloads.js';
// Domain records flows and lanes work with (they may import safety, not store).
export type { Action, ActionType, PlatformAccount, Platform, Lane, Fingerprint, ActionResult } from '../store/index.js';
