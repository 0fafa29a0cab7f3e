import { isMissing, type GraphAccount, type MediaItem } from '../../connectors/index.js';
import { sleep, type ActionContext, type AttemptReceipt, type Verification } from '../../safety/index.js';
import { assertOwn, inconclusive, normalise, proofsOf, shortcodeIn } from './common.js';

/** What a publish look needs to know of the action: its caption, what kind of post goes live, its kept container. */
export interface PublishLook {
  caption: string;
  live: { media_type: string; media_product_type: string };
  /** The container an attempt kept (`lane_refs.container_id`), if any. */
  container?: string;
  /** How long the listing is read again for a PUBLISHED container's post, and at what pace. */
  listingWaitMs: number;
  pollMs: number;
  pollCapMs: number;
}

/** The account's newest posts that are this publish: same caption (normalised), same kind, made after the action. */
async function listed(ctx: ActionContext, api: GraphAccount, look: PublishLook): Promise<{ found: MediaItem[]; proofs: ReturnType<typeof proofsOf> }> {
  const answer = await api.recentMedia({ limit: 50 });
  const page = api.raise(answer, false);
  const since = Date.parse(ctx.action.created_at) - 60_000;
  const found = page.data.filter((m) =>
    normalise(m.caption) === normalise(look.caption)
    && (!m.media_type || m.media_type === look.live.media_type)
    && (!m.media_product_type || m.media_product_type === look.live.media_product_type)
    && (!m.timestamp || Date.parse(m.timestamp.replace(/\+0000$/, 'Z')) >= since));
  return { found, proofs: proofsOf(answer) };
}

const seen = (m: { id: string; permalink?: string }, surface: string, precise: boolean, proofs: Verification['proofs']): Verification => ({
  outcome: 'present', level: m.permalink ? 3 : 2, platform_object_id: m.id, ...(m.permalink ? { permalink: m.permalink } : {}), surface, precise, ...(proofs ? { proofs } : {}),
});

/**
 * Read-only look for an Instagram API publish: the post by id (precise; another author's is a
 * WrongAccountEffectError); another lane's receipt (a permalink only) found in the account's own
 * listing by shortcode (never "absent" from there: listings lag); without an id, the kept
 * container's status (precise: a container that is not PUBLISHED was not published, and without a
 * kept container media_publish was never called); a PUBLISHED container's post is then found in
 * the listing by caption and kind (a content match), read again for a while since listings lag.
 */
export async function publishedPost(ctx: ActionContext, api: GraphAccount, look: PublishLook, receipt?: AttemptReceipt): Promise<Verification> {
  if (receipt?.platform_object_id) {
    const answer = await api.media(receipt.platform_object_id);
    if (answer.data?.id) {
      assertOwn(ctx, answer.data.username, answer.data.permalink);
      return seen(answer.data, 'api_get', true, proofsOf(answer, { id: answer.data.id, ...(answer.data.permalink ? { permalink: answer.data.permalink } : {}) }));
    }
    if (isMissing(answer.error)) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true, proofs: proofsOf(answer) };
    return inconclusive('api_get', 1);
  }
  const container = look.container;
  if (!container && receipt?.permalink) {
    const code = shortcodeIn(receipt.permalink) ?? receipt.permalink;
    const answer = await api.recentMedia({ limit: 50 });
    const hit = api.raise(answer, false).data.find((m) => m.permalink && shortcodeIn(m.permalink) === code);
    return hit ? seen(hit, 'listing', true, proofsOf(answer, { id: hit.id, ...(hit.permalink ? { permalink: hit.permalink } : {}) })) : inconclusive('listing', 1);
  }
  if (!container && receipt?.acknowledged) {
    // Another lane's receipt said "shared" and named no post (the web's): the listing by caption
    // finds it — a content match, never an absence.
    const { found, proofs } = await listed(ctx, api, look);
    return found.length === 1 ? seen(found[0]!, 'listing', false, proofs) : inconclusive('listing', found.length > 1 ? 1 : 0);
  }
  if (!container) return { outcome: 'absent', level: 0, surface: 'container', precise: true };
  const status = await api.containerStatus(container);
  if (!status.data) return inconclusive('container');
  if (status.data.status_code !== 'PUBLISHED') return { outcome: 'absent', level: 0, surface: 'container', precise: true, proofs: proofsOf(status, { id: container }) };
  const until = Date.now() + Math.min(look.listingWaitMs, Math.max(0, ctx.deadline - Date.now() - 5_000));
  for (let wait = look.pollMs; ; wait = Math.min(wait * 2, look.pollCapMs)) {
    const { found, proofs } = await listed(ctx, api, look);
    if (found.length === 1) return seen(found[0]!, 'listing', false, [...proofsOf(status, { id: container }), ...proofs]);
    // Two posts of this caption and kind: which one is this action's cannot be told from here.
    if (found.length > 1 || Date.now() + wait > until) return inconclusive('listing', 1);
    await sleep(wait, ctx.signal);
  }
}
