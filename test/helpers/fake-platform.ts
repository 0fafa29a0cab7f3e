import { TransientError, PlatformRefusalError, CheckpointError, AuthExpiredError, OutcomeUnknownError } from '../../safety/index.js';
import type { ActionContext, AttemptReceipt, IdentityProof, Performer, Precheck, Verification } from '../../safety/index.js';

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
 * - applied_then_checkpoint: commits, then a checkpoint shows (friction after the commit click).
 */
export type AttemptScript = 'ok' | 'not_sent' | 'rate_limited' | 'applied_then_error' | 'error_before_commit' | 'refused' | 'checkpoint' | 'auth_expired' | 'no_receipt' | 'applied_then_checkpoint';

export interface FakePlatformOptions {
  attempts?: AttemptScript[];
  retryAfterMs?: number;
  identity?: IdentityProof | Error;
  /** How many verify calls answer `inconclusive` before the truth is told. */
  inconclusiveVerifies?: number;
  /** Called right before the commit check; tests flip kill switches here. */
  onBeforeCommit?: () => Promise<void> | void;
  /** Called after the effect is applied (past the last check). */
  onCommitted?: () => Promise<void> | void;
  precheckThrows?: boolean;
}

/** The ground truth of a fake platform: every effect it applied, keyed by payload hash. */
export interface Effect {
  action_id: string;
  account_id: string;
  payload_hash: string;
  object_id: string;
}

/** A Performer over an in-memory platform that knows which effects really happened. */
export class FakePlatform implements Performer {
  readonly tool = 'connector' as const;
  readonly toolVersion = '1.0.0';
  readonly effects: Effect[] = [];
  readonly calls = { identity: 0, precheck: 0, attempt: 0, verify: 0, beforeCommit: 0 };
  private script: AttemptScript[];
  private inconclusiveLeft: number;

  constructor(private readonly options: FakePlatformOptions = {}) {
    this.script = [...(options.attempts ?? [])];
    this.inconclusiveLeft = options.inconclusiveVerifies ?? 0;
  }

  async verifyIdentity(ctx: ActionContext): Promise<IdentityProof> {
    this.calls.identity += 1;
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
    const found = this.find(ctx);
    return found ? { exists: true, ref: { platform_object_id: found.object_id } } : { exists: false };
  }

  async attempt(ctx: ActionContext): Promise<AttemptReceipt> {
    this.calls.attempt += 1;
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
    await ctx.beforeCommit();
    const effect = this.apply(ctx);
    await this.options.onCommitted?.();
    if (step === 'applied_then_error') throw new TransientError('socket hang up', true);
    if (step === 'no_receipt') throw new OutcomeUnknownError('no receipt shown');
    if (step === 'applied_then_checkpoint') throw new OutcomeUnknownError('checkpoint after the commit click', 'read_only');
    return { platform_object_id: effect.object_id, request_id: `req-${this.effects.length}`, http_status: 200 };
  }

  async verify(ctx: ActionContext): Promise<Verification> {
    this.calls.verify += 1;
    if (this.inconclusiveLeft > 0) {
      this.inconclusiveLeft -= 1;
      return { outcome: 'inconclusive', level: 1 };
    }
    const found = this.find(ctx);
    return found
      ? { outcome: 'present', level: 2, platform_object_id: found.object_id, permalink: `https://fake.example/p/${found.object_id}` }
      : { outcome: 'absent', level: 0 };
  }

  effectsFor(accountId: string): Effect[] {
    return this.effects.filter((e) => e.account_id === accountId);
  }

  private find(ctx: ActionContext): Effect | undefined {
    return this.effects.find((e) => e.payload_hash === ctx.action.payload_hash && e.account_id === ctx.action.platform_account_id);
  }

  private apply(ctx: ActionContext): Effect {
    const effect = {
      action_id: ctx.action.action_id, account_id: ctx.action.platform_account_id,
      payload_hash: ctx.action.payload_hash, object_id: `obj_${this.effects.length + 1}`,
    };
    this.effects.push(effect);
    return effect;
  }
}
