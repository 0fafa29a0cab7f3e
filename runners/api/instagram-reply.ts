import { z } from 'zod';
import { isMissing } from '../../connectors/index.js';
import { PlatformRefusalError, type ActionContext, type Verification } from '../../safety/index.js';
import { inconclusive, normalise, payloadOf, proofsOf, receiptOf, type IgHandler } from './instagram-common.js';

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
 * the reply by id (precise), else the comment's replies matched by author and normalised text
 * (a content match: it finds a reply, it never proves one absent).
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
      if (answer.data?.id) return { outcome: 'present', level: 2, platform_object_id: answer.data.id, surface: 'api_get', precise: true, proofs: proofsOf(answer, { id: answer.data.id }) };
      if (isMissing(answer.error)) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true, proofs: proofsOf(answer) };
      return inconclusive('api_get', 1);
    }
    const answer = await api.replies(commentId);
    if (!answer.data) return inconclusive('replies');
    const me = ctx.account.fingerprint.handle.replace(/^@/, '').toLowerCase();
    const mine = answer.data.data.filter((r) => normalise(r.text) === normalise(text) && (!r.username || r.username.toLowerCase() === me));
    if (mine.length === 1) return { outcome: 'present', level: 2, platform_object_id: mine[0]!.id, surface: 'replies', precise: false, proofs: proofsOf(answer, { id: mine[0]!.id }) };
    return mine.length ? inconclusive('replies', 1) : { outcome: 'absent', level: 0, surface: 'replies', precise: false };
  },

  // Only a look by the reply's id is precise; a lost answer (no id) is never proven absent.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
