import { TransientError, PlatformRefusalError, CheckpointError, AuthExpiredError, OutcomeUnknownError } from '../../safety/index.js';
import type { Action, AbsenceRule, ActionContext, AttemptReceipt, IdentityProof, Performer, Precheck, Verification, VerifyLook } from '../../safety/index.js';

/**
 * How one call of `attempt` behaves:
 * - ok: commits the effect and returns a receipt;
 * - not_sent: fails before anything reaches the platform (retryable);
 * - rate_limited: a 429 with Retry-After (retryable, no effect);
 * - applied_then_error: commits, then the answer is lost (ambiguous);
 * - error_before_commit: a 5xx with no effect (ambiguous to the caller);
 * - refused: a definite refusal (no effect);
 * - checkpoint / auth_expired: platform friction (no effect);
 * - no_receipt: commits but returns a receipt the platform does not show yet;
 * - applied_then_checkpoint: commits, then a checkpoint shows (friction after the commit click);
 * - phantom_success: a receipt with an id, and nothing applied (the platform said "done");
 * - phantom_failure: a 500 shown, and the effect applied all the same;
 * - unguarded: commits without calling beforeCommit() (a lane bug the kernel must refuse).
 */
export type AttemptScript = 'ok' | 'not_sent' | 'rate_limited' | 'applied_then_error' | 'error_before_commit' | 'refused' | 'checkpoint'
  | 'auth_expired' | 'no_receipt' | 'applied_then_checkpoint' | 'phantom_success' | 'phantom_failure' | 'unguarded';

export interface FakePlatformOptions {
  attempts?: AttemptScript[];
  retryAfterMs?: number;
  identity?: IdentityProof | Error;
  /** How many verify calls answer `inconclusive` before the platform's view is told. */
  inconclusiveVerifies?: number;
  /** Called right before the commit check; tests flip kill switches here. */
  onBeforeCommit?: () => Promise<void> | void;
  /** Called after the effect is applied (past the last check). */
  onCommitted?: () => Promise<void> | void;
  /** Called when attempt starts, before anything else (tests stall a slow attempt here). */
  onAttempt?: () => Promise<void> | void;
  /** Called when the identity check starts (tests stall a run before its ledger claim here). */
  onIdentity?: () => Promise<void> | void;
  precheckThrows?: boolean;
  /** The pre-check's first N reads fail in passing (a 503 on the listing): TransientError. */
  precheckTransient?: number;
  /**
   * Read-after-write lag, as on the real platforms: a new effect shows on the listing surface
   * (feed, grid, search) `listMs` after it landed, and by its id `byIdMs` after.
   * @default { listMs: 1000, byIdMs: 0 }
   */
  lag?: { listMs: number; byIdMs?: number };
  /** The listing can identify an effect precisely (a platform with client tokens); else it matches content only. @default false */
  listingPrecise?: boolean;
  /** The platform takes effects back this long after they landed (they vanish from every surface). */
  revertAfterMs?: number;
  /** The absence rule this lane declares. */
  absence?: Partial<AbsenceRule>;
}

/** The ground truth of a fake platform: every effect it applied. Tests read it; the kernel never does. */
export interface Effect {
  action_id: string;
  account_id: string;
  payload_hash: string;
  object_id: string;
  /** The platform's clock when it landed (ms). */
  at: number;
}

/**
 * A Performer over an in-memory platform that knows which effects really happened but shows
 * the kernel only what a real platform would: new objects appear on listings after a lag, by
 * id once an id is known, content matches are not identifications, receipts can lie.
 */
export class FakePlatform implements Performer {
  readonly tool = 'connector' as const;
  readonly toolVersion = '1.0.0';
  readonly effects: Effect[] = [];
  readonly calls = { identity: 0, precheck: 0, attempt: 0, verify: 0, beforeCommit: 0 };
  /** Actions the kernel said it was done with (Performer.release), in order. */
  readonly released: string[] = [];
  /** Surfaces the kernel asked for, in order. */
  readonly looks: (string | undefined)[] = [];
  private script: AttemptScript[];
  private inconclusiveLeft: number;
  private clock: () => number = Date.now;

  constructor(private readonly options: FakePlatformOptions = {}) {
    this.script = [...(options.attempts ?? [])];
    this.inconclusiveLeft = options.inconclusiveVerifies ?? 0;
  }

  /** The test harness hands over its clock, so lag follows the kernel's (virtual) time. */
  useClock(clock: () => number): void {
    this.clock = clock;
  }

  /** A platform hold (quota, rate-limit reset) the test announces; none by default. */
  hold?: Performer['hold'];

  absenceRule(): Partial<AbsenceRule> | undefined {
    return this.options.absence;
  }

  async verifyIdentity(ctx: ActionContext): Promise<IdentityProof> {
    this.calls.identity += 1;
    await this.options.onIdentity?.();
    if (this.options.identity instanceof Error) throw this.options.identity;
    return this.options.identity ?? {
      ok: true,
      signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }, { name: 'switcher', ok: true }],
      proofs: [{ kind: 'screenshot', ref: `proofs/${ctx.action.action_id}-identity.png`, sha256: 'a'.repeat(64) }],
    };
  }

  async precheck(ctx: ActionContext): Promise<Precheck> {
    this.calls.precheck += 1;
    if (this.options.precheckThrows) throw new Error('precheck surface did not load');
    if (this.calls.precheck <= (this.options.precheckTransient ?? 0)) throw new TransientError('listing answered 503', false, undefined, 503);
    // The pre-check reads the listing, like a lane that has no id yet.
    const found = this.visible(ctx, 'listing');
    return found ? { exists: true, ref: { platform_object_id: found.object_id } } : { exists: false };
  }

  async attempt(ctx: ActionContext): Promise<AttemptReceipt> {
    this.calls.attempt += 1;
    await this.options.onAttempt?.();
    const step = this.script.shift() ?? 'ok';
    switch (step) {
      case 'not_sent': throw new TransientError('connection refused', false);
      case 'rate_limited': throw new TransientError('429 too many requests', false, this.options.retryAfterMs ?? 1000, 429);
      case 'error_before_commit': throw new TransientError('503 service unavailable', true, undefined, 503);
      case 'refused': throw new PlatformRefusalError('400 invalid media', 400, '100');
      case 'checkpoint': throw new CheckpointError('checkpoint interstitial');
      case 'auth_expired': throw new AuthExpiredError('token expired (190)');
      default: break;
    }
    this.calls.beforeCommit += 1;
    await this.options.onBeforeCommit?.();
    if (step !== 'unguarded') await ctx.beforeCommit();
    if (step === 'phantom_success') return { platform_object_id: `obj_phantom_${this.calls.attempt}`, request_id: `req-phantom`, http_status: 200 };
    const effect = this.apply(ctx);
    await this.options.onCommitted?.();
    if (step === 'applied_then_error') throw new TransientError('socket hang up', true);
    if (step === 'phantom_failure') throw new TransientError('500 internal error', true, undefined, 500);
    if (step === 'no_receipt') throw new OutcomeUnknownError('no receipt shown');
    if (step === 'applied_then_checkpoint') throw new OutcomeUnknownError('checkpoint after the commit click', 'read_only');
    return { platform_object_id: effect.object_id, request_id: `req-${this.effects.length}`, http_status: 200 };
  }

  /**
   * One look, through the platform's eyes. By id (precise) when the kernel has an id, else the
   * listing (a content match, precise only when `listingPrecise`). Lag hides new effects.
   */
  async release(action: Action): Promise<void> {
    this.released.push(action.action_id);
  }

  async verify(ctx: ActionContext, receipt?: AttemptReceipt, look?: VerifyLook): Promise<Verification> {
    this.calls.verify += 1;
    this.looks.push(look?.surface);
    if (this.inconclusiveLeft > 0) {
      this.inconclusiveLeft -= 1;
      return { outcome: 'inconclusive', level: 1 };
    }
    const id = receipt?.platform_object_id ?? ctx.action.result.platform_object_id;
    const surface = look?.surface ?? (id ? 'by_id' : 'listing');
    if (surface === 'by_id') {
      if (!id) return { outcome: 'inconclusive', level: 0, surface };
      const found = this.visible(ctx, 'by_id', id);
      return found
        ? { outcome: 'present', level: 2, surface, precise: true, platform_object_id: found.object_id, permalink: `https://fake.example/p/${found.object_id}` }
        : { outcome: 'absent', level: 0, surface, precise: true };
    }
    const found = this.visible(ctx, 'listing');
    return found
      ? { outcome: 'present', level: 2, surface, precise: this.options.listingPrecise === true, platform_object_id: found.object_id, permalink: `https://fake.example/p/${found.object_id}` }
      : { outcome: 'absent', level: 0, surface, precise: this.options.listingPrecise === true };
  }

  effectsFor(accountId: string): Effect[] {
    return this.effects.filter((e) => e.account_id === accountId);
  }

  /** What the platform shows now on a surface: landed, past the surface's lag, not reverted. */
  private visible(ctx: ActionContext, surface: 'listing' | 'by_id', id?: string): Effect | undefined {
    const now = this.clock();
    const lag = surface === 'listing' ? this.options.lag?.listMs ?? 1000 : this.options.lag?.byIdMs ?? 0;
    return this.effects.find((e) =>
      (id ? e.object_id === id : e.payload_hash === ctx.action.payload_hash)
      && e.account_id === ctx.action.platform_account_id
      && now >= e.at + lag
      && (this.options.revertAfterMs === undefined || now < e.at + this.options.revertAfterMs));
  }

  private apply(ctx: ActionContext): Effect {
    const effect = {
      action_id: ctx.action.action_id, account_id: ctx.action.platform_account_id,
      payload_hash: ctx.action.payload_hash, object_id: `obj_${this.effects.length + 1}`, at: this.clock(),
    };
    this.effects.push(effect);
    return effect;
  }
}
