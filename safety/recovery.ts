import { SpanStatusCode } from '@opentelemetry/api';
import { FencedError, StaleStateError, type Action } from '../store/index.js';
import type { KernelDeps } from './deps.js';
import { errorCode } from './errors.js';
import { ownerIsGone, ownerReader } from './owner.js';
import { traceFields } from './telemetry.js';
import { requeueInterrupted } from './requeue.js';
import { lookLeaseMs } from './look-claim.js';
import { isRunningHere } from './running.js';
import { ActionTracker } from './tracker.js';
import { resolveUnknown } from './verification.js';

export { newOwnerId, ownerIsGone } from './owner.js';

/** The newest blocked actions looked at for a release whose requeue was lost. */
const ORPHAN_SCAN = 200;
/** How old such a release must be: far longer than a live recoverer takes between the two writes. */
const ORPHAN_AGE_MS = 60_000;

export interface RecoveryReport {
  /** Actions found mid-run (preflight_passed, identity_verified, attempted). */
  found: number;
  /** Taken over from a gone owner after `attempted`: now `unknown`, settled by verification only. */
  recovered: string[];
  /** Taken over before `attempted`: nothing reached the platform; blocked, key and budget released. */
  released: string[];
  /** The released actions' requests queued again (new action ids), at most MAX_INTERRUPTIONS times each. */
  requeued: string[];
  resolved: { action_id: string; state: string }[];
}

/**
 * Crash recovery. An action whose owner is gone (see ownerIsGone: a stale heartbeat *and* a
 * dead process on this host, or a heartbeat older than the foreign bound), or that this kernel
 * instance owns with no run of it under way (isRunningHere), is taken over: its
 * fencing token is raised in the same write, so anything the old owner writes later is refused.
 * - Left in `attempted`: the effect may have happened → `unknown`, verified, never re-attempted.
 * - Left before `attempted` (after the claim, say): the write-ahead record proves nothing was
 *   attempted → `blocked` as `interrupted`, its idempotency key and budget slot released, and
 *   its request queued again as a new action (requeueInterrupted; at most a few times).
 */
export async function recoverInterrupted(k: KernelDeps, options: { verify?: boolean } = {}): Promise<RecoveryReport> {
  return k.telemetry.tracer.startActiveSpan('side_effect.recovery', async (span) => {
    try {
      const report = await recover(k, options, traceFields(span));
      span.setAttribute('raize.recovered', report.recovered.length);
      span.setAttribute('raize.released', report.released.length);
      return report;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

async function recover(k: KernelDeps, options: { verify?: boolean }, trace: Record<string, string>): Promise<RecoveryReport> {
  const clock = k.now ?? (() => new Date());
  const now = clock();
  const log = k.logger.child(trace);
  const running = [
    ...await k.store.actions.list({ state: 'attempted' }),
    ...await k.store.actions.list({ state: 'identity_verified' }),
    ...await k.store.actions.list({ state: 'preflight_passed' }),
  ];
  const report: RecoveryReport = { found: running.length, recovered: [], released: [], requeued: [], resolved: [] };
  const ownerOf = ownerReader(k.store);
  for (const action of running) {
    if (!action.owner_id) continue;
    // Our own action with no run of it under way here: that run ended without its outcome written.
    const abandoned = action.owner_id === k.ownerId
      ? !isRunningHere(k, action.action_id)
      : ownerIsGone(action, await ownerOf(action.owner_id), k.ownerId, now, k.settings);
    if (!abandoned) continue;
    const tracker = new ActionTracker(k.store, action, clock);
    const takeover = { owner_id: k.ownerId, fence: action.fence + 1 };
    try {
      if (action.state === 'attempted') {
        await tracker.move('unknown', {
          // The recoverer looks next (its sweep, or at once): its look claim comes with the takeover.
          ledger: 'unknown', patch: { ...takeover, attempt_ended_at: now.toISOString(), lease_expires_at: new Date(now.getTime() + lookLeaseMs(k.settings)).toISOString() },
          reason: `recovery: owner ${action.owner_id} stopped between attempted and its outcome (fence ${takeover.fence})`,
        });
        report.recovered.push(action.action_id);
      } else {
        const released = await release(k, tracker, action, takeover);
        report.released.push(action.action_id);
        const again = await requeueInterrupted(k.store, released, clock());
        if (again) report.requeued.push(again.action_id);
      }
    } catch (error) {
      if (error instanceof StaleStateError || error instanceof FencedError) continue; // the owner or another recoverer moved it first
      throw error;
    }
    log.warn({ action_id: action.action_id, state: action.state }, 'interrupted action taken over');
  }
  // A recoverer that died between a release and its requeue left the request released and not
  // queued again: picked up here once the release is old enough that no live recoverer is still
  // between those two writes (a second copy would only be deduplicated by the ledger, but noisy).
  for (const orphan of await k.store.actions.list({ state: 'blocked', order: 'desc', limit: ORPHAN_SCAN })) {
    if (orphan.result.error_code !== 'interrupted' || orphan.result.requeued_as || orphan.result.requeue_exhausted) continue;
    if (now.getTime() - Date.parse(orphan.updated_at) < ORPHAN_AGE_MS) continue;
    const again = await requeueInterrupted(k.store, orphan, clock());
    if (again) report.requeued.push(again.action_id);
  }
  if (options.verify !== false) {
    for (const id of report.recovered) {
      const settled = await resolveUnknown(k, id);
      if (settled) report.resolved.push({ action_id: id, state: settled.state });
    }
  }
  return report;
}

async function release(k: KernelDeps, tracker: ActionTracker, action: Action, takeover: { owner_id: string; fence: number }): Promise<Action> {
  const result = { ...action.result, error_code: 'interrupted' };
  const released = await tracker.move('blocked', {
    ledger: 'failed', patch: { ...takeover, result },
    reason: `interrupted: owner ${action.owner_id} stopped in ${action.state}, before any attempt; key and budget released (fence ${takeover.fence})`,
  });
  await k.store.budgets.release(action.action_id);
  return released;
}
