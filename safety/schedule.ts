import { z } from 'zod';
import { StaleStateError, type Action, type ActionPatch, type ActionState, type Policy, type Store } from '../store/index.js';
import { IdempotencyError, ValidationError } from './errors.js';
import { idempotencyKey, payloadHash } from './keys.js';
import { PAYLOAD_SCHEMAS } from './payloads.js';
import { evaluatePolicy } from './policy.js';
import { approveAction } from './submit.js';
import { ActionTracker } from './tracker.js';

/**
 * A change asked of an action that is past the point where it can take it: it left `queued`
 * (ran, was cancelled, expired), a runner took it meanwhile, or it is past due without the
 * approval it needed. A ValidationError, so callers that treat it as a wrong use (the CLI) keep
 * doing so; the API answers it 409 with `conflict` as its code.
 */
export class ScheduleConflictError extends ValidationError {
  constructor(
    readonly actionId: string,
    readonly conflict: 'not_queued' | 'started' | 'approval_expired',
    /** The action's state when refused (null: it is gone). */
    readonly state: ActionState | null,
    detail: string,
  ) {
    super('action_id', detail);
  }
}

/** Who asks for a change: named in the audit reason, which holds 500 characters at most. */
const Who = z.string().min(1).max(200);

/** A change to a queued action's schedule; `null` clears the window. */
export const RescheduleInput = z.object({
  due_at: z.string().datetime({ offset: true }).nullable().optional(),
  window_end_at: z.string().datetime({ offset: true }).nullable().optional(),
  by: Who,
  /** The tenant the caller acts for: an action of another client is "not found". */
  client_id: z.string().min(1).optional(),
});
export type RescheduleInput = z.input<typeof RescheduleInput>;

export const CancelInput = z.object({
  by: Who,
  reason: z.string().max(200).optional(),
  client_id: z.string().min(1).optional(),
});
export type CancelInput = z.input<typeof CancelInput>;

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ValidationError(issue.path.map(String).join('.') || '(input)', issue.message);
}

/** The queued action a caller may change: of its tenant, not yet started. */
async function queuedAction(store: Store, actionId: string, clientId: string | undefined, verb: string): Promise<Action> {
  const action = await store.actions.get(actionId);
  // Another tenant's id is answered like a missing one: ids are claims, not capabilities.
  if (!action || (clientId !== undefined && action.client_id !== clientId)) throw new ValidationError('action_id', `no action ${actionId}`);
  if (action.state !== 'queued') {
    const conflict = action.result.error_code === 'approval_expired' ? 'approval_expired' : 'not_queued';
    throw new ScheduleConflictError(actionId, conflict, action.state, `action ${actionId} is ${action.state}: only a queued action can be ${verb}`);
  }
  return action;
}

/** A runner took the action between the read and the write: the change is refused, nothing written. */
function tooLate(actionId: string, verb: string, error: unknown): never {
  if (error instanceof StaleStateError) {
    throw new ScheduleConflictError(actionId, 'started', (error.actual ?? null) as ActionState | null, `action ${actionId} started meanwhile (${error.actual ?? 'gone'}): it can no longer be ${verb}`);
  }
  throw error;
}

/** One change to a queued action, checked and ready to write: its patch and how the audit names it. */
interface Planned {
  patch: ActionPatch;
  change: string;
}

function planReschedule(action: Action, times: { due_at?: string | null; window_end_at?: string | null }, now: Date): Planned {
  const utc = (iso: string | null | undefined, current: string | null) => (iso === undefined ? current : iso === null ? null : new Date(iso).toISOString());
  const dueAt = utc(times.due_at, action.due_at);
  const windowEnd = utc(times.window_end_at, action.window_end_at);
  if (windowEnd !== null && windowEnd <= (dueAt ?? now.toISOString())) {
    throw new ValidationError('window_end_at', `the window must end after the action is due (${dueAt ?? 'now'})`);
  }
  return {
    patch: { due_at: dueAt, window_end_at: windowEnd },
    change: `due ${action.due_at ?? 'now'} → ${dueAt ?? 'now'}, window end ${action.window_end_at ?? 'none'} → ${windowEnd ?? 'none'}`,
  };
}

/**
 * The checks submit runs, for a new payload: the schema of the action's type, then the §5.1 key —
 * derived again from the new payload (a caller's own key stays the caller's) and refused when
 * the ledger holds that key with other content. Null when the payload is the same.
 */
async function planEdit(store: Store, action: Action, raw: Record<string, unknown>): Promise<Planned | null> {
  const checked = PAYLOAD_SCHEMAS[action.action_type].safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new ValidationError(['payload', ...issue.path.map(String)].join('.'), issue.message);
  }
  const payload = checked.data;
  const hash = payloadHash(payload);
  if (hash === action.payload_hash) return null;
  // A caller's key (ikc1_) names the request, not its content: it stays, and the ledger decides.
  const key = action.idempotency_key.startsWith('ikc1_')
    ? action.idempotency_key
    : idempotencyKey({ client_id: action.client_id, platform: action.platform, platform_account_id: action.platform_account_id, action_type: action.action_type, payload });
  const prior = await store.ledger.get(key);
  if (prior && prior.payload_hash !== hash) throw new IdempotencyError(key);
  return { patch: { payload, payload_hash: hash, idempotency_key: key }, change: `hash ${action.payload_hash} → ${hash}` };
}

/** Writes a checked change as one audited note, a compare-and-set on `queued`. */
async function writeChange(store: Store, action: Action, reason: string, patch: ActionPatch, verb: string, now: Date): Promise<Action> {
  try {
    return await new ActionTracker(store, action, () => now).note(reason, { patch });
  } catch (error) {
    return tooLate(action.action_id, verb, error);
  }
}

/**
 * Moves a scheduled action's due time or window before it runs (GP1), audited with the old and
 * new times. A compare-and-set on `queued`: an action a runner has already taken is refused.
 */
export async function rescheduleAction(store: Store, actionId: string, raw: RescheduleInput, now: Date = new Date()): Promise<Action> {
  const input = parse(RescheduleInput, raw);
  const action = await queuedAction(store, actionId, input.client_id, 'rescheduled');
  const planned = planReschedule(action, input, now);
  return writeChange(store, action, `rescheduled by ${input.by}: ${planned.change}`, planned.patch, 'rescheduled', now);
}

/**
 * Cancels an action before it runs: `blocked` with `cancelled` as its reason, audited with who
 * and why. Nothing was reserved or claimed yet in `queued`, so nothing needs releasing.
 */
export async function cancelAction(store: Store, actionId: string, raw: CancelInput, now: Date = new Date()): Promise<Action> {
  const input = parse(CancelInput, raw);
  const action = await queuedAction(store, actionId, input.client_id, 'cancelled');
  const reason = `cancelled: by ${input.by}${input.reason ? ` (${input.reason})` : ''}`;
  try {
    return await new ActionTracker(store, action, () => now).move('blocked', { patch: { result: { ...action.result, error_code: 'cancelled' } }, reason });
  } catch (error) {
    return tooLate(actionId, 'cancelled', error);
  }
}

export const EditInput = z.object({
  /** The whole new payload, validated like a submitted one for the action's type. */
  payload: z.record(z.string(), z.unknown()),
  by: Who,
  client_id: z.string().min(1).optional(),
});
export type EditInput = z.input<typeof EditInput>;

/**
 * Replaces a queued action's payload before it runs (GP1: edit before due), with the checks
 * submit runs (see planEdit). Audited with the old and new payload hashes, never the content; a
 * compare-and-set on `queued`, so an action a runner took first is refused. The same payload
 * again changes nothing and writes nothing.
 */
export async function editAction(store: Store, actionId: string, raw: EditInput, now: Date = new Date()): Promise<Action> {
  const input = parse(EditInput, raw);
  const action = await queuedAction(store, actionId, input.client_id, 'edited');
  const planned = await planEdit(store, action, input.payload);
  if (!planned) return action;
  return writeChange(store, action, `payload edited by ${input.by}: ${planned.change}`, planned.patch, 'edited', now);
}

export const UpdateInput = RescheduleInput.extend({ payload: z.record(z.string(), z.unknown()).optional() });
export type UpdateInput = z.input<typeof UpdateInput>;

/**
 * A schedule change and a payload edit at once (the API's PATCH): both checked before anything
 * is written, then one audited note — never the one without the other.
 */
export async function updateQueuedAction(store: Store, actionId: string, raw: UpdateInput, now: Date = new Date()): Promise<Action> {
  const input = parse(UpdateInput, raw);
  const action = await queuedAction(store, actionId, input.client_id, 'changed');
  const times = input.due_at !== undefined || input.window_end_at !== undefined ? planReschedule(action, input, now) : null;
  const content = input.payload !== undefined ? await planEdit(store, action, input.payload) : null;
  if (times && content) {
    return writeChange(store, action, `rescheduled and edited by ${input.by}: ${times.change}; payload ${content.change}`, { ...times.patch, ...content.patch }, 'changed', now);
  }
  if (times) return writeChange(store, action, `rescheduled by ${input.by}: ${times.change}`, times.patch, 'rescheduled', now);
  if (content) return writeChange(store, action, `payload edited by ${input.by}: ${content.change}`, content.patch, 'edited', now);
  return action;
}

/**
 * Where an action stands with the §4.4 approval it may need, as the policy gate decides it:
 * - `not_needed`: the client's autonomy is `auto` and the action is not high-risk;
 * - `approved`: someone other than its author approved it;
 * - `pending`: it needs one and has none yet (`expires_at`: its due time, if scheduled);
 * - `expired`: scheduled, due, and still unapproved — it is blocked, never run late;
 * - `closed`: it needed one, got none, and ended otherwise (cancelled, its window missed).
 * Only the approval rule is judged here; the gate's other checks come when the action runs.
 */
export type ApprovalStatus = 'not_needed' | 'approved' | 'pending' | 'expired' | 'closed';
export interface ApprovalState {
  status: ApprovalStatus;
  /** Why one is needed (`client autonomy is manual`, `dm_send is high-risk`), when it is. */
  why: string | null;
  expires_at: string | null;
}

export function approvalState(
  action: Pick<Action, 'platform' | 'action_type' | 'payload' | 'compliance_flags' | 'risk' | 'created_by' | 'due_at' | 'state' | 'result'>,
  policy: Policy,
  approvals: readonly string[],
  now: Date,
): ApprovalState {
  // The gate with every other check passing: what remains is the approval rule alone.
  const neutral: Policy = {
    ...policy, allowed_actions: { [action.platform]: [action.action_type] }, quiet_hours: null,
    compliance: { banned_terms: [], allowed_flags: [...action.compliance_flags] },
  };
  const judge = (given: readonly string[]) => evaluatePolicy({
    action: { ...action, due_at: null, window_end_at: null }, account: { state: 'active', timezone: 'UTC' }, policy: neutral, approvals: given, now,
  });
  const unapproved = judge([]);
  if (unapproved.ok || unapproved.check !== 'awaiting_approval') return { status: 'not_needed', why: null, expires_at: null };
  const why = unapproved.reason.split(':')[0]!;
  if (judge(approvals).ok) return { status: 'approved', why, expires_at: action.due_at };
  if (action.state === 'blocked' && action.result.error_code === 'approval_expired') return { status: 'expired', why, expires_at: action.due_at };
  if (action.state !== 'queued') return { status: 'closed', why, expires_at: action.due_at };
  const expired = action.due_at !== null && action.due_at <= now.toISOString();
  return { status: expired ? 'expired' : 'pending', why, expires_at: action.due_at };
}

export const ApproveInput = z.object({
  by: Who,
  client_id: z.string().min(1).optional(),
});
export type ApproveInput = z.input<typeof ApproveInput>;

/**
 * Approves a queued action (§4.4, two-person rule) unless the approval comes too late: its author
 * is refused (PolicyDeniedError `self_approval`), an action no longer queued is a
 * ScheduleConflictError (`approval_expired` when that is why it ended), and so is one already
 * due without the approval it needed — the gate expires it, and an approval now would run it
 * late. Recorded with who and when, audited.
 */
export async function approveQueuedAction(store: Store, actionId: string, raw: ApproveInput, now: Date = new Date()): Promise<Action> {
  const input = parse(ApproveInput, raw);
  const found = await store.actions.get(actionId);
  if (!found || (input.client_id !== undefined && found.client_id !== input.client_id)) throw new ValidationError('action_id', `no action ${actionId}`);
  // The author is refused first, whatever the state: the two-person rule is not a timing matter.
  if (found.created_by === input.by) return approveAction(store, actionId, input.by);
  const action = await queuedAction(store, actionId, input.client_id, 'approved');
  const policy = await store.policies.current(action.client_id);
  if (policy && approvalState(action, policy, await store.actions.approvals(actionId), now).status === 'expired') {
    throw new ScheduleConflictError(actionId, 'approval_expired', action.state, `action ${actionId} was due at ${action.due_at} without its approval: it expired and is never run late`);
  }
  try {
    return await approveAction(store, actionId, input.by);
  } catch (error) {
    const current = await store.actions.get(actionId);
    if (error instanceof ValidationError && current && current.state !== 'queued') {
      throw new ScheduleConflictError(actionId, 'started', current.state, `action ${actionId} started meanwhile (${current.state}): it can no longer be approved`);
    }
    return tooLate(actionId, 'approved', error);
  }
}
