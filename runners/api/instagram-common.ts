import type { z } from 'zod';
import { traceIdOf, type GraphAccount, type GraphAnswer } from '../../connectors/index.js';
import {
  ValidationError, WrongAccountEffectError,
  type AbsenceRule, type ActionContext, type AttemptReceipt, type PlatformHold, type Precheck, type ProofRef, type Verification,
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

/** Text as Instagram compares it: line endings folded, runs of spaces folded, trimmed. */
export const normalise = (s: string | undefined): string => (s ?? '').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').trim();

/** The action's payload through a zod schema: a ValidationError naming the first bad field. */
export function payloadOf<S extends z.ZodType>(ctx: ActionContext, schema: S): z.output<S> {
  const parsed = schema.safeParse(ctx.action.payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ValidationError(`payload.${issue.path.join('.') || '(root)'}`, issue.message);
}

/**
 * §6.1 API-lane proof of one answer: the request (method and path, never the token or the
 * query), its status, Meta's request id (`x-fb-trace-id`, else `fbtrace_id`), and the id the
 * answer carries (a container, a post, a reply, a message); a permalink as its own proof.
 */
export function proofsOf(answer: GraphAnswer<unknown>, found: { id?: string; permalink?: string } = {}): ProofRef[] {
  const trace = answer.traceId ?? traceIdOf(answer.res);
  const parts = [`${answer.res.what} → ${answer.status}`, ...(trace ? [`fbtrace_id ${trace}`] : []), ...(found.id ? [`id ${found.id}`] : [])];
  return [{ kind: 'request', ref: parts.join('; ') }, ...(found.permalink ? [{ kind: 'artifact' as const, ref: found.permalink }] : [])];
}

/** The receipt of a write the platform answered: request id, status, created object id, proofs. */
export function receiptOf(answer: GraphAnswer<unknown>, id: string, permalink?: string): AttemptReceipt {
  const trace = answer.traceId ?? traceIdOf(answer.res);
  return {
    platform_object_id: id, http_status: answer.status, proofs: proofsOf(answer, { id, ...(permalink ? { permalink } : {}) }),
    ...(trace ? { request_id: trace } : {}), ...(permalink ? { permalink } : {}),
  };
}

export const inconclusive = (surface: string, level: 0 | 1 = 0): Verification => ({ outcome: 'inconclusive', level, surface });

/**
 * An object a look found by the id the attempt answered must be the account's own: another
 * author's means the write went out as someone else (a token of another account): never a
 * success (WrongAccountEffectError). An answer without the author proves nothing more.
 */
export function assertOwn(ctx: ActionContext, author: string | undefined, where?: string): void {
  const own = ctx.account.fingerprint.handle.replace(/^@/, '').toLowerCase();
  if (author !== undefined && author.replace(/^@/, '').toLowerCase() !== own) throw new WrongAccountEffectError(`@${author}`, where);
}
