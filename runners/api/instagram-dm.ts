import { z } from 'zod';
import type { ActionContext } from '../../safety/index.js';
import { igLooks } from '../../verifiers/index.js';
import { payloadOf, receiptOf, type IgHandler } from './instagram-common.js';

const { sentMessage } = igLooks;

/** The browser lane's payload: recipient and text. The API addresses a user by id (its Instagram-scoped id). */
const dmSchema = z.looseObject({
  recipient: z.string().regex(/^\d+$/, 'the API lane sends to an Instagram user id (a handle needs the browser lane)'),
  text: z.string().min(1).max(1000),
  /** A private reply (GP4): the comment whose author gets the message; `recipient` is that author's id. */
  private_reply_to: z.string().regex(/^[A-Za-z0-9_-]+$/, 'not a Graph comment id').optional(),
});

const dmOf = (ctx: ActionContext) => payloadOf(ctx, dmSchema);

/**
 * dm_send on the API lane: Instagram Messaging's Send API, `POST /{ig-user-id}/messages` with
 * `{recipient:{id}, message:{text}}` — or, for a private reply to a comment (`private_reply_to`),
 * `{recipient:{comment_id}, message:{text}}`, which Meta allows once per comment within 7 days. Meta allows it only within 24 h of the recipient's last
 * message: outside that window the answer is 10/2534022, a definite refusal (nothing sent).
 */
export const dmHandler: IgHandler = {
  check: (ctx) => void dmOf(ctx),

  // Dedupe is the ledger's; the conversation is no identification of one message.
  precheck: async () => ({ exists: false }),

  async attempt(ctx, api) {
    const { recipient, text, private_reply_to: commentId } = dmOf(ctx);
    await ctx.beforeCommit();
    const answer = commentId ? await api.privateReply(commentId, text) : await api.sendMessage(recipient, text);
    return receiptOf(answer, api.raise(answer, true).message_id);
  },

  /** Read-only (verifiers/instagram/dm-send.ts): the message by id, else the conversation. */
  verify: (ctx, api, _kit, receipt) => sentMessage(ctx, api, dmOf(ctx), receipt),

  // Never provable here (no precise "absent" look): an ambiguous send ends unknown and goes to a human.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
