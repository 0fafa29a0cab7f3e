import { StaleStateError, type Action } from '../store/index.js';
import type { KernelDeps } from './deps.js';
import { evaluatePolicy } from './policy.js';
import { ActionTracker } from './tracker.js';

export interface ExpiryReport {
  expired: { action_id: string; reason: string }[];
}

/**
 * Ends queued actions that can no longer run as asked, without touching a platform: a window
 * that has ended (`window_missed`), a scheduled action still unapproved at its due time
 * (`approval_expired`). The gate would say the same when dispatch reaches them; this also
 * covers those dispatch never reaches (a degraded or killed account), so the console shows them
 * as missed, not waiting. Safe on every host at once: each move is a compare-and-set.
 */
export async function expireOverdue(k: KernelDeps, options: { limit?: number } = {}): Promise<ExpiryReport> {
  const now = (k.now ?? (() => new Date()))();
  const at = now.toISOString();
  const report: ExpiryReport = { expired: [] };
  const queued = await k.store.actions.list({ state: 'queued', limit: options.limit ?? 5000 });
  for (const action of queued.filter((a) => (a.window_end_at !== null && a.window_end_at < at) || (a.due_at !== null && a.due_at <= at))) {
    const reason = await overdueReason(k, action, now);
    if (!reason) continue;
    try {
      await new ActionTracker(k.store, action, () => now).move('blocked', { reason, patch: { result: { ...action.result, error_code: reason.split(':')[0]! } } });
      report.expired.push({ action_id: action.action_id, reason });
    } catch (error) {
      // Picked up by a runner meanwhile: its gate decides.
      if (!(error instanceof StaleStateError)) throw error;
    }
  }
  return report;
}

async function overdueReason(k: KernelDeps, action: Action, now: Date): Promise<string | null> {
  const account = await k.store.accounts.get(action.platform_account_id);
  const policy = await k.store.policies.current(action.client_id);
  if (!account || !policy) return null;
  // Judged as if the account were active: only the schedule and the approval count here.
  const verdict = evaluatePolicy({ action, account: { ...account, state: 'active' }, policy, approvals: await k.store.actions.approvals(action.action_id), now });
  return !verdict.ok && (verdict.check === 'window_missed' || verdict.check === 'approval_expired') ? `${verdict.check}: ${verdict.reason}` : null;
}
