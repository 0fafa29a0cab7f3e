import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Action } from '../store/index.js';
import { FencedError, newId, StaleStateError } from '../store/index.js';
import { bounded, createActionContext } from './context.js';
import { claimLook, heldElsewhere } from './look-claim.js';
import { ownerReader } from './owner.js';
import type { KernelDeps } from './deps.js';
import { errorCode } from './errors.js';
import { resultOf, type Performer } from './performer.js';
import { releaseLane } from './release.js';
import { claimedByAnother, LOOKS_PAUSED, settle } from './settle.js';
import { traceFields } from './telemetry.js';
import { ActionTracker } from './tracker.js';

/** Whether the attempt left a pointer to the object (an id or a permalink): looks by it can be precise. */
const hasRef = (action: Action) => Boolean(action.result.platform_object_id || action.result.permalink);

/** Whether an action's effect is confirmed on the platform. */
export function succeeded(action: Action): boolean {
  return (action.state === 'confirmed_success' || action.state === 'postcheck_complete') && !action.result.error_code;
}

export interface ResolveOptions {
  /** Tries in this call; defaults to what is left of the configured maximum. */
  maxTries?: number;
  performer?: Performer;
  /** The span this loop belongs to (the action's), when called from inside a run. */
  parent?: Span;
}

/**
 * The read-only verification loop of an `unknown` outcome (§6.3, Invariant E): look with
 * backoff; seen → confirmed_success; absence *proven* under the performer's AbsenceRule →
 * confirmed_failed (the key is freed for a later, safe attempt); anything less stays `unknown`
 * and is escalated to a human after the configured number of tries. Never calls `attempt`.
 * Returns the action as it stands, or null if it is missing.
 */
export async function resolveUnknown(k: KernelDeps, actionId: string, options: ResolveOptions = {}): Promise<Action | null> {
  const action = await k.store.actions.get(actionId);
  if (!action || action.state !== 'unknown') return action;
  const attributes = {
    episode_id: action.episode_id, action_id: action.action_id, client_id: action.client_id,
    platform_account_id: action.platform_account_id, 'raize.platform': action.platform, 'raize.action_type': action.action_type,
  };
  const parent = options.parent ? trace.setSpan(context.active(), options.parent) : context.active();
  return k.telemetry.tracer.startActiveSpan('side_effect.verify', { attributes }, parent, async (span) => {
    try {
      const settled = await verifyLoop(k, action, options, span);
      span.setAttribute('raize.state', settled.state);
      return settled;
    } catch (error) {
      // Another sweeper or a human settled it meanwhile: their write won, ours was refused.
      if (error instanceof StaleStateError || error instanceof FencedError) return k.store.actions.get(actionId);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

async function verifyLoop(k: KernelDeps, action: Action, options: ResolveOptions, span: Span): Promise<Action> {
  const now = k.now ?? (() => new Date());
  const account = await k.store.accounts.get(action.platform_account_id);
  if (!account) return action;
  const performer = options.performer ?? k.performers(action);
  const tool = { name: performer.tool, version: performer.toolVersion };
  const tracker = new ActionTracker(k.store, action, now, { lazy: true });
  const log = k.logger.child({ episode_id: action.episode_id, action_id: action.action_id, platform_account_id: action.platform_account_id, ...traceFields(span) });
  const s = k.settings;
  const left = Math.max(0, s.verifyMaxTries - action.verify_tries);
  const tries = Math.min(options.maxTries ?? left, left);
  const receipt = hasRef(tracker.action) ? { ...tracker.action.result } : undefined;
  const found = await settle(k, {
    performer, tracker, account, log, tool, receipt, maxLooks: tries, countTries: true, immediateFirst: false, label: 'verification try',
    context: () => createActionContext({
      action: () => tracker.action, account, deadline: Date.now() + s.actionDeadlineMs, logger: log, addProof: (p) => tracker.addProof(p),
    }),
  });
  if (found.outcome === 'present') {
    const v = found.verification;
    const result = { ...tracker.action.result, ...resultOf(v, v.level) };
    await tracker.moveThrough([['confirmed_success', { patch: { result }, ledger: 'succeeded', tool, reason: `verification try ${found.look}: present at level ${v.level}${v.surface ? ` on ${v.surface}` : ''}` }], ['postcheck_complete', { reason: 'postcheck: object confirmed on the platform' }]]);
    return tracker.action;
  }
  if (found.outcome === 'absent') {
    const result = { ...tracker.action.result, error_code: 'verified_absent', verification_level: 0 };
    await tracker.moveThrough([['confirmed_failed', { patch: { result }, ledger: 'failed', tool, reason: `verification try ${found.look}: absence proven, the platform has no such object` }], ['postcheck_complete', { reason: 'postcheck: no effect on the platform' }]]);
    return tracker.action;
  }
  const wrongAccount = tracker.action.result.error_code === WRONG_ACCOUNT;
  // Age from the attempt, not from submission: a post scheduled days ahead is not overdue the
  // moment it turns unknown. A crash can leave no attempt end: then the write-ahead record's time.
  const since = tracker.action.escalated_at ? 0 : await attemptTime(k, tracker.action);
  const overdue = now().getTime() - since >= s.escalateAfterMs;
  if ((wrongAccount || overdue || tracker.action.verify_tries >= s.verifyMaxTries) && !tracker.action.escalated_at) {
    const at = now().toISOString();
    // A crash between the escalation and its note leaves an open escalation: never a second one.
    const open = (await k.store.escalations.open()).some((e) => e.action_id === action.action_id);
    const reason = wrongAccount
      ? `the effect was found made as another account: a human must deal with that account's object and decide about this action (${found.why})`
      : tracker.action.verify_tries >= s.verifyMaxTries
        ? `outcome unknown after ${tracker.action.verify_tries} verification tries (${found.why})`
        : `outcome still unknown ${Math.round((now().getTime() - since) / 60_000)} min after the attempt, ${tracker.action.verify_tries} verification tries taken (${found.why})`;
    if (!open) await k.store.escalations.create({
      escalation_id: newId(), action_id: action.action_id, platform_account_id: action.platform_account_id,
      reason: reason.slice(0, 500), created_at: at, resolved_at: null, resolved_by: null,
    });
    await tracker.note(wrongAccount ? 'escalated: effect made as another account, a human must check both accounts' : 'escalated: outcome still unknown, a human must check the platform', { patch: { escalated_at: at }, tool });
    span.addEvent('escalated');
    log.warn({ tries: tracker.action.verify_tries, wrong_account: wrongAccount }, 'unknown outcome escalated to a human');
  }
  return tracker.action;
}

/** When the action's last attempt ended, else when it was recorded as attempted (ms). */
async function attemptTime(k: KernelDeps, action: Action): Promise<number> {
  if (action.attempt_ended_at) return Date.parse(action.attempt_ended_at);
  const attempted = (await k.store.audit.forAction(action.action_id)).filter((r) => r.event.transition.to === 'attempted').at(-1);
  return Date.parse(attempted?.event.timestamp ?? action.created_at);
}

/** `result.error_code` of an action whose effect a look found made as another account (WrongAccountEffectError). */
const WRONG_ACCOUNT = 'wrong_account_effect';

export interface HumanResolution {
  /** What the human saw on the platform. */
  outcome: 'present' | 'absent';
  by: string;
  platform_object_id?: string;
  permalink?: string;
}

/**
 * Settles an escalated `unknown` action on a human's word (the reviewer checked the platform):
 * present → confirmed_success, absent → confirmed_failed (the key is freed for a later, safe
 * attempt). The escalation is closed and the human is named in the audit.
 */
export async function resolveEscalation(k: KernelDeps, escalationId: string, resolution: HumanResolution): Promise<Action> {
  const escalation = (await k.store.escalations.open()).find((e) => e.escalation_id === escalationId);
  if (!escalation) throw new Error(`no open escalation ${escalationId}`);
  const action = await k.store.actions.get(escalation.action_id);
  if (!action) throw new Error(`escalated action ${escalation.action_id} not found`);
  if (action.state !== 'unknown') throw new Error(`action ${action.action_id} is ${action.state}, not unknown`);
  const tracker = new ActionTracker(k.store, action, k.now ?? (() => new Date()), { lazy: true });
  if (resolution.outcome === 'present') {
    const result = { ...action.result, ...resultOf(resolution, 2) };
    await tracker.moveThrough([
      ['confirmed_success', { patch: { result }, ledger: 'succeeded', reason: `resolved by ${resolution.by}: present on the platform` }],
      ['postcheck_complete', { reason: 'postcheck: confirmed by a human' }],
    ]);
  } else {
    const result = { ...action.result, error_code: 'verified_absent' };
    await tracker.moveThrough([
      ['confirmed_failed', { patch: { result }, ledger: 'failed', reason: `resolved by ${resolution.by}: absent from the platform` }],
      ['postcheck_complete', { reason: 'postcheck: absence confirmed by a human' }],
    ]);
  }
  await k.store.escalations.resolve(escalationId, resolution.by);
  return tracker.action;
}

export interface SweepReport {
  /** Unknown actions looked at. */
  checked: number;
  /** Unknown actions not looked at: their account's session cannot look as it (needs_human, reconnect_required). */
  paused: number;
  /** Unknown actions left to the host whose look claim holds them (see look-claim.ts). */
  held: number;
  settled: { action_id: string; state: string }[];
  escalated: string[];
}

/**
 * The verification sweep (Invariant E "re-check later"): every `unknown` action whose next look
 * is due gets one more read-only look. Before escalation that is a verification try (seen →
 * success, absence proven → failed, else backoff and, after the last try, escalation). After
 * escalation the platform is still watched, read-only, at the slowest pace: an object that
 * shows up settles the action as the success it was and closes the escalation; absence is
 * then left to the human. Safe to run from several processes at once: each look is claimed
 * first (one host looks at a time, look-claim.ts), and every write is a compare-and-set on the
 * action's state and fencing token.
 */
export async function sweepUnknown(k: KernelDeps, options: { limit?: number } = {}): Promise<SweepReport> {
  const now = k.now ?? (() => new Date());
  const report: SweepReport = { checked: 0, paused: 0, held: 0, settled: [], escalated: [] };
  const { due, paused, held } = await unknownDueForLook(k, options);
  report.paused = paused;
  report.held = held;
  for (const listed of due) {
    let action: Action | null;
    try {
      action = await claimLook(k, listed, now());
    } catch (error) {
      k.logger.warn({ action_id: listed.action_id, code: errorCode(error) }, 'verification sweep: look not claimed');
      continue;
    }
    if (!action) {
      report.held += 1;
      continue;
    }
    report.checked += 1;
    let settled: Action | null;
    try {
      settled = action.escalated_at ? await watchEscalated(k, action) : await resolveUnknown(k, action.action_id, { maxTries: 1 });
    } catch (error) {
      k.logger.warn({ action_id: action.action_id, code: errorCode(error) }, 'verification sweep: look failed');
      continue;
    } finally {
      // The next look may be minutes away: nothing stays open for it.
      await releaseLane(k, action);
    }
    if (!settled) continue;
    if (settled.state !== 'unknown') report.settled.push({ action_id: settled.action_id, state: settled.state });
    else if (settled.escalated_at && !action.escalated_at) report.escalated.push(settled.action_id);
  }
  return report;
}

/**
 * The `unknown` actions whose next look has come (backoff since their last try; escalated ones
 * at the slowest pace), leaving those whose account pauses looks and those another live host
 * has claimed the looks of. Read-only: the farm's sweep job asks this in its own thread and
 * hands the looks to the thread that has the lanes.
 */
export async function unknownDueForLook(k: Pick<KernelDeps, 'store' | 'settings' | 'now' | 'ownerId'>, options: { limit?: number } = {}): Promise<{ due: Action[]; paused: number; held: number }> {
  const now = (k.now ?? (() => new Date()))();
  const s = k.settings;
  const unknown = await k.store.actions.list({ state: 'unknown', limit: options.limit ?? 1000 });
  const due: Action[] = [];
  let paused = 0;
  let held = 0;
  const ownerOf = ownerReader(k.store);
  for (const action of unknown) {
    const pace = action.escalated_at ? 10 * s.verifyCapMs : Math.min(s.verifyCapMs, s.verifyBaseMs * 2 ** action.verify_tries);
    if (Date.parse(action.updated_at) + pace > now.getTime()) continue;
    if (await heldElsewhere(k, action, now, ownerOf)) {
      held += 1;
      continue;
    }
    // A session switched to another account or logged out: no look until a human restores it.
    const account = await k.store.accounts.get(action.platform_account_id);
    if (account && LOOKS_PAUSED.has(account.state)) {
      paused += 1;
      continue;
    }
    due.push(action);
  }
  return { due, paused, held };
}

/**
 * One read-only look at an escalated action: only a sighting settles it (and closes its
 * escalation). An effect found made as another account is left to the human entirely.
 */
async function watchEscalated(k: KernelDeps, action: Action): Promise<Action> {
  const now = k.now ?? (() => new Date());
  if (action.result.error_code === WRONG_ACCOUNT) return action;
  const account = await k.store.accounts.get(action.platform_account_id);
  if (!account) return action;
  const performer = k.performers(action);
  const tracker = new ActionTracker(k.store, action, now, { lazy: true });
  const log = k.logger.child({ action_id: action.action_id, platform_account_id: action.platform_account_id });
  const ctx = createActionContext({
    action: () => tracker.action, account, deadline: Date.now() + k.settings.actionDeadlineMs, logger: log, addProof: (p) => tracker.addProof(p),
  });
  let v;
  try {
    v = await bounded(performer.verify(ctx, hasRef(tracker.action) ? { ...tracker.action.result } : undefined, { n: tracker.action.verify_tries + 1 }), ctx.signal, 'watch');
  } finally {
    ctx.dispose();
  }
  for (const p of v.proofs ?? []) tracker.addProof(p);
  const tool = { name: performer.tool, version: performer.toolVersion };
  const other = v.outcome === 'present' ? await claimedByAnother(k, tracker.action, v) : undefined;
  if (other) return tracker.note(`watch after escalation: the object seen${v.surface ? ` on ${v.surface}` : ''} is the confirmed effect of ${other}, not this action's; left to a human`, { tool });
  if (v.outcome === 'present' && v.level >= 2) {
    const result = { ...tracker.action.result, ...resultOf(v, v.level) };
    await tracker.moveThrough([['confirmed_success', { patch: { result }, ledger: 'succeeded', tool, reason: `watch after escalation: present at level ${v.level}${v.surface ? ` on ${v.surface}` : ''}` }], ['postcheck_complete', { reason: 'postcheck: object confirmed on the platform' }]]);
    for (const e of (await k.store.escalations.open()).filter((x) => x.action_id === action.action_id)) await k.store.escalations.resolve(e.escalation_id, 'verification');
    return tracker.action;
  }
  // Nothing to settle; the note keeps the watch paced (updated_at) and in the audit.
  return tracker.note(`watch after escalation: ${v.outcome}${v.surface ? ` on ${v.surface}` : ''}, left to a human`, { tool });
}
