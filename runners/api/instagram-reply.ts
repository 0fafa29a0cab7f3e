import { z } from 'zod';
import { isMissing, type CommentItem, type GraphAccount, type GraphAnswer } from '../../connectors/index.js';
import { PlatformRefusalError, type ActionContext, type Verification } from '../../safety/index.js';
import { assertOwn, inconclusive, normalise, payloadOf, proofsOf, receiptOf, type IgHandler } from './instagram-common.js';

const graphId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'not a Graph object id');
/** The browser lane's payload (target = the post, comment_id, text); `parent_id` is accepted for comment_id. */
const replySchema = z.looseObject({ comment_id: graphId.optional(), parent_id: graphId.optional(), text: z.string().min(1).max(2200) })
  .refine((p) => p.comment_id !== undefined || p.parent_id !== undefined, { message: 'the comment to reply to (comment_id)', path: ['comment_id'] });

function replyOf(ctx: ActionContext): { commentId: string; text: string } {
  const p = payloadOf(ctx, replySchema);
  return { commentId: (p.comment_id ?? p.parent_id)!, text: p.text };
}

/** Platform and farm clocks may differ this much: a reply older than the action minus it is not this action's. */
const CLOCK_SKEW_MS = 60_000;
/** Pages of the replies listing one look reads (at most 50 replies each). */
const REPLY_PAGES = 4;

/**
 * The replies to a comment that could be this action's: by this account (when the host names the
 * author), with the text, not older than the action. Reads up to REPLY_PAGES pages (Meta documents
 * no order for the edge); undefined when a page could not be read.
 */
async function candidates(ctx: ActionContext, api: GraphAccount, commentId: string, text: string): Promise<{ found: CommentItem[]; seenOn?: GraphAnswer<unknown>; complete: boolean } | undefined> {
  const me = ctx.account.fingerprint.handle.replace(/^@/, '').toLowerCase();
  const since = Date.parse(ctx.action.created_at) - CLOCK_SKEW_MS;
  const found: CommentItem[] = [];
  let after: string | undefined;
  let seenOn: GraphAnswer<unknown> | undefined;
  for (let page = 1; ; page++) {
    const answer = await api.replies(commentId, { limit: 50, ...(after ? { after } : {}) });
    if (!answer.data) return undefined;
    const here = answer.data.data.filter((r) => normalise(r.text) === normalise(text) && (!r.username || r.username.toLowerCase() === me) && !(Date.parse(r.timestamp ?? '') < since));
    if (here.length) seenOn ??= answer;
    found.push(...here);
    after = answer.data.paging?.next ? answer.data.paging.cursors?.after : undefined;
    if (!after || page === REPLY_PAGES) return { found, complete: !after, ...(seenOn ? { seenOn } : {}) };
  }
}

/**
 * comment_reply on the API lane: `POST /{ig-comment-id}/replies` (message = text). Verified by
 * the reply by id (precise), else, when the answer was lost, the comment's replies
 * (`GET /{ig-comment-id}/replies?fields=id,text,timestamp,username`, paged) matched by author,
 * normalised text and time: exactly one such reply among the pages read is this action's (a
 * content match, level 2); several, or none, is inconclusive. A content match never proves a reply absent.
 */
export const replyHandler: IgHandler = {
  check: (ctx) => void replyOf(ctx),

  async precheck(ctx, api) {
    const { commentId } = replyOf(ctx);
    const answer = await api.comment(commentId);
    if (isMissing(answer.error)) throw new PlatformRefusalError(`the comment ${commentId} to reply to is not there`, answer.status, '100');
    api.raise(answer, false);
    // Dedupe is the ledger's (same action, same key): a listing match by text is no identification.
    return { exists: false };
  },

  async attempt(ctx, api) {
    const { commentId, text } = replyOf(ctx);
    await ctx.beforeCommit();
    const answer = await api.reply(commentId, text);
    return receiptOf(answer, api.raise(answer, true).id);
  },

  async verify(ctx, api, _kit, receipt): Promise<Verification> {
    const { commentId, text } = replyOf(ctx);
    if (receipt?.platform_object_id) {
      const answer = await api.comment(receipt.platform_object_id);
      if (answer.data?.id) assertOwn(ctx, answer.data.username, `comment ${answer.data.id}`);
      if (answer.data?.id) return { outcome: 'present', level: 2, platform_object_id: answer.data.id, surface: 'api_get', precise: true, proofs: proofsOf(answer, { id: answer.data.id }) };
      if (isMissing(answer.error)) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true, proofs: proofsOf(answer) };
      return inconclusive('api_get', 1);
    }
    const look = await candidates(ctx, api, commentId, text);
    if (!look) return inconclusive('replies');
    if (look.found.length === 1) {
      const id = look.found[0]!.id;
      return { outcome: 'present', level: 2, platform_object_id: id, surface: 'replies', precise: false, proofs: look.seenOn ? proofsOf(look.seenOn, { id }) : [] };
    }
    if (look.found.length || !look.complete) return inconclusive('replies', look.found.length ? 1 : 0);
    return { outcome: 'absent', level: 0, surface: 'replies', precise: false };
  },

  // Only a look by the reply's id is precise; a lost answer (no id) is never proven absent.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
