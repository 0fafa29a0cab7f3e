import { z } from 'zod';
import { isMissing } from '../../connectors/index.js';
import { igLooks } from '../../verifiers/index.js';
import { PlatformRefusalError, type ActionContext } from '../../safety/index.js';
import { payloadOf, receiptOf, type IgHandler } from './instagram-common.js';

const { postedReply } = igLooks;

const graphId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'not a Graph object id');
/** The browser lane's payload (target = the post, comment_id, text); `parent_id` is accepted for comment_id. */
const replySchema = z.looseObject({ comment_id: graphId.optional(), parent_id: graphId.optional(), text: z.string().min(1).max(2200) })
  .refine((p) => p.comment_id !== undefined || p.parent_id !== undefined, { message: 'the comment to reply to (comment_id)', path: ['comment_id'] });

function replyOf(ctx: ActionContext): { commentId: string; text: string } {
  const p = payloadOf(ctx, replySchema);
  return { commentId: (p.comment_id ?? p.parent_id)!, text: p.text };
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

  /** Read-only (verifiers/instagram/comment-reply.ts): the reply by id, else the comment's replies. */
  verify: (ctx, api, _kit, receipt) => postedReply(ctx, api, replyOf(ctx), receipt),

  // Only a look by the reply's id is precise; a lost answer (no id) is never proven absent.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
