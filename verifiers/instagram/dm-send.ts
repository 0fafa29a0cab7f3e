import type { GraphAccount } from '../../connectors/index.js';
import { WrongAccountEffectError, type ActionContext, type AttemptReceipt, type Verification } from '../../safety/index.js';
import { CLOCK_SKEW_MS, inconclusive, normalise, proofsOf } from './common.js';

/**
 * Read-only look for an Instagram API DM: the message id the send answered (Conversations API
 * `GET /{message-id}?fields=id,created_time,from,to,message`, precise; from another sender it is a
 * WrongAccountEffectError), else, when the answer was lost, the conversation with the recipient
 * (`/{ig-user-id}/conversations?user_id=…`, its messages expanded) matched by author, text and
 * time (a content match). Meta serves only the 20 most recent messages of a conversation, by id
 * and listed, so "not found" there is inconclusive, never absent.
 */
export async function sentMessage(ctx: ActionContext, api: GraphAccount, dm: { recipient: string; text: string }, receipt?: AttemptReceipt): Promise<Verification> {
  const { recipient, text } = dm;
  if (receipt?.platform_object_id) {
    const answer = await api.message(receipt.platform_object_id);
    const m = answer.data;
    if (m?.id && m.from?.id && m.from.id !== api.userId) throw new WrongAccountEffectError(`user ${m.from.id}`, `message ${m.id}`);
    // The id the send answered, from this account (when the host names the sender).
    if (m?.id) return { outcome: 'present', level: 2, platform_object_id: m.id, surface: 'api_get', precise: true, proofs: proofsOf(answer, { id: m.id }) };
  }
  const answer = await api.conversationWith(recipient);
  if (!answer.data) return inconclusive('thread', receipt ? 1 : 0);
  const since = Date.parse(ctx.action.created_at) - CLOCK_SKEW_MS;
  const mine = answer.data.data
    .flatMap((c) => c.messages?.data ?? [])
    .filter((m) => m.from?.id === api.userId && normalise(m.message) === normalise(text) && !(Date.parse(m.created_time ?? '') < since));
  if (mine.length === 1) return { outcome: 'present', level: 2, platform_object_id: mine[0]!.id, surface: 'thread', precise: false, proofs: proofsOf(answer, { id: mine[0]!.id }) };
  return mine.length || receipt ? inconclusive('thread', 1) : { outcome: 'absent', level: 0, surface: 'thread', precise: false };
}
