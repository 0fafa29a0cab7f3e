import { traceIdOf, type GraphAnswer } from '../../connectors/index.js';
import { WrongAccountEffectError, type ActionContext, type ProofRef, type Verification } from '../../safety/index.js';

/** Text as Instagram compares it: line endings folded, runs of spaces folded, trimmed. */
export const normalise = (s: string | undefined): string => (s ?? '').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').trim();

/** The shortcode of an Instagram permalink (`…/p/<code>/`, `…/reel/<code>/`, `…/tv/<code>/`), if it is one. */
export const shortcodeIn = (url: string): string | undefined => /\/(?:p|reel|tv)\/([A-Za-z0-9_-]+)/.exec(url)?.[1];

/** Platform and farm clocks may differ this much: an object older than the action minus it is not this action's. */
export const CLOCK_SKEW_MS = 60_000;

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
