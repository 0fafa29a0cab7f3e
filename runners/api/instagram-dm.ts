import { z } from 'zod';
import type { ActionContext } from '../../safety/index.js';
import { igLooks } from '../../verifiers/index.js';
import { payloadOf, receiptOf, type IgHandler } from './instagram-common.js';

const { sentMessage } = igLooks;

/** The browser lane's payload: recipient and text. The API addresses a user by id (its Instagram-scoped id). */
const dmSchema = z.looseObject({
  recipient: z.string().regex(/^\d+$/, 'the API lane sends to an Instagram user id (a handle needs the browser lane)'),
  text: z.string().min(1).max(1000),
});

const dmOf = (ctx: ActionContext) => payloadOf(ctx, dmSchema);

/**
 * dm_send on the API lane: Instagram Messaging's Send API, `POST /{ig-user-id}/messages` with
 * `{recipient:{id}, message:{text}}`. Meta allows it only within 24 h of the recipient's last
 * message: outside that window the answer is 10/2534022, a definite refusal (nothing sent).
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

  /** Read-only (verifiers/instagram/dm-send.ts): the message by id, else the conversation. */
  verify: (ctx, api, _kit, receipt) => sentMessage(ctx, api, dmOf(ctx), receipt),

  // Never provable here (no precise "absent" look): an ambiguous send ends unknown and goes to a human.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
