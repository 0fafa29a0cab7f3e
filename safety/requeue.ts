import { newId, type Action, type Store } from '../store/index.js';
import { buildAuditEvent } from './audit.js';
import { ActionTracker } from './tracker.js';

/** How often one request (episode and key) is queued again after runners died before its attempt; after that a human decides. */
export const MAX_INTERRUPTIONS = 3;

/**
 * The request of an action released as `interrupted` — its runner's host died before the
 * attempt, so nothing reached the platform — queued again as a new action in the same episode,
 * with the same key, payload, schedule and window, and the same approvals (they named this
 * content). The released action stays `blocked` in the history; the new one claims the freed key
 * afresh and goes through every check again (kill switches, policy, budget, identity, precheck).
 * A farm of several hosts thus loses no scheduled work to a host that died. Queued again at
 * most MAX_INTERRUPTIONS times; the next release is left for a human (undefined).
 */
export async function requeueInterrupted(store: Store, released: Action, now: Date): Promise<Action | undefined> {
  const earlier = (await store.actions.list({ episode_id: released.episode_id }))
    .filter((a) => a.idempotency_key === released.idempotency_key && a.state === 'blocked' && a.result.error_code === 'interrupted');
  if (earlier.length > MAX_INTERRUPTIONS) {
    await new ActionTracker(store, released, () => now).note(`not queued again: interrupted ${earlier.length} times; a human decides`, { patch: { result: { ...released.result, requeue_exhausted: true } } });
    return undefined;
  }
  // After the released one even when this host's clock is behind the host that created it.
  const at = new Date(Math.max(now.getTime(), Date.parse(released.created_at) + 1)).toISOString();
  const again: Action = {
    ...released,
    action_id: newId(), state: 'queued', policy_snapshot_id: null, attempt_count: 0, verify_tries: 0, owner_id: null, lease_expires_at: null,
    fence: 0, attempt_ended_at: null, absence: [], result: {}, escalated_at: null, not_before: null, created_at: at, updated_at: at,
  };
  const created = await store.actions.create(again, buildAuditEvent(again, {
    from: null, to: 'queued', at: new Date(at),
    reason: `requeued: ${released.action_id} was interrupted before any attempt (${earlier.length} of ${MAX_INTERRUPTIONS})`,
  }));
  for (const approver of await store.actions.approvals(released.action_id)) await store.actions.addApproval(created.action_id, approver);
  // The released action names its successor: what depended on it follows the link (currentDependency).
  await new ActionTracker(store, released, () => now).note(`requeued as ${created.action_id}`, { patch: { result: { ...released.result, requeued_as: created.action_id } } });
  return created;
}

/**
 * What an action that depends on `dependency` waits for: the dependency itself, or, when it was
 * released as `interrupted` and queued again, the request queued in its place (following the
 * `requeued_as` links; a link must stay in the tenant, episode and key, or it is not followed).
 */
export async function currentDependency(store: Store, dependency: Action): Promise<Action> {
  let current = dependency;
  for (let hops = 0; hops <= MAX_INTERRUPTIONS; hops++) {
    const next = current.state === 'blocked' && current.result.error_code === 'interrupted' ? current.result.requeued_as : undefined;
    if (typeof next !== 'string') return current;
    const successor = await store.actions.get(next);
    if (!successor || successor.client_id !== current.client_id || successor.episode_id !== current.episode_id || successor.idempotency_key !== current.idempotency_key) return current;
    current = successor;
  }
  return current;
}
