import type { CommentItem, GraphAccount, GraphAnswer } from '../../connectors/index.js';
import { isMissing } from '../../connectors/index.js';
import type { ActionContext, AttemptReceipt, Verification } from '../../safety/index.js';
import { assertOwn, CLOCK_SKEW_MS, inconclusive, normalise, proofsOf } from './common.js';

/** Pages of the replies listing one look reads (at most 50 replies each). */
const REPLY_PAGES = 4;

/**
 * The replies to a comment that could be this action's: by this account (when the host names the
 * author), with the text, not older than the action. Reads up to REPLY_PAGES pages (Meta documents
 * no order for the edge); undefined when a page could not be read.
 */
export async function candidates(ctx: ActionContext, api: GraphAccount, commentId: string, text: string): Promise<{ found: CommentItem[]; seenOn?: GraphAnswer<unknown>; complete: boolean } | undefined> {
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
 * Read-only look for an Instagram API comment reply: the reply by id (precise; another author's is
 * a WrongAccountEffectError), else, when the answer was lost, the comment's replies
 * (`GET /{ig-comment-id}/replies?fields=id,text,timestamp,username`, paged) matched by author,
 * normalised text and time: exactly one such reply among the pages read is this action's (a
 * content match, level 2); several, or none, is inconclusive. A content match never proves a reply absent.
 */
export async function postedReply(ctx: ActionContext, api: GraphAccount, reply: { commentId: string; text: string }, receipt?: AttemptReceipt): Promise<Verification> {
  const { commentId, text } = reply;
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
}
