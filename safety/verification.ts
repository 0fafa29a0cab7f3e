import type { Action } from '../store/index.js';
import { newId } from '../store/index.js';
import { createActionContext } from './context.js';
import type { KernelDeps } from './deps.js';
import { errorCode } from './errors.js';
import { resultOf, type Performer, type Verification } from './performer.js';
import { backoffDelay, sleep as defaultSleep } from './retry.js';
import { ActionTracker } from './tracker.js';

/** Whether an action's effect is confirmed on the platform. */
export function succeeded(action: Action): boolean {
  return (action.state === 'confirmed_success' || action.state === 'postcheck_complete') && !action.result.error_code;
}

export interface ResolveOptions {
  /** Tries in this call; defaults to what is left of the configured maximum. */
  maxTries?: number;
  performer?: Performer;
}

/**
 * The read-only verification loop of an `unknown` outcome (§6.3, Invariant E): verify with
 * backoff; `present` → confirmed_success, `absent` → confirmed_failed (the key is freed for a
 * later, safe attempt); still unknown after the configured number of tries → escalation to a
 * human. Never calls `attempt`. Returns the action as it stands, or null if it is missing.
 */
export async function resolveUnknown(k: KernelDeps, actionId: string, options: ResolveOptions = {}): Promise<Action | null> {
  const now = k.now ?? (() => new Date());
  const sleep = k.sleep ?? defaultSleep;
  const action = await k.store.actions.get(actionId);
  if (!action || action.state !== 'unknown') return action;
  const account = await k.store.accounts.get(action.platform_account_id);
  if (!account) return action;
  const performer = options.performer ?? k.performers(action);
  const tool = { name: performer.tool, version: performer.toolVersion };
  const tracker = new ActionTracker(k.store, action, now);
  const log = k.logger.child({ episode_id: action.episode_id, action_id: action.action_id, platform_account_id: action.platform_account_id });
  const s = k.settings;
  const left = Math.max(0, s.verifyMaxTries - action.verify_tries);
  const tries = Math.min(options.maxTries ?? left, left);

  for (let i = 0; i < tries; i += 1) {
    const n = tracker.action.verify_tries;
    // The platform may need a moment to show the object: every look backs off (full jitter).
    await sleep(backoffDelay(n, { baseMs: s.verifyBaseMs, capMs: s.verifyCapMs }, k.random));
    const ctx = createActionContext({
      store: k.store, action: () => tracker.action, account, deadline: Date.now() + s.actionDeadlineMs,
      logger: log, addProof: (p) => tracker.addProof(p),
    });
    let v: Verification;
    let failure: string | undefined;
    try {
      v = await performer.verify(ctx, tracker.action.result.platform_object_id ? { ...tracker.action.result } : undefined);
    } catch (error) {
      v = { outcome: 'inconclusive', level: 0 };
      failure = errorCode(error);
      log.warn({ code: failure }, 'verification try failed');
    } finally {
      ctx.dispose();
    }
    for (const p of v.proofs ?? []) tracker.addProof(p);
    if (v.outcome === 'present' && v.level >= 2) {
      const result = { ...tracker.action.result, ...resultOf(v, v.level) };
      await tracker.moveThrough([['confirmed_success', { patch: { result, verify_tries: n + 1 }, ledger: 'succeeded', tool, reason: `verification try ${n + 1}: present at level ${v.level}` }], ['postcheck_complete', { reason: 'postcheck: object confirmed on the platform' }]]);
      return tracker.action;
    }
    if (v.outcome === 'absent') {
      const result = { ...tracker.action.result, error_code: 'verified_absent', verification_level: v.level };
      await tracker.moveThrough([['confirmed_failed', { patch: { result, verify_tries: n + 1 }, ledger: 'failed', tool, reason: `verification try ${n + 1}: the platform has no such object` }], ['postcheck_complete', { reason: 'postcheck: no effect on the platform' }]]);
      return tracker.action;
    }
    await tracker.note(`verification try ${n + 1}: inconclusive${failure ? ` (${failure})` : ''}`, { patch: { verify_tries: n + 1 }, tool });
  }
  if (tracker.action.verify_tries >= s.verifyMaxTries && !tracker.action.escalated_at) {
    const at = now().toISOString();
    await k.store.escalations.create({
      escalation_id: newId(), action_id: action.action_id, platform_account_id: action.platform_account_id,
      reason: `outcome unknown after ${tracker.action.verify_tries} verification tries`, created_at: at, resolved_at: null, resolved_by: null,
    });
    await tracker.note('escalated: outcome still unknown, a human must check the platform', { patch: { escalated_at: at }, tool });
    log.warn({ tries: tracker.action.verify_tries }, 'unknown outcome escalated to a human');
  }
  return tracker.action;
}

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
  const tracker = new ActionTracker(k.store, action, k.now ?? (() => new Date()));
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
