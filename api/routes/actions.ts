import { z } from 'zod';
import {
  approvalState, cancelAction, ScheduleConflictError, submitAction, updateQueuedAction,
} from '../../safety/index.js';
import { ActionResult, ActionState, ActionType, Lane, Platform, type Action, type Policy, type Store } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { clientScope, visibleOr404, type Principal, visibleAccount } from '../auth/index.js';
import { decodeCursor, pageOf, PageQuery, RowCursor, type ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

const id = z.string().min(1).max(200);
const isoTime = z.string().datetime({ offset: true });
export const ActionParams = z.object({ action_id: id });

/** Keys of a payload whose values are never shown: a platform field may carry a credential. */
const SECRET_KEY = /pass(word)?|secret|token|cookie|authorization|session|api[-_]?key|credential|private/i;

/** The payload as the API shows it: the client's content, with anything credential-like redacted. */
export function publicPayload(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => publicPayload(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : publicPayload(v, depth + 1)]));
}

/** An action as the API shows it: no owner, lease or fencing internals, no lane-internal ids. */
export const ActionView = z.object({
  action_id: z.string(), episode_id: z.string(), client_id: z.string(), platform: Platform, platform_account_id: z.string(),
  lane: Lane, action_type: ActionType, state: ActionState,
  /** Why it is where it is: its latest audit event's reason, else its error code. */
  reason: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()), payload_hash: z.string(),
  risk: z.enum(['normal', 'high']), compliance_flags: z.array(z.string()), created_by: z.string(),
  created_at: z.string(), updated_at: z.string(), due_at: z.string().nullable(), window_end_at: z.string().nullable(),
  not_before: z.string().nullable(), depends_on: z.string().nullable(), escalated_at: z.string().nullable(),
  attempt_count: z.number().int(), result: ActionResult.omit({ lane_refs: true }),
});
export type ActionView = z.infer<typeof ActionView>;

export const ApprovalView = z.object({
  status: z.enum(['not_needed', 'approved', 'pending', 'expired', 'closed']),
  why: z.string().nullable(),
  expires_at: z.string().nullable(),
  approvals: z.array(z.object({ by: z.string(), at: z.string() })),
});
export const ActionDetail = ActionView.extend({ approval: ApprovalView });

export async function reasonOf(store: Store, action: Action): Promise<string | null> {
  const [last] = await store.audit.page({ action_id: action.action_id, order: 'desc', limit: 1 });
  return last?.event.reason ?? action.result.error_code ?? null;
}

export async function actionView(store: Store, a: Action): Promise<ActionView> {
  const { lane_refs: _internal, ...result } = a.result;
  return {
    action_id: a.action_id, episode_id: a.episode_id, client_id: a.client_id, platform: a.platform, platform_account_id: a.platform_account_id,
    lane: a.lane, action_type: a.action_type, state: a.state, reason: await reasonOf(store, a),
    payload: publicPayload(a.payload) as Record<string, unknown>, payload_hash: a.payload_hash,
    risk: a.risk, compliance_flags: a.compliance_flags, created_by: a.created_by, created_at: a.created_at, updated_at: a.updated_at,
    due_at: a.due_at, window_end_at: a.window_end_at, not_before: a.not_before, depends_on: a.depends_on, escalated_at: a.escalated_at,
    attempt_count: a.attempt_count, result,
  };
}

/** Where the action stands with its approval, with who approved it and when. */
export async function approvalView(store: Store, a: Action, policy: Policy | null, now = new Date()): Promise<z.infer<typeof ApprovalView>> {
  const records = await store.actions.approvalRecords(a.action_id);
  const state = policy ? approvalState(a, policy, records.map((r) => r.approver), now) : { status: 'not_needed' as const, why: null, expires_at: null };
  return { ...state, approvals: records.map((r) => ({ by: r.approver, at: r.approved_at })) };
}

export async function actionDetail(store: Store, a: Action): Promise<z.infer<typeof ActionDetail>> {
  return { ...(await actionView(store, a)), approval: await approvalView(store, a, await store.policies.current(a.client_id)) };
}

/** An action the principal may see, or the same 404 as a missing one. */
export async function visibleAction(store: Store, principal: Principal, actionId: string): Promise<Action> {
  return visibleOr404(principal, await store.actions.get(actionId), 'action', actionId);
}

/** A change the action is past (it ran, was cancelled, expired, or a runner took it meanwhile): 409 with the reason as code. */
export function asConflict(error: unknown): never {
  if (error instanceof ScheduleConflictError) throw new ApiError(409, error.conflict, error.message, { state: error.state });
  throw error;
}

const ActionsQuery = PageQuery.extend({
  client_id: id.optional(),
  platform_account_id: id.optional(),
  episode_id: id.optional(),
  state: ActionState.optional(),
  action_type: ActionType.optional(),
  lane: Lane.optional(),
  /** Due (or, unscheduled, created) at or after this time. */
  due_from: isoTime.optional(),
  /** Due (or, unscheduled, created) before this time. */
  due_to: isoTime.optional(),
}).strict();

const SubmitBody = z.object({
  platform_account_id: id,
  lane: Lane,
  action_type: ActionType,
  /** Validated by the kernel against the action type's schema (400 names the field, e.g. body.payload.caption). */
  payload: z.record(z.string(), z.unknown()),
  /** When to run it (GP1: nothing touches the platform before); omitted: as soon as possible. */
  due_at: isoTime.optional(),
  /** The latest it may start; past it the action is blocked as window_missed, never run late. */
  window_end_at: isoTime.optional(),
  /** Your own key for this request (like Stripe's Idempotency-Key), scoped to the account and type. */
  idempotency_key: z.string().min(8).max(200).optional(),
  risk: z.enum(['normal', 'high']).optional(),
  compliance_flags: z.array(z.string().min(1).max(100)).max(50).optional(),
  /** An action of the same client that must be confirmed first. */
  depends_on: id.optional(),
  /** An existing episode of the same account to add this action to; omitted: a new episode. */
  episode_id: id.optional(),
}).strict();

const PatchBody = z.object({
  due_at: isoTime.nullable().optional(),
  window_end_at: isoTime.nullable().optional(),
  /** The whole new payload (validated like a submitted one). */
  payload: z.record(z.string(), z.unknown()).optional(),
}).strict().refine((b) => b.due_at !== undefined || b.window_end_at !== undefined || b.payload !== undefined, { message: 'nothing to change: give due_at, window_end_at or payload' });

const CancelBody = z.object({ reason: z.string().trim().min(1, 'say why').max(200) }).strict();

const CONFLICTS = { 409: 'the action left queued (ran, cancelled, expired) or a runner took it meanwhile; idempotency key used with other content' };

export function registerActions(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;

  routes.add({
    method: 'get', path: '/actions', tag: 'actions', permission: 'read',
    summary: 'Actions the caller may see, newest first (filters: client, account, episode, state, type, lane, due window)',
    query: ActionsQuery,
    response: z.object({ items: z.array(ActionView), next_cursor: z.string().nullable() }),
    handler: async ({ principal, query }) => {
      const clientId = clientScope(principal, query.client_id);
      const utc = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso).toISOString());
      const rows = await store.actions.list({
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        ...(query.platform_account_id ? { platform_account_id: query.platform_account_id } : {}),
        ...(query.episode_id ? { episode_id: query.episode_id } : {}),
        ...(query.state ? { state: query.state } : {}),
        ...(query.action_type ? { action_type: query.action_type } : {}),
        ...(query.lane ? { lane: query.lane } : {}),
        ...(query.due_from ? { due_from: utc(query.due_from) } : {}),
        ...(query.due_to ? { due_to: utc(query.due_to) } : {}),
        ...(query.cursor ? { after: decodeCursor(RowCursor, query.cursor) } : {}),
        limit: query.limit + 1, order: 'desc',
      });
      const page = pageOf(rows, query.limit, (a) => ({ created_at: a.created_at, id: a.action_id }), (a) => a);
      return { items: await Promise.all(page.items.map((a) => actionView(store, a))), next_cursor: page.next_cursor };
    },
  });

  routes.add({
    method: 'get', path: '/actions/:action_id', tag: 'actions', permission: 'read',
    summary: 'One action: state and reason, schedule, result, payload (credentials redacted), approvals with who and when',
    params: ActionParams, response: ActionDetail,
    handler: async ({ principal, params }) => actionDetail(store, await visibleAction(store, principal, params.action_id)),
  });

  routes.add({
    method: 'post', path: '/actions', tag: 'actions', permission: 'act', status: 201,
    summary: 'Plan and create an action (GP1): queued, scheduled at due_at; nothing touches the platform until it is due and run',
    body: SubmitBody, response: ActionDetail, errors: CONFLICTS,
    handler: async ({ principal, body }) => {
      const account = await visibleAccount(store, principal, body.platform_account_id);
      if (body.episode_id !== undefined) {
        const episode = visibleOr404(principal, await store.episodes.get(body.episode_id), 'episode', body.episode_id);
        if (episode.platform_account_id !== account.platform_account_id) {
          throw new ApiError(400, 'invalid_request', `body.episode_id: episode ${episode.episode_id} is of another account`, { field: 'body.episode_id' });
        }
      }
      const action = await submitAction(store, { ...body, client_id: account.client_id, created_by: principal.name });
      return actionDetail(store, action);
    },
  });

  routes.add({
    method: 'patch', path: '/actions/:action_id', tag: 'actions', permission: 'act',
    summary: 'Reschedule and/or edit the payload of a queued action before it runs (audited; 409 once it left queued)',
    params: ActionParams, body: PatchBody, response: ActionDetail, errors: CONFLICTS,
    handler: async ({ principal, params, body }) => {
      const action = await visibleAction(store, principal, params.action_id);
      const updated = await updateQueuedAction(store, action.action_id, { ...body, by: principal.name, client_id: action.client_id }).catch(asConflict);
      return actionDetail(store, updated);
    },
  });

  routes.add({
    method: 'post', path: '/actions/:action_id/cancel', tag: 'actions', permission: 'act',
    summary: 'Cancel a queued action before it runs: blocked, reason cancelled, audited with who and why (409 once it ran)',
    params: ActionParams, body: CancelBody, response: ActionDetail, errors: CONFLICTS,
    handler: async ({ principal, params, body }) => {
      const action = await visibleAction(store, principal, params.action_id);
      const cancelled = await cancelAction(store, action.action_id, { by: principal.name, reason: body.reason, client_id: action.client_id }).catch(asConflict);
      return actionDetail(store, cancelled);
    },
  });
}
