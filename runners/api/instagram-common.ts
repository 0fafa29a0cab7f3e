import type { z } from 'zod';
import { traceIdOf, type GraphAccount, type GraphAnswer } from '../../connectors/index.js';
import { igLooks } from '../../verifiers/index.js';
import {
  ValidationError,
  type AbsenceRule, type ActionContext, type AttemptReceipt, type PlatformHold, type Precheck, type Verification,
} from '../../safety/index.js';

/** Settings of the Instagram API lane the action handlers read (see InstagramApiOptions). */
export interface IgSettings {
  pollMs: number;
  pollCapMs: number;
  processingTimeoutMs?: number;
  listingWaitMs: number;
  quotaRecheckMs: number;
}

/** What every action handler gets: the account's Graph API (token opened, throttle applied) and the lane's settings. */
export interface IgKit {
  api(ctx: ActionContext): Promise<GraphAccount>;
  settings: IgSettings;
  /** The action an action depends on (a delete's publish), when the lane was given the store. */
  dependency(ctx: ActionContext): Promise<{ platform_object_id?: string; permalink?: string } | undefined>;
}

/** One action type on the Instagram API lane: the Performer's operations for it. */
export interface IgHandler {
  /** Parses the payload; throws ValidationError naming the field. */
  check(ctx: ActionContext): void;
  hold?(ctx: ActionContext, api: GraphAccount, kit: IgKit): Promise<PlatformHold | null>;
  precheck(ctx: ActionContext, api: GraphAccount, kit: IgKit): Promise<Precheck>;
  attempt(ctx: ActionContext, api: GraphAccount, kit: IgKit): Promise<AttemptReceipt>;
  verify(ctx: ActionContext, api: GraphAccount, kit: IgKit, receipt?: AttemptReceipt): Promise<Verification>;
  absence: Partial<AbsenceRule>;
}

/** The action's payload through a zod schema: a ValidationError naming the first bad field. */
export function payloadOf<S extends z.ZodType>(ctx: ActionContext, schema: S): z.output<S> {
  const parsed = schema.safeParse(ctx.action.payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ValidationError(`payload.${issue.path.join('.') || '(root)'}`, issue.message);
}

/** The receipt of a write the platform answered: request id, status, created object id, proofs. */
export function receiptOf(answer: GraphAnswer<unknown>, id: string, permalink?: string): AttemptReceipt {
  const trace = answer.traceId ?? traceIdOf(answer.res);
  return {
    platform_object_id: id, http_status: answer.status, proofs: proofsOf(answer, { id, ...(permalink ? { permalink } : {}) }),
    ...(trace ? { request_id: trace } : {}), ...(permalink ? { permalink } : {}),
  };
}

/** The verifiers' helpers the handlers share (verifiers/instagram/common.ts). */
export const { assertOwn, inconclusive, normalise, proofsOf } = igLooks;
