import type { Action } from '../store/index.js';
import { FencedError, StaleStateError } from '../store/index.js';
import type { KernelDeps } from './deps.js';
import { ensureOwner, ownerIsGone, ownerReader, type OwnerReader } from './owner.js';
import { isRunningHere } from './running.js';
import { ActionTracker } from './tracker.js';

/**
 * Looks at an `unknown` outcome are one host's at a time. Every farm host sweeps the unknown
 * actions, and each look opens the account's session on the platform: three hosts looking at
 * once would be the same account seen from three browsers (and three times the requests) —
 * what platforms flag. So a look is claimed first: the action's owner and `lease_expires_at`
 * say who looks until when; another host leaves it alone until that lease runs out or its owner
 * is gone (its heartbeat stale), then claims it with a compare-and-set that raises the fence,
 * so the previous looker's late writes are refused. Every written claim raises it, a renewal
 * too: a claim made from a read taken before another claim is refused.
 */

/** How long a sweep's look claim holds other hosts off: its backoff wait and one bounded look. */
export function lookLeaseMs(s: KernelDeps['settings']): number {
  return s.verifyCapMs + s.actionDeadlineMs;
}

/** How long a run's own looks (after its attempt ended unknown) hold other hosts off: every try. */
export function inlineLookLeaseMs(s: KernelDeps['settings']): number {
  return s.verifyMaxTries * lookLeaseMs(s);
}

/**
 * Whether another live owner's look claim on the action holds now (this kernel must not look).
 * A pass over many actions passes one `ownerOf` so each owner is read once.
 */
export async function heldElsewhere(
  k: Pick<KernelDeps, 'store' | 'settings' | 'ownerId'>, action: Action, now: Date, ownerOf: OwnerReader = ownerReader(k.store),
): Promise<boolean> {
  if (!action.owner_id || action.owner_id === k.ownerId) return false;
  if (!action.lease_expires_at || Date.parse(action.lease_expires_at) <= now.getTime()) return false;
  return !ownerIsGone(action, await ownerOf(action.owner_id), k.ownerId, now, k.settings);
}

/**
 * Claims the next look at an unknown action for this kernel: the action as claimed, or null when
 * someone else looks (another host's unexpired claim, a run of it under way here, or another
 * claimant that won the compare-and-set). Our own unexpired claim needs no new write.
 */
export async function claimLook(k: KernelDeps, action: Action, now: Date): Promise<Action | null> {
  const mine = action.owner_id === k.ownerId;
  if (mine && isRunningHere(k, action.action_id)) return null;
  if (mine && action.lease_expires_at && Date.parse(action.lease_expires_at) > now.getTime()) return action;
  if (await heldElsewhere(k, action, now)) return null;
  // A claim counts only while its owner's heartbeat does: a sweeping kernel is an owner too.
  await ensureOwner(k);
  const until = new Date(now.getTime() + lookLeaseMs(k.settings)).toISOString();
  const tracker = new ActionTracker(k.store, action, () => now, { lazy: true });
  try {
    // Every written claim raises the fence, our own renewal too: the write is a compare-and-set on
    // the fence, so a host that read the action before this claim (its sweep lists the due looks
    // first, then claims them one by one, seconds later) cannot claim over it with that read.
    return await tracker.note(`look claimed by ${k.ownerId} until ${until}${mine ? '' : ` (from ${action.owner_id ?? 'no owner'})`}, fence ${action.fence + 1}`, {
      patch: { owner_id: k.ownerId, lease_expires_at: until, fence: action.fence + 1 },
    });
  } catch (error) {
    if (error instanceof StaleStateError || error instanceof FencedError) return null; // another claimant (or a settling write) came first
    throw error;
  }
}
