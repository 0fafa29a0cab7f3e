import { z } from 'zod';
import { approvalState, approveQueuedAction, PolicyDeniedError } from '../../safety/index.js';
import type { Action, Policy } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { clientScope } from '../auth/index.js';
import { decodeCursor, encodeCursor, PageQuery, RowCursor, type ApiRoutes } from '../http/index.js';
import { ActionDetail, ActionParams, ActionView, actionDetail, actionView, approvalView, ApprovalView, asConflict, visibleAction } from './actions.js';
import type { RouteDeps } from './deps.js';

const id = z.string().min(1).max(200);
/** Rows read per step while looking for a page of the queue. */
const SCAN = 500;

const QueueQuery = PageQuery.extend({
  client_id: id.optional(),
  platform_account_id: id.optional(),
  /** `pending`: queued, needs an approval, has none yet. `expired`: due without one (blocked approval_expired, or about to be). */
  status: z.enum(['pending', 'expired']).default('pending'),
}).strict();

export function registerApprovals(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;

  routes.add({
    method: 'get', path: '/approvals', tag: 'approvals', permission: 'read',
    summary: 'The approvals queue (§4.4): queued actions that need an approval and have none yet, oldest first; ?status=expired for those past due without one',
    query: QueueQuery,
    response: z.object({ items: z.array(ActionView.extend({ approval: ApprovalView })), next_cursor: z.string().nullable() }),
    handler: async ({ principal, query }) => {
      const clientId = clientScope(principal, query.client_id);
      const now = new Date();
      const policies = new Map<string, Policy | null>();
      const policyOf = async (clientId: string) => {
        if (!policies.has(clientId)) policies.set(clientId, await store.policies.current(clientId));
        return policies.get(clientId)!;
      };
      // Which actions need an approval is the policy gate's decision, so the queue is the
      // store's queued (or, for expired, also blocked) actions judged one by one.
      const matches = async (a: Action): Promise<boolean> => {
        if (a.state !== 'queued' && !(query.status === 'expired' && a.state === 'blocked' && a.result.error_code === 'approval_expired')) return false;
        const policy = await policyOf(a.client_id);
        return policy !== null && approvalState(a, policy, await store.actions.approvals(a.action_id), now).status === query.status;
      };
      const found: Action[] = [];
      let after = decodeCursor(RowCursor, query.cursor);
      for (;;) {
        const batch = await store.actions.list({
          ...(clientId !== undefined ? { client_id: clientId } : {}),
          ...(query.platform_account_id ? { platform_account_id: query.platform_account_id } : {}),
          ...(query.status === 'pending' ? { state: 'queued' as const } : {}),
          ...(after ? { after } : {}),
          limit: SCAN, order: 'asc',
        });
        for (const a of batch) {
          if (await matches(a)) found.push(a);
          if (found.length > query.limit) break;
        }
        if (found.length > query.limit || batch.length < SCAN) break;
        const last = batch[batch.length - 1]!;
        after = { created_at: last.created_at, id: last.action_id };
      }
      const items = found.slice(0, query.limit);
      const lastItem = items[items.length - 1];
      return {
        items: await Promise.all(items.map(async (a) => ({ ...(await actionView(store, a)), approval: await approvalView(store, a, await policyOf(a.client_id), now) }))),
        next_cursor: found.length > query.limit && lastItem ? encodeCursor({ created_at: lastItem.created_at, id: lastItem.action_id }) : null,
      };
    },
  });

  routes.add({
    method: 'post', path: '/actions/:action_id/approve', tag: 'approvals', permission: 'approve',
    summary: 'Approve a queued action (two-person rule: its author is refused with 403); records who and when; a late approval is refused with 409 approval_expired',
    params: ActionParams, response: ActionDetail,
    errors: { 409: 'the action is past due without its approval (approval_expired), or left queued' },
    handler: async ({ principal, params }) => {
      const action = await visibleAction(store, principal, params.action_id);
      try {
        return await actionDetail(store, await approveQueuedAction(store, action.action_id, { by: principal.name, client_id: action.client_id }));
      } catch (error) {
        if (error instanceof PolicyDeniedError && error.reason === 'self_approval') {
          throw new ApiError(403, 'self_approval', `${principal.name} authored action ${action.action_id}: someone else must approve it (two-person rule)`);
        }
        return asConflict(error);
      }
    },
  });
}
