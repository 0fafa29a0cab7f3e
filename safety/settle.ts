import type { Action, PlatformAccount } from '../store/index.js';
import { absenceProof, absenceRuleFor, lookOf, nextLook } from './absence.js';
import { bounded, type EpisodeContext } from './context.js';
import type { KernelDeps } from './deps.js';
import { degradeAccount } from './degrade.js';
import { AuthExpiredError, errorCode, IdentityMismatchError, TransientError, WrongAccountEffectError } from './errors.js';
import type { Logger } from './log.js';
import { resultOf, type AttemptReceipt, type Performer, type Verification } from './performer.js';
import { backoffDelay, sleep as defaultSleep } from './retry.js';
import type { ActionTracker } from './tracker.js';

export type Settled =
  | { outcome: 'present'; verification: Verification; look: number }
  | { outcome: 'absent'; look: number }
  | { outcome: 'unknown'; why: string; paused?: boolean };

/**
 * Account states in which no look is taken: the session shows another account (needs_human)
 * or none (reconnect_required), so a look would read someone else's platform or nothing. The
 * looks resume, where they left off, once the account is active or read-only again.
 */
/** How many times one call waits out a platform's short hold on the looks before leaving them to the sweep. */
const MAX_HELD_WAITS = 3;

export const LOOKS_PAUSED: ReadonlySet<string> = new Set(['needs_human', 'reconnect_required']);

/** Action types whose effect is an object of their own (a post, a reply, a message), never shared with another action's. */
const OWN_OBJECT: ReadonlySet<string> = new Set(['publish', 'comment_reply', 'dm_send']);
/**
 * …and those whose permalink names that object. A DM's permalink is its conversation's URL,
 * shared by every message in it (chaos --farm seed 13, fifth run: 42 DMs left unknown because an
 * earlier DM to the same person had confirmed "the same permalink"): only a message id says which.
 */
const PERMALINK_IS_OBJECT: ReadonlySet<string> = new Set(['publish', 'comment_reply']);

/**
 * The action (another key) whose confirmed effect is the object a look just found, if any. Two
 * actions of the same words under different keys can each be in the air: a look matching by
 * content finds whichever went out — chaos --farm seed 21: an unknown X publish whose tweet never
 * appeared was confirmed, an hour later, on the tweet of a second action with the same text, and
 * two actions claimed one effect. A sighting of someone else's object is no proof either way.
 */
export async function claimedByAnother(k: KernelDeps, action: Action, v: Verification): Promise<string | undefined> {
  const byLink = PERMALINK_IS_OBJECT.has(action.action_type) && !!v.permalink;
  if (!OWN_OBJECT.has(action.action_type) || (!v.platform_object_id && !byLink)) return undefined;
  const others = await k.store.actions.list({ platform_account_id: action.platform_account_id, action_type: action.action_type });
  return others.find((o) => o.action_id !== action.action_id && o.idempotency_key !== action.idempotency_key
    // Its own effect: attempted, confirmed — not a pre-check or duplicate that found someone's object.
    && o.attempt_count > 0 && (o.state === 'confirmed_success' || o.state === 'postcheck_complete') && !o.result.error_code && !o.result.duplicate_of
    && ((v.platform_object_id && o.result.platform_object_id === v.platform_object_id) || (byLink && o.result.permalink === v.permalink)))?.action_id;
}

export interface SettleOptions {
  performer: Performer;
  tracker: ActionTracker;
  account: PlatformAccount;
  log: Logger;
  tool: { name: 'connector' | 'browser_runner'; version: string };
  /** A fresh read-only context per look (or the attempt's own). */
  context(): EpisodeContext;
  receipt?: AttemptReceipt;
  /** When the attempt ended, if the action does not record it yet (written with the first audited look). */
  endedAt?: string;
  /** Looks in this call at most. */
  maxLooks: number;
  /** No look starts after this time (the kernel's clock, ms). */
  until?: number;
  /** Whether looks count as verification tries of an `unknown` action (`verify_tries`). */
  countTries: boolean;
  /** The first look happens at once (right after an attempt) instead of after a delay. */
  immediateFirst: boolean;
  /** A label for the audit lines: "look" inline, "verification try" in the loop. */
  label: string;
}

/**
 * Looks for the effect of an attempt, read-only, until it is seen (`present`), its absence is
 * proven under the performer's AbsenceRule (`absent`), or the looks allowed here run out
 * (`unknown`). Every look is audited; "not there" looks are kept on the action so a later
 * sweep can finish a proof this call started. Never calls `attempt`.
 */
export async function settle(k: KernelDeps, o: SettleOptions): Promise<Settled> {
  const now = k.now ?? (() => new Date());
  const sleep = k.sleep ?? defaultSleep;
  const s = k.settings;
  const rule = absenceRuleFor(o.performer, o.tracker.action, { windowMs: s.absenceWindowMs, looks: s.absenceLooks });
  let why = 'no look taken';
  const endedAt = o.endedAt ?? o.tracker.action.attempt_ended_at;
  // The end of the attempt reaches the store with the first audited look (none on the fast path).
  // So does the receipt's object (its id, its URL): a look after a crash can then still read the
  // object's own page, where absence is provable, instead of only content matches.
  const r = o.receipt;
  const kept = (result = o.tracker.action.result) => (r && (r.platform_object_id || r.permalink)
    && (result.platform_object_id !== r.platform_object_id || result.permalink !== r.permalink) ? { result: { ...result, ...resultOf(r, 1) } } : {});
  const ended = () => ({ ...(o.tracker.action.attempt_ended_at !== endedAt ? { attempt_ended_at: endedAt } : {}), ...kept() });
  let held = 0;
  for (let i = 0; i < o.maxLooks; i += 1) {
    const tries = o.tracker.action.verify_tries;
    const plan = nextLook(rule, o.tracker.action.absence, endedAt, now(), o.maxLooks - i,
      backoffDelay(o.countTries ? tries : i, { baseMs: s.verifyBaseMs, capMs: s.verifyCapMs }, k.random));
    if (i > 0 || !o.immediateFirst) {
      if (o.until !== undefined && now().getTime() + plan.delayMs > o.until) return { outcome: 'unknown', why: `${why}; no time left for another look` };
      await sleep(plan.delayMs);
    }
    const n = o.countTries ? tries + 1 : i + 1;
    const current = await k.store.accounts.get(o.account.platform_account_id);
    if (current && LOOKS_PAUSED.has(current.state)) return { outcome: 'unknown', why: `${why}; looks paused while the account is ${current.state}`, paused: true };
    const ctx = o.context();
    let v: Verification;
    let failure: string | undefined;
    try {
      v = await bounded(o.performer.verify(ctx, o.receipt, { n, ...(plan.surface ? { surface: plan.surface } : {}) }), ctx.signal, `look ${n}`);
    } catch (error) {
      if (error instanceof WrongAccountEffectError) {
        // Someone else's object is not this action's effect, nor proof that it is absent: a human decides.
        await degradeAccount(k, { accountId: o.account.platform_account_id, state: 'needs_human', why: `verification look: ${error.message}`, actionId: o.tracker.action.action_id, at: now(), log: o.log });
        const result = { ...o.tracker.action.result, error_code: error.code };
        await o.tracker.note(`${o.label} ${n}: ${error.message}; never this action's success, the account needs a human`, { patch: { ...ended(), result, ...kept(result) }, tool: o.tool });
        return { outcome: 'unknown', why: `${why}; ${error.code}`, paused: true };
      }
      if (error instanceof IdentityMismatchError || error instanceof AuthExpiredError) {
        // The session cannot see as this account: the look proves nothing and is not a try.
        const state = await degradeAccount(k, {
          accountId: o.account.platform_account_id, state: error instanceof AuthExpiredError ? 'reconnect_required' : 'needs_human',
          why: `verification look: ${error.code}`, actionId: o.tracker.action.action_id, at: now(), log: o.log,
        });
        // Whatever state the account ends in (`read_only` after repeated auth failures), this look
        // was not taken as the account: it is not a try, and the looks wait for the account to
        // be back (the sweep tries again later) instead of spending the tries on a session that
        // cannot see (chaos --farm seed 7: ten tries on an expired session, then escalated unseen).
        await o.tracker.note(`${o.label} ${n}: not taken as this account (${error.code}); the account is ${state}, looks paused until it is back`, { patch: ended(), tool: o.tool });
        return { outcome: 'unknown', why: `${why}; looks paused (${error.code})`, paused: true };
      }
      if (error instanceof TransientError && !error.sent && error.retryAfterMs !== undefined) {
        // The lane held the look back (the platform's rate limit on this account has not reset):
        // nothing was asked, so it is not a try. The looks resume after the reset (the sweep).
        const wait = error.retryAfterMs;
        const until = new Date(now().getTime() + wait).toISOString();
        await o.tracker.note(`${o.label} ${n}: not taken, requests held until ${until} (the platform's rate limit); not a try`, { patch: ended(), tool: o.tool });
        // A short hold is waited out here (a few times at most); a long one is left to the sweep.
        const fits = o.until === undefined ? wait <= s.verifyCapMs : now().getTime() + wait <= o.until;
        if (fits && held < MAX_HELD_WAITS) {
          held += 1;
          i -= 1;
          await sleep(wait);
          continue;
        }
        return { outcome: 'unknown', why: `${why}; looks held until ${until}`, paused: true };
      }
      failure = errorCode(error);
      v = { outcome: 'inconclusive', level: o.receipt ? 1 : 0 };
      o.log.warn({ code: failure }, 'verification look failed');
    }
    for (const p of v.proofs ?? []) o.tracker.addProof(p);
    const counted = { ...(o.countTries ? { verify_tries: tries + 1 } : {}), ...ended() };
    const where = v.surface ? ` on ${v.surface}` : '';
    if (v.outcome === 'present' && v.level >= 2) {
      const other = await claimedByAnother(k, o.tracker.action, v);
      if (!other) return { outcome: 'present', verification: v, look: n };
      await o.tracker.note(`${o.label} ${n}: the object seen${where} is the confirmed effect of ${other} (same content, another key), not this action's; proves nothing either way`, { patch: counted, tool: o.tool });
      why = `only another action's object seen (${other})`;
      continue;
    }
    if (v.outcome === 'absent') {
      const absence = [...o.tracker.action.absence, lookOf(v, now())];
      const proof = absenceProof(rule, absence, endedAt);
      const kind = v.precise ? 'precise' : 'content match only';
      await o.tracker.note(`${o.label} ${n}: not seen${where} (${kind})${proof.proven ? '; absence proven' : `; absence not proven: ${proof.missing}`}`, { patch: { absence, ...counted }, tool: o.tool });
      if (proof.proven) return { outcome: 'absent', look: n };
      why = `not seen, absence not proven (${proof.missing})`;
      continue;
    }
    why = `inconclusive${failure ? ` (${failure})` : v.outcome === 'present' ? ` (seen at level ${v.level} only)` : ''}`;
    await o.tracker.note(`${o.label} ${n}: ${why}${where}`, { patch: counted, tool: o.tool });
  }
  return { outcome: 'unknown', why };
}
