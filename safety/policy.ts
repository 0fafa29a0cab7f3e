import type { Action, PlatformAccount, Policy } from '../store/index.js';
import { inQuietHours, quietHoursEnd } from './quiet-hours.js';

export type PolicyCheck =
  | 'window_missed' | 'not_due' | 'account_state' | 'action_not_allowed' | 'compliance_flag' | 'banned_term'
  | 'awaiting_approval' | 'approval_expired' | 'quiet_hours';

export type PolicyVerdict =
  | { ok: true }
  /** `block` ends the action; `defer` keeps it queued until `retry_at` or a human acts (approval). */
  | { ok: false; check: PolicyCheck; reason: string; disposition: 'block' | 'defer'; retry_at?: string };

export interface PolicyInput {
  action: Pick<Action, 'platform' | 'action_type' | 'payload' | 'compliance_flags' | 'risk' | 'created_by'> & Partial<Pick<Action, 'due_at' | 'window_end_at'>>;
  account: Pick<PlatformAccount, 'state' | 'timezone'>;
  policy: Policy;
  approvals: readonly string[];
  now: Date;
}

/** Text fields of a payload that reach an audience, checked against banned terms. */
const TEXT_FIELDS = ['caption', 'text', 'title', 'description', 'message'] as const;

/**
 * Spec 000 Invariant A, the decision half: pure, so it is the same in the kernel, the console's
 * "why is this waiting?" and tests. Budgets are checked after it, atomically in the store.
 */
export function evaluatePolicy({ action, account, policy, approvals, now }: PolicyInput): PolicyVerdict {
  // The schedule first: an action is never run before it is due (GP1) nor after its window.
  const at = now.toISOString();
  if (action.window_end_at && at > action.window_end_at) {
    return { ok: false, check: 'window_missed', reason: `its window ended at ${action.window_end_at}; it is not run late`, disposition: 'block' };
  }
  if (action.due_at && at < action.due_at) {
    return { ok: false, check: 'not_due', reason: `scheduled for ${action.due_at}`, disposition: 'defer', retry_at: action.due_at };
  }
  if (account.state !== 'active') {
    return { ok: false, check: 'account_state', reason: `account is ${account.state}`, disposition: 'block' };
  }
  const allowed = policy.allowed_actions[action.platform] ?? [];
  if (!allowed.includes(action.action_type)) {
    return { ok: false, check: 'action_not_allowed', reason: `${action.action_type} is not allowed on ${action.platform} for this client`, disposition: 'block' };
  }
  const flagged = action.compliance_flags.filter((f) => !policy.compliance.allowed_flags.includes(f));
  if (flagged.length > 0) {
    return { ok: false, check: 'compliance_flag', reason: `compliance flags raised: ${flagged.join(', ')}`, disposition: 'block' };
  }
  const text = TEXT_FIELDS.map((f) => action.payload[f]).filter((v): v is string => typeof v === 'string').join('\n').toLowerCase();
  const banned = policy.compliance.banned_terms.filter((term) => text.includes(term.toLowerCase()));
  if (banned.length > 0) {
    // The term itself is policy data, not user content: safe to name.
    return { ok: false, check: 'banned_term', reason: `banned terms present: ${banned.join(', ')}`, disposition: 'block' };
  }
  const highRisk = action.risk === 'high' || policy.high_risk_actions.includes(action.action_type);
  if (policy.autonomy === 'manual' || highRisk) {
    const independent = approvals.filter((a) => a !== action.created_by);
    if (independent.length === 0) {
      const why = policy.autonomy === 'manual' ? 'client autonomy is manual' : `${action.action_type} is high-risk`;
      // Scheduled and due without its approval: expired, never run late once approved.
      if (action.due_at) return { ok: false, check: 'approval_expired', reason: `${why} and no one else approved it by its due time ${action.due_at}`, disposition: 'block' };
      return { ok: false, check: 'awaiting_approval', reason: `${why}: needs an approval by someone other than ${action.created_by}`, disposition: 'defer' };
    }
  }
  if (policy.quiet_hours && inQuietHours(now, account.timezone, policy.quiet_hours)) {
    const until = quietHoursEnd(now, account.timezone, policy.quiet_hours);
    return {
      ok: false, check: 'quiet_hours', disposition: 'defer', retry_at: until.toISOString(),
      reason: `quiet hours ${policy.quiet_hours.start}–${policy.quiet_hours.end} in ${account.timezone}`,
    };
  }
  return { ok: true };
}
