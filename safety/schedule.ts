import { z } from 'zod';
import { StaleStateError, type Action, type Store } from '../store/index.js';
import { ValidationError } from './errors.js';
import { ActionTracker } from './tracker.js';

/** A change to a queued action's schedule; `null` clears the window. */
export const RescheduleInput = z.object({
  due_at: z.string().datetime({ offset: true }).nullable().optional(),
  window_end_at: z.string().datetime({ offset: true }).nullable().optional(),
  by: z.string().min(1),
  /** The tenant the caller acts for: an action of another client is "not found". */
  client_id: z.string().min(1).optional(),
});
export type RescheduleInput = z.input<typeof RescheduleInput>;

export const CancelInput = z.object({
  by: z.string().min(1),
  reason: z.string().max(500).optional(),
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
  if (action.state !== 'queued') throw new ValidationError('action_id', `action ${actionId} is ${action.state}: only a queued action can be ${verb}`);
  return action;
}

/** A runner took the action between the read and the write: the change is refused, nothing written. */
function tooLate(actionId: string, verb: string, error: unknown): never {
  if (error instanceof StaleStateError) throw new ValidationError('action_id', `action ${actionId} started meanwhile (${error.actual ?? 'gone'}): it can no longer be ${verb}`);
  throw error;
}

/**
 * Moves a scheduled action's due time or window before it runs (GP1), audited with the old and
 * new times. A compare-and-set on `queued`: an action a runner has already taken is refused.
 */
export async function rescheduleAction(store: Store, actionId: string, raw: RescheduleInput, now: Date = new Date()): Promise<Action> {
  const input = parse(RescheduleInput, raw);
  const action = await queuedAction(store, actionId, input.client_id, 'rescheduled');
  const utc = (iso: string | null | undefined, current: string | null) => (iso === undefined ? current : iso === null ? null : new Date(iso).toISOString());
  const dueAt = utc(input.due_at, action.due_at);
  const windowEnd = utc(input.window_end_at, action.window_end_at);
  if (windowEnd !== null && windowEnd <= (dueAt ?? now.toISOString())) {
    throw new ValidationError('window_end_at', `the window must end after the action is due (${dueAt ?? 'now'})`);
  }
  const reason = `rescheduled by ${input.by}: due ${action.due_at ?? 'now'} → ${dueAt ?? 'now'}, window end ${action.window_end_at ?? 'none'} → ${windowEnd ?? 'none'}`;
  try {
    return await new ActionTracker(store, action, () => now).note(reason, { patch: { due_at: dueAt, window_end_at: windowEnd } });
  } catch (error) {
    return tooLate(actionId, 'rescheduled', error);
  }
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
