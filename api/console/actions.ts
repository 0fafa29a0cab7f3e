import type { Action, Policy, Store } from '../../store/index.js';
import { approvalState, type ApprovalState } from '../../safety/index.js';
import { visibleOr404, type Principal } from '../auth/index.js';
import { html, preview, type Html } from './html.js';

/** An action the principal may see, or the same 404 as a missing one. */
export async function visibleAction(store: Store, principal: Principal, actionId: string): Promise<Action> {
  return visibleOr404(principal, await store.actions.get(actionId), 'action', actionId);
}

/**
 * What an action is about, in one line: a post's caption or a reply's text. A DM's text is never
 * shown in lists (it is a private conversation): its type says enough there.
 */
export function actionWhat(action: Pick<Action, 'action_type' | 'payload'>): Html {
  if (action.action_type === 'dm_send') return html`<span class="muted">direct message (text not shown)</span>`;
  const p = action.payload;
  const text = preview(p.caption ?? p.text ?? p.title ?? p.description);
  const target = typeof p.target === 'string' ? p.target : typeof p.permalink === 'string' ? p.permalink : typeof p.handle === 'string' ? `@${p.handle}` : '';
  if (text) return html`${text}`;
  if (target) return html`<span class="muted">on</span> ${preview(target, 60)}`;
  return html`<span class="muted">—</span>`;
}

/** Policies by client, read once per page. */
export function policyCache(store: Store): (clientId: string) => Promise<Policy | null> {
  const seen = new Map<string, Promise<Policy | null>>();
  return (clientId) => {
    let p = seen.get(clientId);
    if (!p) seen.set(clientId, (p = store.policies.current(clientId)));
    return p;
  };
}

/**
 * Where an action stands with the approval it may need (safety's approvalState), reading its
 * approvals only when one is needed at all.
 */
export async function approvalOf(store: Store, policy: Policy | null, action: Action, now: Date): Promise<ApprovalState & { approvers: string[] }> {
  if (!policy) return { status: 'not_needed', why: null, expires_at: null, approvers: [] };
  const first = approvalState(action, policy, [], now);
  if (first.status === 'not_needed') return { ...first, approvers: [] };
  const approvers = (await store.actions.approvalRecords(action.action_id)).map((r) => r.approver);
  return { ...approvalState(action, policy, approvers, now), approvers };
}
