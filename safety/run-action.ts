import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { BudgetRefusedError, FencedError, StaleStateError, type Action, type ActionState, type ClaimOutcome, type PlatformAccount } from '../store/index.js';
import { bounded, checkGates, checkKillSwitches, createActionContext, type Checkpoint, type EpisodeContext, type Holder } from './context.js';
import { degradeAccount, type DegradedState } from './degrade.js';
import { releaseLane } from './release.js';
import type { KernelDeps } from './deps.js';
import {
  AccountNotActiveError, classify, errorCode, IdempotencyError, IdentityMismatchError, KillSwitchError, OwnershipLostError, TransientError,
  UnguardedCommitError, type Disposition,
} from './errors.js';
import { ensureOwner } from './owner.js';
import { evaluatePolicy } from './policy.js';
import { currentDependency } from './requeue.js';
import { inlineLookLeaseMs } from './look-claim.js';
import { markRunning } from './running.js';
import { resultOf, type AttemptReceipt, type Performer, type Verification } from './performer.js';
import { retryDelay, sleep as defaultSleep } from './retry.js';
import { settle } from './settle.js';
import { traceFields } from './telemetry.js';
import { ActionTracker, type MoveOptions } from './tracker.js';
import { resolveUnknown, succeeded } from './verification.js';

/** Time an attempt needs after a backoff, within the action's deadline. */
const DEADLINE_MARGIN_MS = 5_000;
/** When a deferral names no time (an approval, a dependency still settling), dispatch looks again after this. */
export const DEFER_RECHECK_MS = 30_000;

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
  const done = markRunning(k, actionId);
  try {
    return await runMarked(k, actionId, options);
  } finally {
    done();
  }
}

async function runMarked(k: KernelDeps, actionId: string, options: RunOptions): Promise<RunOutcome> {
  const start = performance.now();
  const action = await k.store.actions.get(actionId);
  if (!action) throw new Error(`action ${actionId} not found`);
  const attributes = {
    episode_id: action.episode_id, action_id: action.action_id, client_id: action.client_id,
    platform_account_id: action.platform_account_id, 'raize.platform': action.platform,
    'raize.lane': action.lane, 'raize.action_type': action.action_type,
  };
  await ensureOwner(k);
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
      await releaseLane(k, action);
    }
  });
}


/** Whether a failed attempt call reached the platform (which then counted it against the account). */
function reachedPlatform(error: unknown): boolean {
  // Stopped by a check before the commit: nothing left (an identity mismatch at beforeCommit included).
  if (error instanceof KillSwitchError || error instanceof AccountNotActiveError || error instanceof OwnershipLostError || error instanceof IdentityMismatchError) return false;
  if (error instanceof UnguardedCommitError) return error.sent;
  if (error instanceof TransientError && !error.sent) return error.httpStatus !== undefined;
  return true;
}

class ActionRun {
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly tracker: ActionTracker;
  private readonly log;
  private budgetReserved = false;
  /** Whether a lane attempt is running now (only then may it keep lane refs). */
  private attempting = false;
  /** Some attempt reached the platform: its budget slot is spent whatever the outcome. */
  private reached = false;
  /** The kernel's clock when the run started: the inline looks stop at this plus the deadline. */
  private readonly startedAt: number;

  constructor(private readonly k: KernelDeps, action: Action, private readonly span: Span, private readonly options: RunOptions) {
    this.now = k.now ?? (() => new Date());
    this.sleep = k.sleep ?? defaultSleep;
    this.startedAt = this.now().getTime();
    this.tracker = new ActionTracker(k.store, action, this.now, { lazy: true });
    this.log = k.logger.child({
      episode_id: action.episode_id, action_id: action.action_id, client_id: action.client_id,
      platform_account_id: action.platform_account_id, action_type: action.action_type, ...traceFields(span),
    });
  }

  private get action(): Action {
    return this.tracker.action;
  }

  private get holder(): Holder {
    return { owner_id: this.k.ownerId, fence: this.action.fence };
  }

  async run(): Promise<RunOutcome> {
    if (this.action.state !== 'queued') {
      return { status: 'blocked', action: this.action, reason: `not_queued: action is ${this.action.state}` };
    }
    const account = await this.k.store.accounts.get(this.action.platform_account_id);
    if (!account) return this.block(`account_missing: ${this.action.platform_account_id}`);

    try {
      const gate = await this.preflight(account);
      if (gate) return gate;

      const performer = this.k.performers(this.action);
      const tool = { name: performer.tool, version: performer.toolVersion };
      const ctx = createActionContext({
        action: () => this.action,
        account,
        deadline: Date.now() + this.k.settings.actionDeadlineMs,
        logger: this.log,
        addProof: (p) => this.tracker.addProof(p),
        gate: () => this.gate('before_commit', 'attempted'),
        keepRef: async (name, value) => {
          if (!this.attempting) throw new OwnershipLostError(this.action.action_id, 'keep_ref (outside an attempt)');
          const result = { ...this.tracker.action.result, lane_refs: { ...this.tracker.action.result.lane_refs, [name]: value } };
          await this.tracker.note(`kept ${name} ${value} before using it`, { patch: { result }, tool, durable: true });
        },
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
    } catch (error) {
      // A second delivery of the same action: another runner moved it out of `queued` first.
      if (error instanceof StaleStateError && error.expected === 'queued') {
        return { status: 'blocked', action: this.action, reason: `not_queued: another runner took it (${error.actual ?? 'missing'})` };
      }
      // Another owner took the action over (this one was presumed dead): write nothing more.
      if (error instanceof FencedError || error instanceof OwnershipLostError) {
        this.log.warn({ code: 'ownership_lost' }, 'action taken over by another owner; stopping here');
        return { status: 'unknown', action: this.action, reason: `ownership_lost: ${error.message}` };
      }
      throw error;
    }
  }

  /** Checks 2 and 3: kill switches, the account's state and this run's ownership, read together. */
  private gate(checkpoint: Checkpoint, expected: ActionState): Promise<void> {
    return checkGates(this.k.store, this.action.action_id, checkpoint, this.holder, expected);
  }

  /** Step 1: kill switches (check 1), dependency, policy gate, budget reservation. */
  private async preflight(account: PlatformAccount): Promise<RunOutcome | null> {
    try {
      await checkKillSwitches(this.k.store, this.action, 'before_preflight');
    } catch (error) {
      return this.block(`kill_switch: ${(error as Error).message}`);
    }
    if (this.action.depends_on) {
      const named = await this.k.store.actions.get(this.action.depends_on);
      if (!named || named.client_id !== this.action.client_id) return this.block(`dependency_missing: ${this.action.depends_on}`);
      // A dependency released as interrupted was queued again: this action follows its new request.
      const dependency = await currentDependency(this.k.store, named);
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
    const held = await this.platformHold(account);
    if (held) return held;
    try {
      // The budget slot is reserved in the same transaction as the move: both or neither. The
      // run owns the action from here: a crash before `attempted` is released by recovery.
      await this.tracker.move('preflight_passed', {
        patch: { policy_snapshot_id: policy.policy_id, owner_id: this.k.ownerId }, reason: 'policy gate passed',
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
   * A hold the platform announced (a quota used up, a rate-limit reset ahead), read before
   * anything is claimed or reserved: the action is deferred to its end, nothing is attempted.
   * A hold that cannot be read defers briefly; an expired credential degrades the account.
   */
  private async platformHold(account: PlatformAccount): Promise<RunOutcome | null> {
    const performer = this.k.performers(this.action);
    if (!performer.hold) return null;
    const ctx = createActionContext({
      action: () => this.action, account, deadline: Date.now() + Math.min(this.k.settings.actionDeadlineMs, 30_000), logger: this.log,
      addProof: (p) => this.tracker.addProof(p),
    });
    try {
      const hold = await bounded(performer.hold(ctx), ctx.signal, 'hold');
      return hold ? this.defer(`platform_hold: ${hold.reason}`, hold.until) : null;
    } catch (error) {
      const d = classify(error);
      if (d.kind === 'failed' && d.degrade) {
        await this.degrade(account, d.degrade, `platform hold: ${d.code}`);
        return this.block(`platform_hold_unreadable: ${d.code}`);
      }
      const retryAt = new Date(this.now().getTime() + (d.kind !== 'failed' && d.retryAfterMs ? d.retryAfterMs : this.k.settings.retryCapMs)).toISOString();
      return this.defer(`platform_hold_unreadable: ${errorCode(error)}`, retryAt);
    } finally {
      ctx.dispose();
    }
  }

  /**
   * Step 2: identity against the stored fingerprint (§4), then the idempotency claim. The move
   * to identity_verified and the claim are issued together so they share one commit; the move
   * is queued first, and whatever the claim says, identity was verified.
   */
  private async identity(performer: Performer, ctx: EpisodeContext, account: PlatformAccount, tool: ToolInfo): Promise<{ outcome: RunOutcome } | { claim: ClaimOutcome }> {
    let proof;
    try {
      proof = await bounded(performer.verifyIdentity(ctx), ctx.signal, 'identity');
    } catch (error) {
      // A read that failed in passing (a rate limit on the identity endpoint, a 5xx, a dropped
      // connection) proves nothing about the account and commits nothing: retry later (§8.3).
      if (error instanceof TransientError) return { outcome: await this.requeue(error, tool) };
      const d = classify(error);
      if (d.kind === 'failed' && d.degrade) await this.degrade(account, d.degrade, `identity check: ${d.code}`);
      return { outcome: await this.block(`identity_error: ${errorCode(error)}`, { tool }) };
    }
    for (const p of proof.proofs ?? []) this.tracker.addProof(p);
    // §4.3: at least two independent signals must match; a bare `ok` proves nothing.
    const matched = [...new Set(proof.signals.filter((s) => s.ok).map((s) => s.name))];
    if (!proof.ok || matched.length < 2) {
      const failed = proof.signals.filter((s) => !s.ok).map((s) => s.name).join(', ');
      await this.degrade(account, 'needs_human', `identity mismatch (${failed || `${matched.length} signal(s) matched`})`);
      return { outcome: await this.block(`identity_mismatch: ${failed || `fewer than 2 of 3 signals (${matched.length} matched)`}`, { tool, identityOk: false }) };
    }
    const [, claim] = await Promise.all([
      this.tracker.move('identity_verified', { identityOk: true, tool, reason: `identity: ${matched.join(', ')}` }),
      this.k.store.ledger.claim({ key: this.action.idempotency_key, payload_hash: this.action.payload_hash, action_id: this.action.action_id, fence: this.action.fence }),
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
      const original = await resolveUnknown(this.k, entry.action_id, { maxTries: 1, parent: this.span });
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
      pre = await bounded(performer.precheck(ctx), ctx.signal, 'precheck');
    } catch (error) {
      // A read that failed in passing proves nothing and commits nothing: look again later, a
      // few times, rather than lose the action to one 5xx (never attempt without the look).
      if (error instanceof TransientError && (await this.precheckDeferrals()) < this.k.settings.retryMaxAttempts) {
        return this.requeue(error, tool, 'precheck_unreadable');
      }
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

  /**
   * Steps 5–6: check 2, write-ahead `attempted`, attempt, then look for the effect. A retry
   * follows only a failure that provably never reached the platform, or an absence proven under
   * the performer's AbsenceRule; anything less ends `unknown`.
   */
  private async attemptAndVerify(performer: Performer, ctx: EpisodeContext, account: PlatformAccount, tool: ToolInfo): Promise<RunOutcome> {
    const s = this.k.settings;
    for (let n = 1; ; n += 1) {
      try {
        await this.gate('before_tool_call', n === 1 ? 'identity_verified' : 'attempted');
      } catch (error) {
        if (error instanceof OwnershipLostError) throw error;
        const code = errorCode(error);
        if (n === 1) return this.block(`${code}: ${(error as Error).message}`, { ledger: 'failed' });
        return this.fail(`${code}: ${(error as Error).message}`, code, tool);
      }
      // A new attempt starts with no receipt: an earlier attempt's object (proven absent) must
      // never be what a later look — after a crash, say — reads as this attempt's.
      const patch = { attempt_count: n, attempt_ended_at: null, absence: [], ...(n > 1 ? { result: withoutReceipt(this.action.result) } : {}) };
      if (n === 1) {
        // Write-ahead: durable before the tool is called, so a crash leaves a trace to verify.
        await this.tracker.move('attempted', { patch, durable: true, tool, reason: 'attempt 1' });
      } else {
        await this.tracker.note(`retry: attempt ${n}`, { patch, durable: true, tool });
      }
      ctx.setAttempt(n);
      this.k.telemetry.attempts.add(1, { platform: this.action.platform, action_type: this.action.action_type });
      let receipt: AttemptReceipt | undefined;
      let failure: unknown;
      try {
        this.attempting = true;
        try {
          receipt = await bounded(performer.attempt(ctx), ctx.signal, `attempt ${n}`);
        } finally {
          // A hung attempt the deadline abandoned cannot keep refs afterwards.
          this.attempting = false;
        }
        for (const p of receipt.proofs ?? []) this.tracker.addProof(p);
        // The kernel, not each lane, guarantees the last check before a commit.
        if (ctx.commitChecks === 0) {
          failure = new UnguardedCommitError(`${performer.tool} returned a receipt for attempt ${n} without calling beforeCommit()`);
          receipt = undefined;
        }
      } catch (error) {
        failure = error;
      }
      const endedAt = this.now().toISOString();
      if (failure === undefined) {
        this.reached = true;
        const found = await this.lookInline(performer, ctx, account, tool, endedAt, receipt);
        if (found.outcome === 'present') return this.succeed(found.verification, receipt, tool, undefined, endedAt);
        if (found.outcome === 'unknown') return this.toUnknown(performer, `verification after attempt ${n}: ${found.why}`, tool, receipt);
        // A receipt, then proven absence: the platform said "done" and nothing happened.
        if (n >= s.retryMaxAttempts) return this.fail(`retries_exhausted: receipt but absence proven after ${n} attempts`, 'phantom_receipt', tool);
        if (!(await this.backoff(n, 'phantom_receipt', undefined, ctx, tool))) return this.pastDeadline('phantom_receipt', undefined, n, tool);
        continue;
      }
      const d: Disposition = classify(failure);
      this.log.warn({ code: d.code, disposition: d.kind, attempt: n }, 'attempt failed');
      if (failure instanceof OwnershipLostError) throw failure;
      if (reachedPlatform(failure)) this.reached = true;
      if (d.kind === 'failed') {
        if (d.degrade) await this.degrade(account, d.degrade, `attempt: ${d.code}`);
        // The platform's own words, for the operator (lanes keep secrets and content out of error messages).
        const why = ((failure as Error)?.message ?? '').split('\n')[0]!.slice(0, 200);
        return this.fail(`${d.code}: attempt ${n} refused${why ? ` (${why})` : ''}`, d.code, tool, { patch: { attempt_ended_at: endedAt } });
      }
      if (d.kind === 'retry') {
        if (n >= s.retryMaxAttempts) return this.fail(`retries_exhausted: ${d.code} after ${n} attempts`, d.code, tool, { patch: { attempt_ended_at: endedAt } });
        await this.tracker.note(`attempt ${n}: ${d.code}, not sent`, { patch: { attempt_ended_at: endedAt }, tool });
        if (!(await this.backoff(n, d.code, d.retryAfterMs, ctx, tool))) return this.pastDeadline(d.code, d.retryAfterMs, n, tool);
        continue;
      }
      // The effect may have happened: the account stops if the platform pushed back after the
      // commit, and the effect is looked for before anything else.
      if (d.degrade) await this.degrade(account, d.degrade, `attempt: friction after the commit (${errorCode(failure)})`);
      await this.tracker.note(`attempt ${n}: ${d.code}, no definite answer; looking for the effect`, { patch: { attempt_ended_at: endedAt }, tool });
      const found = await this.lookInline(performer, ctx, account, tool, endedAt);
      const ambiguous = `${d.code}: no definite answer to attempt ${n}`;
      if (found.outcome === 'present') return this.succeed(found.verification, undefined, tool, ambiguous);
      if (found.outcome === 'unknown') return this.toUnknown(performer, `${d.code}: outcome unknown after attempt ${n} (${found.why})`, tool);
      // Absence proven. On a degraded account nothing more is tried until a human clears it.
      if (d.degrade) return this.fail(`friction_after_commit: absence proven after attempt ${n} (${(failure as Error).message})`, 'friction_after_commit', tool);
      if (n >= s.retryMaxAttempts) return this.fail(`retries_exhausted: ${d.code} after ${n} attempts (absence proven)`, d.code, tool);
      if (!(await this.backoff(n, d.code, d.retryAfterMs, ctx, tool))) return this.pastDeadline(d.code, d.retryAfterMs, n, tool);
    }
  }

  /**
   * Waits before the next attempt. A wait that would end past the action's deadline (a rate
   * limit resetting in an hour) is not slept through — the deadline would abort it and leave the
   * action `attempted` — so it answers false: the caller ends the action, nothing being live.
   */
  private async backoff(n: number, code: string, retryAfterMs: number | undefined, ctx: EpisodeContext, tool: ToolInfo): Promise<boolean> {
    const s = this.k.settings;
    const delay = retryDelay(n - 1, { baseMs: s.retryBaseMs, capMs: s.retryCapMs }, retryAfterMs, this.k.random);
    // The next attempt needs time of its own after the wait.
    if (Date.now() + delay + DEADLINE_MARGIN_MS > ctx.deadline) return false;
    await this.tracker.note(`backoff: ${code}, next attempt in ${delay} ms`, { tool });
    await this.sleep(delay, ctx.signal);
    return true;
  }

  private pastDeadline(code: string, retryAfterMs: number | undefined, n: number, tool: ToolInfo, patch?: MoveOptions['patch']): Promise<RunOutcome> {
    const when = retryAfterMs ? ` (the platform's reset is ${Math.ceil(retryAfterMs / 1000)} s away)` : '';
    return this.fail(`${code}: attempt ${n + 1} would start past the action's deadline${when}; nothing is live, submit again later`, code, tool, patch ? { patch } : {});
  }

  /** Looks for the effect within the action's deadline (the action stays `attempted`, owned and fenced). */
  private lookInline(performer: Performer, ctx: EpisodeContext, account: PlatformAccount, tool: ToolInfo, endedAt: string, receipt?: AttemptReceipt) {
    return settle(this.k, {
      performer, tracker: this.tracker, account, log: this.log, tool, receipt, endedAt, context: () => ctx,
      maxLooks: this.k.settings.verifyMaxTries, until: this.startedAt + this.k.settings.actionDeadlineMs,
      countTries: false, immediateFirst: true, label: 'look',
    });
  }

  private async succeed(v: Verification, receipt: AttemptReceipt | undefined, tool: ToolInfo, ambiguous?: string, endedAt?: string): Promise<RunOutcome> {
    const refs = this.action.result.lane_refs;
    const result = { ...resultOf({ ...receipt, ...pickRef(v) }, v.level), ...(refs ? { lane_refs: refs } : {}) };
    const ended = endedAt && this.action.attempt_ended_at !== endedAt ? { attempt_ended_at: endedAt } : {};
    await this.tracker.moveThrough([
      ...(ambiguous ? [['unknown', { ledger: 'unknown', tool, reason: ambiguous }] as [ActionState, MoveOptions]] : []),
      ['confirmed_success', { patch: { result, ...ended }, ledger: 'succeeded', tool, reason: `verified at level ${v.level}${v.surface ? ` on ${v.surface}` : ''}` }],
      ['postcheck_complete', { reason: 'postcheck: object confirmed on the platform' }],
    ]);
    this.log.info({ level: v.level }, 'confirmed_success');
    return { status: 'confirmed_success', action: this.action };
  }

  private async fail(reason: string, code: string, tool: ToolInfo, options: { patch?: MoveOptions['patch'] } = {}): Promise<RunOutcome> {
    await this.releaseBudget();
    const result = { ...this.action.result, error_code: code };
    await this.tracker.moveThrough([['confirmed_failed', { patch: { ...options.patch, result }, ledger: 'failed', tool, reason }], ['postcheck_complete', { reason: 'postcheck: no effect on the platform' }]]);
    this.log.info({ code }, 'confirmed_failed');
    return { status: 'confirmed_failed', action: this.action, reason };
  }

  private async toUnknown(performer: Performer, reason: string, tool: ToolInfo, receipt?: AttemptReceipt): Promise<RunOutcome> {
    const result = { ...this.action.result, ...(receipt ? resultOf(receipt, 1) : {}) };
    // This run looks next (inline): other hosts' sweeps leave the looks to it meanwhile.
    const inline = this.options.verifyInline === false ? {} : { lease_expires_at: new Date(this.now().getTime() + inlineLookLeaseMs(this.k.settings)).toISOString() };
    await this.tracker.move('unknown', { patch: { result, ...inline }, ledger: 'unknown', tool, reason });
    this.span.addEvent('unknown', { reason: reason.split(':')[0]! });
    this.log.warn({ reason: reason.split(':')[0] }, 'outcome unknown');
    if (this.options.verifyInline === false) return { status: 'unknown', action: this.action, reason };
    const settled = await resolveUnknown(this.k, this.action.action_id, { performer, parent: this.span });
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

  /**
   * Back to `queued` after the gate passed (the identity read failed in passing): the budget
   * slot is given back, the run lets go of the action, and it may run again at `retry_at` — the
   * platform's reset when it announced one, else the retry cap.
   */
  private async requeue(error: TransientError, tool: ToolInfo, what: 'identity_unreadable' | 'precheck_unreadable' = 'identity_unreadable'): Promise<RunOutcome> {
    const code = error.httpStatus === 429 ? 'rate_limited' : error.httpStatus ? `http_${error.httpStatus}` : 'transient';
    const retryAt = new Date(this.now().getTime() + (error.retryAfterMs ?? this.k.settings.retryCapMs)).toISOString();
    const reason = `${what}: ${code}`;
    await this.releaseBudget();
    // After identity the key was claimed: its entry says nothing happened, and the next run claims it again.
    await this.tracker.move('queued', {
      patch: { owner_id: null, not_before: retryAt }, tool, ...(what === 'precheck_unreadable' ? { ledger: 'failed' as const } : {}),
      reason: `deferred: ${reason} (${error.message.split('\n')[0]!.slice(0, 160)}) until ${retryAt}; nothing attempted`,
    });
    this.log.info({ reason: what, retry_at: retryAt }, 'deferred');
    return { status: 'deferred', action: this.action, reason, retry_at: retryAt };
  }

  /** How many times this action's pre-check read has failed in passing already (its audit trail). */
  private async precheckDeferrals(): Promise<number> {
    const trail = await this.k.store.audit.forAction(this.action.action_id);
    return trail.filter((r) => r.event.reason?.startsWith('deferred: precheck_unreadable')).length;
  }

  private async defer(reason: string, retryAt?: string): Promise<RunOutcome> {
    // Without a time of its own (an approval, a dependency), dispatch looks again a little later.
    const notBefore = retryAt ?? new Date(this.now().getTime() + DEFER_RECHECK_MS).toISOString();
    await this.tracker.note(`deferred: ${reason}${retryAt ? ` until ${retryAt}` : ''}`, { patch: { not_before: notBefore } });
    this.log.info({ reason: reason.split(':')[0], retry_at: retryAt }, 'deferred');
    return { status: 'deferred', action: this.action, reason, ...(retryAt ? { retry_at: retryAt } : {}) };
  }

  /** Gives the budget slot back, unless a call reached the platform (which counted it). */
  private async releaseBudget(): Promise<void> {
    if (!this.budgetReserved || this.reached) return;
    await this.k.store.budgets.release(this.action.action_id);
    this.budgetReserved = false;
  }

  private async degrade(account: PlatformAccount, state: DegradedState, why: string): Promise<void> {
    await degradeAccount(this.k, { accountId: account.platform_account_id, state, why, actionId: this.action.action_id, at: this.now(), log: this.log });
  }
}

type ToolInfo = { name: 'connector' | 'browser_runner'; version: string };

function pickRef(v: Verification): { platform_object_id?: string; permalink?: string } {
  const out: { platform_object_id?: string; permalink?: string } = {};
  if (v.platform_object_id) out.platform_object_id = v.platform_object_id;
  if (v.permalink) out.permalink = v.permalink;
  return out;
}

/** The result without an attempt's receipt (its object, URL, request, status and level). */
function withoutReceipt(result: Action['result']): Action['result'] {
  const { platform_object_id: _id, permalink: _url, request_id: _req, http_status: _status, verification_level: _level, ...rest } = result;
  return rest;
}
