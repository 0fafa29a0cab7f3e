import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { BudgetRefusedError, type Action, type ActionState, type ClaimOutcome, type PlatformAccount } from '../store/index.js';
import { createActionContext, checkKillSwitches, type EpisodeContext } from './context.js';
import type { KernelDeps } from './deps.js';
import { classify, errorCode, IdempotencyError, KillSwitchError, type Disposition } from './errors.js';
import { evaluatePolicy } from './policy.js';
import { resultOf, type AttemptReceipt, type Performer, type Verification } from './performer.js';
import { retryDelay, sleep as defaultSleep } from './retry.js';
import { ActionTracker, type MoveOptions } from './tracker.js';
import { resolveUnknown, succeeded } from './verification.js';

export type RunStatus = 'confirmed_success' | 'confirmed_failed' | 'unknown' | 'blocked' | 'deferred';

export interface RunOutcome {
  status: RunStatus;
  action: Action;
  /** Why it was blocked, deferred or failed (a stable code, then detail). */
  reason?: string;
  /** When a deferred action may run again. */
  retry_at?: string;
  /** The earlier action this one duplicates: its result is returned, nothing is attempted. */
  duplicate_of?: string;
}

export interface RunOptions {
  /** Run the read-only verification loop of an `unknown` outcome before returning. @default true */
  verifyInline?: boolean;
}

/**
 * The one path of a side effect (DESIGN.md "The kernel"): kill switches and policy, identity,
 * idempotency claim, dedupe pre-check, write-ahead `attempted`, attempt, verification.
 * Every transition is persisted with its AuditEvent before the next step starts.
 */
export async function runAction(k: KernelDeps, actionId: string, options: RunOptions = {}): Promise<RunOutcome> {
  const start = performance.now();
  const action = await k.store.actions.get(actionId);
  if (!action) throw new Error(`action ${actionId} not found`);
  const attributes = {
    episode_id: action.episode_id, action_id: action.action_id, client_id: action.client_id,
    platform_account_id: action.platform_account_id, 'raize.platform': action.platform,
    'raize.lane': action.lane, 'raize.action_type': action.action_type,
  };
  return k.telemetry.tracer.startActiveSpan('side_effect.action', { attributes }, async (span) => {
    try {
      const outcome = await new ActionRun(k, action, span, options).run();
      span.setAttribute('raize.outcome', outcome.status);
      if (outcome.status === 'confirmed_success') k.telemetry.success.add(1, { platform: action.platform, action_type: action.action_type });
      if (outcome.status === 'unknown') k.telemetry.unknown.add(1, { platform: action.platform, action_type: action.action_type });
      return outcome;
    } catch (error) {
      span.recordException({ name: (error as Error)?.name ?? 'Error', message: errorCode(error) });
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(error) });
      throw error;
    } finally {
      k.telemetry.latency.record(performance.now() - start, { platform: action.platform, action_type: action.action_type });
      span.end();
    }
  });
}

class ActionRun {
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly tracker: ActionTracker;
  private readonly log;
  private budgetReserved = false;

  constructor(private readonly k: KernelDeps, action: Action, private readonly span: Span, private readonly options: RunOptions) {
    this.now = k.now ?? (() => new Date());
    this.sleep = k.sleep ?? defaultSleep;
    this.tracker = new ActionTracker(k.store, action, this.now);
    this.log = k.logger.child({
      episode_id: action.episode_id, action_id: action.action_id, client_id: action.client_id,
      platform_account_id: action.platform_account_id, action_type: action.action_type,
    });
  }

  private get action(): Action {
    return this.tracker.action;
  }

  async run(): Promise<RunOutcome> {
    if (this.action.state !== 'queued') {
      return { status: 'blocked', action: this.action, reason: `not_queued: action is ${this.action.state}` };
    }
    const account = await this.k.store.accounts.get(this.action.platform_account_id);
    if (!account) return this.block(`account_missing: ${this.action.platform_account_id}`);

    const gate = await this.preflight(account);
    if (gate) return gate;

    const performer = this.k.performers(this.action);
    const tool = { name: performer.tool, version: performer.toolVersion };
    const ctx = createActionContext({
      store: this.k.store,
      action: () => this.action,
      account,
      deadline: Date.now() + this.k.settings.actionDeadlineMs,
      logger: this.log,
      addProof: (p) => this.tracker.addProof(p),
    });
    try {
      const identity = await this.identity(performer, ctx, account, tool);
      if ('outcome' in identity) return identity.outcome;
      const claim = await this.claim(identity.claim);
      if (claim) return claim;
      const existing = await this.precheck(performer, ctx, account, tool);
      if (existing) return existing;
      return await this.attemptAndVerify(performer, ctx, account, tool);
    } finally {
      ctx.dispose();
    }
  }

  /** Step 1: kill switches (check 1), dependency, policy gate, budget reservation. */
  private async preflight(account: PlatformAccount): Promise<RunOutcome | null> {
    try {
      await checkKillSwitches(this.k.store, this.action, 'before_preflight');
    } catch (error) {
      return this.block(`kill_switch: ${(error as Error).message}`);
    }
    if (this.action.depends_on) {
      const dependency = await this.k.store.actions.get(this.action.depends_on);
      if (!dependency) return this.block(`dependency_missing: ${this.action.depends_on}`);
      if (!succeeded(dependency)) {
        const settledBad = dependency.state === 'blocked' || (dependency.state === 'postcheck_complete' && dependency.result.error_code) || dependency.state === 'confirmed_failed';
        if (settledBad) return this.block(`dependency_failed: ${dependency.action_id} is ${dependency.state}`);
        // Invariant E: never proceed past a dependency that is unknown or still running.
        return this.defer(`dependency_pending: ${dependency.action_id} is ${dependency.state}`);
      }
    }
    const policy = await this.k.store.policies.current(this.action.client_id);
    if (!policy) return this.block('no_policy: the client has no policy');
    const approvals = await this.k.store.actions.approvals(this.action.action_id);
    const now = this.now();
    const verdict = evaluatePolicy({ action: this.action, account, policy, approvals, now });
    if (!verdict.ok) {
      const reason = `${verdict.check}: ${verdict.reason}`;
      return verdict.disposition === 'defer' ? this.defer(reason, verdict.retry_at) : this.block(reason);
    }
    try {
      // The budget slot is reserved in the same transaction as the move: both or neither.
      await this.tracker.move('preflight_passed', {
        patch: { policy_snapshot_id: policy.policy_id }, reason: 'policy gate passed',
        reserve: { platform_account_id: this.action.platform_account_id, action_type: this.action.action_type, at: now },
      });
    } catch (error) {
      if (error instanceof BudgetRefusedError) return this.defer(`budget_exhausted: ${error.rule}`, error.retryAt);
      throw error;
    }
    this.budgetReserved = true;
    return null;
  }

  /**
   * Step 2: identity against the stored fingerprint (§4), then the idempotency claim. The move
   * to identity_verified and the claim are issued together so they share one commit; the move
   * is queued first, and whatever the claim says, identity was verified.
   */
  private async identity(performer: Performer, ctx: EpisodeContext, account: PlatformAccount, tool: ToolInfo): Promise<{ outcome: RunOutcome } | { claim: ClaimOutcome }> {
    let proof;
    try {
      proof = await performer.verifyIdentity(ctx);
    } catch (error) {
      const d = classify(error);
      if (d.kind === 'failed' && d.degrade) await this.degrade(account, d.degrade, `identity check: ${d.code}`);
      return { outcome: await this.block(`identity_error: ${errorCode(error)}`, { tool }) };
    }
    for (const p of proof.proofs ?? []) this.tracker.addProof(p);
    if (!proof.ok) {
      const failed = proof.signals.filter((s) => !s.ok).map((s) => s.name).join(', ');
      await this.degrade(account, 'needs_human', `identity mismatch (${failed})`);
      return { outcome: await this.block(`identity_mismatch: ${failed || 'fewer than 2 of 3 signals'}`, { tool, identityOk: false }) };
    }
    const [, claim] = await Promise.all([
      this.tracker.move('identity_verified', { identityOk: true, tool, reason: `identity: ${proof.signals.filter((s) => s.ok).map((s) => s.name).join(', ')}` }),
      this.k.store.ledger.claim({ key: this.action.idempotency_key, payload_hash: this.action.payload_hash, action_id: this.action.action_id }),
    ]);
    return { claim };
  }

  /** Step 3: the outcome of the idempotency claim (one atomic statement). */
  private async claim({ won, entry }: ClaimOutcome): Promise<RunOutcome | null> {
    if (won) return null;
    if (entry.payload_hash !== this.action.payload_hash) {
      return this.block(`idempotency_error: ${new IdempotencyError(this.action.idempotency_key).message}`);
    }
    if (entry.status === 'succeeded') {
      // The effect already happened under this key: return its result, attempt nothing.
      await this.releaseBudget();
      const result = { ...entry.result, duplicate_of: entry.action_id };
      await this.tracker.moveThrough([['confirmed_success', { patch: { result }, reason: `duplicate: key already succeeded as ${entry.action_id}` }], ['postcheck_complete', { reason: 'duplicate: stored result returned' }]]);
      return { status: 'confirmed_success', action: this.action, reason: 'duplicate', duplicate_of: entry.action_id };
    }
    // In flight elsewhere, or unknown: only verification may settle it, never a second attempt.
    if (entry.status === 'unknown') {
      const original = await resolveUnknown(this.k, entry.action_id, { maxTries: 1 });
      if (original && succeeded(original)) {
        await this.releaseBudget();
        const result = { ...original.result, duplicate_of: original.action_id };
        await this.tracker.moveThrough([['confirmed_success', { patch: { result }, reason: `duplicate: verification found ${original.action_id} succeeded` }], ['postcheck_complete', { reason: 'duplicate: verified result returned' }]]);
        return { status: 'confirmed_success', action: this.action, reason: 'duplicate', duplicate_of: original.action_id };
      }
    }
    const outcome = await this.block(`duplicate_pending: key is ${entry.status} under ${entry.action_id}`);
    return { ...outcome, duplicate_of: entry.action_id };
  }

  /** Step 4: the dedupe pre-check (§5.3): an object that already exists is a success, no attempt. */
  private async precheck(performer: Performer, ctx: EpisodeContext, account: PlatformAccount, tool: ToolInfo): Promise<RunOutcome | null> {
    let pre;
    try {
      pre = await performer.precheck(ctx);
    } catch (error) {
      // Friction met while looking (a checkpoint, an expired session) degrades the account like anywhere else.
      const d = classify(error);
      if (d.kind === 'failed' && d.degrade) await this.degrade(account, d.degrade, `precheck: ${d.code}`);
      // Cannot prove the object is absent: attempting could duplicate it.
      return this.block(`precheck_failed: ${errorCode(error)}`, { tool, ledger: 'failed' });
    }
    if (!pre.exists) return null;
    await this.releaseBudget();
    const result = resultOf(pre.ref, pre.level ?? 2);
    await this.tracker.moveThrough([['confirmed_success', { patch: { result }, ledger: 'succeeded', tool, reason: 'precheck: object already exists' }], ['postcheck_complete', { reason: 'precheck: existing object recorded' }]]);
    return { status: 'confirmed_success', action: this.action, reason: 'already_exists' };
  }

  /** Steps 5–6: kill switch check 2, write-ahead `attempted`, attempt with bounded retries, verify. */
  private async attemptAndVerify(performer: Performer, ctx: EpisodeContext, account: PlatformAccount, tool: ToolInfo): Promise<RunOutcome> {
    const s = this.k.settings;
    let receipt: AttemptReceipt | undefined;
    let verified: (Verification & { failure?: string }) | undefined;
    let ambiguous: string | undefined;
    for (let n = 1; ; n += 1) {
      try {
        await checkKillSwitches(this.k.store, this.action, 'before_tool_call');
      } catch (error) {
        if (n === 1) return this.block(`kill_switch: ${(error as Error).message}`, { ledger: 'failed' });
        return this.fail(`kill_switch: ${(error as Error).message}`, 'kill_switch', tool);
      }
      const patch = { attempt_count: n, owner_id: this.k.ownerId, lease_expires_at: new Date(ctx.deadline).toISOString() };
      if (n === 1) {
        // Write-ahead: durable before the tool is called, so a crash leaves a trace to verify.
        await this.tracker.move('attempted', { patch, durable: true, tool, reason: 'attempt 1' });
      } else {
        await this.tracker.note(`retry: attempt ${n}`, { patch, durable: true, tool });
      }
      ctx.setAttempt(n);
      this.k.telemetry.attempts.add(1, { platform: this.action.platform, action_type: this.action.action_type });
      try {
        receipt = await performer.attempt(ctx);
        for (const p of receipt.proofs ?? []) this.tracker.addProof(p);
        break;
      } catch (error) {
        const d: Disposition = error instanceof KillSwitchError ? { kind: 'failed', code: 'kill_switch' } : classify(error);
        this.log.warn({ code: d.code, disposition: d.kind, attempt: n }, 'attempt failed');
        if (d.kind === 'failed') {
          if (d.degrade) await this.degrade(account, d.degrade, `attempt: ${d.code}`);
          return this.fail(`${d.code}: attempt ${n} refused`, d.code, tool);
        }
        if (d.kind === 'verify') {
          // Friction after the commit: the account stops, and the outcome is still looked for.
          if (d.degrade) await this.degrade(account, d.degrade, `attempt: friction after the commit (${errorCode(error)})`);
          // The effect may have happened: look before anything else.
          verified = await this.safeVerify(performer, ctx);
          if (verified.outcome === 'present') {
            // The outcome was unknown until verification saw the object: the audit says so.
            ambiguous = `${d.code}: no definite answer to attempt ${n}`;
            break;
          }
          if (verified.outcome === 'inconclusive') return this.toUnknown(performer, `${d.code}: outcome unknown after attempt ${n}${verified.failure ? ` (verification: ${verified.failure})` : ''}`, tool);
          // Absent on a degraded account: no retry until a human clears it.
          if (d.degrade) return this.fail(`friction_after_commit: verified absent after attempt ${n} (${(error as Error).message})`, 'friction_after_commit', tool);
          // Verification proved absence: a retry cannot duplicate.
        }
        if (n >= s.retryMaxAttempts) return this.fail(`retries_exhausted: ${d.code} after ${n} attempts`, d.code, tool);
        const delay = retryDelay(n - 1, { baseMs: s.retryBaseMs, capMs: s.retryCapMs }, d.retryAfterMs, this.k.random);
        await this.tracker.note(`backoff: ${d.code}, next attempt in ${delay} ms`, { tool });
        try {
          await this.sleep(delay, ctx.signal);
        } catch {
          return this.fail(`aborted: ${errorCode(ctx.signal.reason)} during backoff`, 'aborted', tool);
        }
      }
    }
    verified ??= await this.safeVerify(performer, ctx, receipt);
    if (verified.outcome === 'present' && verified.level >= 2) return this.succeed(verified, receipt, tool, ambiguous);
    const why = verified.failure ? ` (${verified.failure})` : '';
    return this.toUnknown(performer, `verification ${verified.outcome} at level ${verified.level}${why}`, tool, receipt);
  }

  /** The performer's verification; a thrown error is an inconclusive look, its code kept in `failure` for the audit. */
  private async safeVerify(performer: Performer, ctx: EpisodeContext, receipt?: AttemptReceipt): Promise<Verification & { failure?: string }> {
    try {
      const v = await performer.verify(ctx, receipt);
      for (const p of v.proofs ?? []) this.tracker.addProof(p);
      return v;
    } catch (error) {
      const failure = errorCode(error);
      this.log.warn({ code: failure }, 'verification failed');
      return { outcome: 'inconclusive', level: receipt ? 1 : 0, failure };
    }
  }

  private async succeed(v: Verification, receipt: AttemptReceipt | undefined, tool: ToolInfo, ambiguous?: string): Promise<RunOutcome> {
    const result = resultOf({ ...receipt, ...pickRef(v) }, v.level);
    await this.tracker.moveThrough([
      ...(ambiguous ? [['unknown', { ledger: 'unknown', tool, reason: ambiguous }] as [ActionState, MoveOptions]] : []),
      ['confirmed_success', { patch: { result }, ledger: 'succeeded', tool, reason: `verified at level ${v.level}` }],
      ['postcheck_complete', { reason: 'postcheck: object confirmed on the platform' }],
    ]);
    this.log.info({ level: v.level }, 'confirmed_success');
    return { status: 'confirmed_success', action: this.action };
  }

  private async fail(reason: string, code: string, tool: ToolInfo): Promise<RunOutcome> {
    await this.releaseBudget();
    const result = { ...this.action.result, error_code: code };
    await this.tracker.moveThrough([['confirmed_failed', { patch: { result }, ledger: 'failed', tool, reason }], ['postcheck_complete', { reason: 'postcheck: no effect on the platform' }]]);
    this.log.info({ code }, 'confirmed_failed');
    return { status: 'confirmed_failed', action: this.action, reason };
  }

  private async toUnknown(performer: Performer, reason: string, tool: ToolInfo, receipt?: AttemptReceipt): Promise<RunOutcome> {
    const result = { ...this.action.result, ...(receipt ? resultOf(receipt, 1) : {}) };
    await this.tracker.move('unknown', { patch: { result }, ledger: 'unknown', tool, reason });
    this.log.warn({ reason: reason.split(':')[0] }, 'outcome unknown');
    if (this.options.verifyInline === false) return { status: 'unknown', action: this.action, reason };
    const settled = await resolveUnknown(this.k, this.action.action_id, { performer });
    const final = settled ?? this.action;
    if (succeeded(final)) return { status: 'confirmed_success', action: final };
    if (final.state === 'unknown') return { status: 'unknown', action: final, reason };
    return { status: 'confirmed_failed', action: final, reason: final.result.error_code ?? reason };
  }

  private async block(reason: string, options: { tool?: ToolInfo; identityOk?: boolean; ledger?: 'failed' } = {}): Promise<RunOutcome> {
    await this.releaseBudget();
    const result = { ...this.action.result, error_code: reason.split(':')[0]! };
    await this.tracker.move('blocked', { patch: { result }, reason, tool: options.tool, identityOk: options.identityOk, ledger: options.ledger });
    this.span.addEvent('blocked', { reason: reason.split(':')[0]! });
    this.log.info({ reason: reason.split(':')[0] }, 'blocked before any tool call');
    return { status: 'blocked', action: this.action, reason };
  }

  private async defer(reason: string, retryAt?: string): Promise<RunOutcome> {
    await this.tracker.note(`deferred: ${reason}${retryAt ? ` until ${retryAt}` : ''}`);
    this.log.info({ reason: reason.split(':')[0], retry_at: retryAt }, 'deferred');
    return { status: 'deferred', action: this.action, reason, ...(retryAt ? { retry_at: retryAt } : {}) };
  }

  private async releaseBudget(): Promise<void> {
    if (!this.budgetReserved) return;
    await this.k.store.budgets.release(this.action.action_id);
    this.budgetReserved = false;
  }

  private async degrade(account: PlatformAccount, state: 'read_only' | 'needs_human' | 'reconnect_required', why: string): Promise<void> {
    if (state === 'reconnect_required') {
      // One expired session asks for a reconnect; repeated ones (§8.4) ask for a human.
      const { authFailureLimit, authFailureWindowMs } = this.k.settings;
      const n = await this.k.store.accounts.recordAuthFailure(account.platform_account_id, { at: this.now(), windowMs: authFailureWindowMs, action_id: this.action.action_id });
      if (n >= authFailureLimit) {
        state = 'read_only';
        why = `repeated auth failures (${n} within ${authFailureWindowMs >= 3_600_000 ? `${Math.round(authFailureWindowMs / 3_600_000)} h` : `${Math.round(authFailureWindowMs / 60_000)} min`}; last: ${why}): a human must check the account`;
      }
    }
    await this.k.store.accounts.setState(account.platform_account_id, state, `${why} (action ${this.action.action_id})`);
    this.log.warn({ state }, 'account degraded');
  }
}

type ToolInfo = { name: 'connector' | 'browser_runner'; version: string };

function pickRef(v: Verification): { platform_object_id?: string; permalink?: string } {
  const out: { platform_object_id?: string; permalink?: string } = {};
  if (v.platform_object_id) out.platform_object_id = v.platform_object_id;
  if (v.permalink) out.permalink = v.permalink;
  return out;
}
