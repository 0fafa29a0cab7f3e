import { z } from 'zod';
import { newId, ActionType, Lane, type Action, type Store } from '../store/index.js';
import { buildAuditEvent } from './audit.js';
import { IdempotencyError, PolicyDeniedError, ValidationError } from './errors.js';
import { idempotencyKey, payloadHash, scopedCallerKey } from './keys.js';
import { PAYLOAD_SCHEMAS } from './payloads.js';
import { ActionTracker } from './tracker.js';

export const SubmitInput = z.object({
  client_id: z.string().min(1),
  platform_account_id: z.string().min(1),
  lane: Lane,
  action_type: ActionType,
  payload: z.record(z.string(), z.unknown()),
  episode_id: z.string().min(1).optional(),
  /** A caller's own key (like Stripe's Idempotency-Key header); else derived per §5.1. */
  idempotency_key: z.string().min(8).max(200).optional(),
  risk: z.enum(['normal', 'high']).default('normal'),
  compliance_flags: z.array(z.string().min(1)).default([]),
  created_by: z.string().min(1),
  depends_on: z.string().min(1).optional(),
  /** When to run it (GP1: scheduled, nothing happens before); omitted = as soon as possible. */
  due_at: z.string().datetime({ offset: true }).optional(),
  /** The latest it may start; after that it is blocked as `window_missed`, never run late. */
  window_end_at: z.string().datetime({ offset: true }).optional(),
});
export type SubmitInput = z.input<typeof SubmitInput>;

/** An ISO time in UTC (`…Z`): stored times compare as strings. */
const utc = (iso: string | undefined) => (iso === undefined ? null : new Date(iso).toISOString());

function parse<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ValidationError([prefix, ...issue.path.map(String)].filter(Boolean).join('.'), issue.message);
}

/**
 * Validates a request for a side effect and records it as a `queued` action with its first
 * AuditEvent. Nothing touches a platform here (GP1): only runAction does.
 */
export async function submitAction(store: Store, raw: SubmitInput, now: Date = new Date()): Promise<Action> {
  const input = parse(SubmitInput, raw, '');
  const payload = parse(PAYLOAD_SCHEMAS[input.action_type], input.payload, 'payload');
  const account = await store.accounts.get(input.platform_account_id);
  if (!account) throw new ValidationError('platform_account_id', `no account ${input.platform_account_id}`);
  if (account.client_id !== input.client_id) {
    throw new ValidationError('platform_account_id', `account ${input.platform_account_id} does not belong to client ${input.client_id}`);
  }
  const hash = payloadHash(payload);
  const scope = { client_id: input.client_id, platform: account.platform, platform_account_id: account.platform_account_id, action_type: input.action_type };
  const key = input.idempotency_key !== undefined ? scopedCallerKey(scope, input.idempotency_key) : idempotencyKey({ ...scope, payload });
  if (input.depends_on) {
    // A caller-supplied id is a claim: it must name an action of the same tenant.
    const dependency = await store.actions.get(input.depends_on);
    if (!dependency || dependency.client_id !== input.client_id) throw new ValidationError('depends_on', `no action ${input.depends_on} for client ${input.client_id}`);
  }
  const dueAt = utc(input.due_at);
  const windowEnd = utc(input.window_end_at);
  if (windowEnd !== null && windowEnd <= (dueAt ?? now.toISOString())) {
    throw new ValidationError('window_end_at', `the window must end after the action is due (${dueAt ?? 'now'})`);
  }
  const prior = await store.ledger.get(key);
  if (prior && prior.payload_hash !== hash) throw new IdempotencyError(key);
  const episodeId = input.episode_id ?? newId();
  const at = now.toISOString();
  const episode = input.episode_id ? undefined : { episode_id: episodeId, client_id: input.client_id, platform_account_id: account.platform_account_id, kind: input.action_type, created_at: at };
  const action: Action = {
    action_id: newId(), episode_id: episodeId, client_id: input.client_id, platform: account.platform,
    platform_account_id: account.platform_account_id, lane: input.lane, action_type: input.action_type,
    payload, payload_hash: hash, idempotency_key: key, state: 'queued', risk: input.risk,
    compliance_flags: input.compliance_flags, created_by: input.created_by, policy_snapshot_id: null,
    attempt_count: 0, verify_tries: 0, owner_id: null, lease_expires_at: null, fence: 0, attempt_ended_at: null, absence: [],
    result: {}, escalated_at: null,
    depends_on: input.depends_on ?? null, due_at: dueAt, window_end_at: windowEnd, not_before: null, created_at: at, updated_at: at,
  };
  return store.actions.create(action, buildAuditEvent(action, { from: null, to: 'queued', reason: 'submitted', at: now }), episode);
}

/**
 * Records an approval (§4.4 two-person rule). The author of an action can never approve it.
 */
export async function approveAction(store: Store, actionId: string, approver: string): Promise<Action> {
  const action = await store.actions.get(actionId);
  if (!action) throw new ValidationError('action_id', `no action ${actionId}`);
  if (approver === action.created_by) throw new PolicyDeniedError('self_approval', `${approver} authored action ${actionId} and cannot approve it`);
  if (action.state !== 'queued') throw new ValidationError('action_id', `action ${actionId} is ${action.state}; only queued actions take approvals`);
  await store.actions.addApproval(actionId, approver);
  // Approved: due again at once (a deferral for the approval may have set a recheck time).
  return new ActionTracker(store, action, () => new Date()).note(`approved by ${approver}`, { patch: { not_before: null } });
}
