import type { Action, ActionResult, ActionType, Platform, PlatformAccount } from '../store/index.js';

/** A pointer to a proof artifact: content-addressed, never the content itself. */
export interface ProofRef {
  kind: 'screenshot' | 'dom' | 'trace' | 'artifact' | 'request';
  /** Where to find it (a proof-store path, a request id, a URL). */
  ref: string;
  sha256?: string;
}

/** The episode context, first argument of every lane operation (like Playwright's `progress`). */
export interface ActionContext {
  readonly action: Action;
  readonly account: PlatformAccount;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Epoch ms by which the operation must be done. */
  readonly deadline: number;
  /** Aborts when the deadline passes or a kill switch is found engaged. */
  readonly signal: AbortSignal;
  /**
   * Kill-switch check 3 (§7): call immediately before the confirm/post/send click. Throws
   * KillSwitchError when a switch is engaged; nothing may be committed after it throws.
   */
  beforeCommit(): Promise<void>;
  /** How many times `beforeCommit()` passed in this attempt: a lane that committed without it is refused. */
  readonly commitChecks: number;
  /** Attach proof to the next audit event. */
  addProof(proof: ProofRef): void;
  /**
   * Keeps a platform-side intermediate id on the action (`result.lane_refs[name]`), durably and
   * audited, before the lane uses it: an Instagram container made for this action is reused by
   * any later attempt or look, never made twice. Refused outside an attempt.
   */
  keepRef(name: string, value: string): Promise<void>;
  /** A line for the action's log (structured, redacted); never put secrets or content in it. */
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface IdentityProof {
  ok: boolean;
  /** Each signal checked (§4.3: handle, avatar-or-name, switcher) and whether it matched. */
  signals: { name: string; ok: boolean }[];
  proofs?: ProofRef[];
}

export interface ObjectRef {
  platform_object_id?: string;
  permalink?: string;
}

export type Precheck = { exists: false } | { exists: true; ref: ObjectRef; level?: 2 | 3 };

export interface AttemptReceipt extends ObjectRef {
  /**
   * The platform's receipt named no object ("Your post has been shared."): the commit was
   * acknowledged; verification finds the object.
   */
  acknowledged?: boolean;
  request_id?: string;
  http_status?: number;
  proofs?: ProofRef[];
}

/**
 * §6.3 read-only outcome check. `present` needs level ≥ 2 (the platform shows the object);
 * `absent` means the platform provably has no such object (safe to attempt again);
 * `inconclusive` means we cannot tell yet.
 */
export interface Verification extends ObjectRef {
  outcome: 'present' | 'absent' | 'inconclusive';
  level: 0 | 1 | 2 | 3;
  proofs?: ProofRef[];
  /** The surface this look read ('grid', 'permalink', 'api_get', 'thread', …). */
  surface?: string;
  /**
   * The look identified the object precisely — by its id, or the exact state of one known object
   * (this post's like button) — not by a content match. Only precise looks can prove absence.
   */
  precise?: boolean;
}

/**
 * How a lane proves that an effect did not happen (DESIGN.md: absence is proven, never observed
 * once). Real platforms show a new object seconds after it exists, so one "not there" means
 * nothing: only `looks` precise looks, all after the attempt ended, the last of them after
 * `windowMs`, covering every surface listed, free an idempotency key or permit a retry.
 */
export interface AbsenceRule {
  /** How long after the attempt ended a new effect may still be invisible on the surfaces read. */
  windowMs: number;
  /** Precise "absent" looks needed after the attempt ended. */
  looks: number;
  /** Surfaces that must each show the object absent at least once after the window; [] = any. */
  surfaces: readonly string[];
}

/** Which look the kernel asks for: its number and, when the absence rule names surfaces, which one. */
export interface VerifyLook {
  n: number;
  surface?: string;
}

/** A lane. The kernel is its only caller. */
export interface Performer {
  /** Tool name and version for the audit record. */
  readonly tool: 'connector' | 'browser_runner';
  readonly toolVersion: string;
  verifyIdentity(ctx: ActionContext): Promise<IdentityProof>;
  precheck(ctx: ActionContext): Promise<Precheck>;
  attempt(ctx: ActionContext): Promise<AttemptReceipt>;
  verify(ctx: ActionContext, receipt?: AttemptReceipt, look?: VerifyLook): Promise<Verification>;
  /**
   * A hold the platform has announced that this action would run into (a publishing quota used
   * up in its window, a rate-limit reset still ahead): read-only, asked before anything is
   * claimed or reserved. The kernel defers the action until `until`; nothing is attempted.
   */
  hold?(ctx: ActionContext): Promise<PlatformHold | null>;
  /** How absence of this action type's effect is proven; fields left out take the kernel's defaults. */
  absenceRule?(actionType: ActionType, platform: Platform): Partial<AbsenceRule> | undefined;
  /**
   * The kernel is done with the action for now (its run, or a verification look, has ended):
   * the lane frees what it holds for it, such as a browser context. A later look opens a fresh one.
   */
  release?(action: Action): Promise<void>;
}

export interface PlatformHold {
  /** ISO time from which the action may run. */
  until: string;
  /** Names the hold (`content_publishing_limit 25/25`), never secrets or content. */
  reason: string;
}

/** Finds the performer for an action (by lane and platform). */
export type PerformerResolver = (action: Action) => Performer;

export function resultOf(ref: ObjectRef & { request_id?: string; http_status?: number }, level?: number): ActionResult {
  const out: ActionResult = {};
  if (ref.platform_object_id) out.platform_object_id = ref.platform_object_id;
  if (ref.permalink) out.permalink = ref.permalink;
  if (ref.request_id) out.request_id = ref.request_id;
  if (ref.http_status !== undefined) out.http_status = ref.http_status;
  if (level !== undefined) out.verification_level = level;
  return out;
}
