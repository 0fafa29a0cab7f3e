import { z } from 'zod';
import { type ActionContext, type Verification } from '../../safety/index.js';
import { inconclusive, normalise, payloadOf, proofsOf, receiptOf, type IgHandler } from './instagram-common.js';

/** The browser lane's payload: recipient and text. The API addresses a user by id (its Instagram-scoped id). */
const dmSchema = z.looseObject({
  recipient: z.string().regex(/^\d+$/, 'the API lane sends to an Instagram user id (a handle needs the browser lane)'),
  text: z.string().min(1).max(1000),
});

const dmOf = (ctx: ActionContext) => payloadOf(ctx, dmSchema);

/** Platform and farm clocks may differ this much: a message older than the action minus it is not this action's. */
const CLOCK_SKEW_MS = 60_000;

/**
 * dm_send on the API lane: Instagram Messaging's Send API, `POST /{ig-user-id}/messages` with
 * `{recipient:{id}, message:{text}}`. Meta allows it only within 24 h of the recipient's last
 * message: outside that window the answer is 10/2534022, a definite refusal (nothing sent).
 * Verified by the message id the send answered (Conversations API `GET /{message-id}?fields=id,
 * created_time,from,to,message`, precise), else, when the answer was lost, the conversation with
 * the recipient (`/{ig-user-id}/conversations?user_id=…`, its messages expanded) matched by
 * author, text and time (a content match). Meta serves only the 20 most recent messages of a
 * conversation, by id and listed, so "not found" there is inconclusive, never absent.
 */
export const dmHandler: IgHandler = {
  check: (ctx) => void dmOf(ctx),

  // Dedupe is the ledger's; the conversation is no identification of one message.
  precheck: async () => ({ exists: false }),

  async attempt(ctx, api) {
    const { recipient, text } = dmOf(ctx);
    await ctx.beforeCommit();
    const answer = await api.sendMessage(recipient, text);
    return receiptOf(answer, api.raise(answer, true).message_id);
  },

  async verify(ctx, api, _kit, receipt): Promise<Verification> {
    const { recipient, text } = dmOf(ctx);
    if (receipt?.platform_object_id) {
      const answer = await api.message(receipt.platform_object_id);
      const m = answer.data;
      // The id the send answered, from this account (when the host names the sender).
      if (m?.id && (!m.from?.id || m.from.id === api.userId)) return { outcome: 'present', level: 2, platform_object_id: m.id, surface: 'api_get', precise: true, proofs: proofsOf(answer, { id: m.id }) };
    }
    const answer = await api.conversationWith(recipient);
    if (!answer.data) return inconclusive('thread', receipt ? 1 : 0);
    const since = Date.parse(ctx.action.created_at) - CLOCK_SKEW_MS;
    const mine = answer.data.data
      .flatMap((c) => c.messages?.data ?? [])
      .filter((m) => m.from?.id === api.userId && normalise(m.message) === normalise(text) && !(Date.parse(m.created_time ?? '') < since));
    if (mine.length === 1) return { outcome: 'present', level: 2, platform_object_id: mine[0]!.id, surface: 'thread', precise: false, proofs: proofsOf(answer, { id: mine[0]!.id }) };
    return mine.length || receipt ? inconclusive('thread', 1) : { outcome: 'absent', level: 0, surface: 'thread', precise: false };
  },

  // Never provable here (no precise "absent" look): an ambiguous send ends unknown and goes to a human.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
