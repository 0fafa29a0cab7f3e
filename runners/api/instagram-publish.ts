import type { GraphAccount, MediaItem } from '../../connectors/index.js';
import { isMissing } from '../../connectors/index.js';
import { sleep, type ActionContext, type AttemptReceipt, type Verification } from '../../safety/index.js';
import { ensureContainer, publishPlan, untilFinished, type PublishPlan } from './instagram-containers.js';
import { assertOwn, inconclusive, normalise, proofsOf, receiptOf, type IgHandler } from './instagram-common.js';

/** The account's newest posts that are this publish: same caption (normalised), same kind, made after the action. */
async function listed(ctx: ActionContext, api: GraphAccount, plan: PublishPlan): Promise<{ found: MediaItem[]; proofs: ReturnType<typeof proofsOf> }> {
  const answer = await api.recentMedia({ limit: 50 });
  const page = api.raise(answer, false);
  const since = Date.parse(ctx.action.created_at) - 60_000;
  const found = page.data.filter((m) =>
    normalise(m.caption) === normalise(plan.caption)
    && (!m.media_type || m.media_type === plan.live.media_type)
    && (!m.media_product_type || m.media_product_type === plan.live.media_product_type)
    && (!m.timestamp || Date.parse(m.timestamp.replace(/\+0000$/, 'Z')) >= since));
  return { found, proofs: proofsOf(answer) };
}

/** The shortcode of an Instagram permalink (`…/p/<code>/`, `…/reel/<code>/`), else the URL itself. */
const shortcodeOf = (permalink: string) => /\/(?:p|reel|tv)\/([A-Za-z0-9_-]+)/.exec(permalink)?.[1] ?? permalink;

const seen = (m: { id: string; permalink?: string }, surface: string, precise: boolean, proofs: Verification['proofs']): Verification => ({
  outcome: 'present', level: m.permalink ? 3 : 2, platform_object_id: m.id, ...(m.permalink ? { permalink: m.permalink } : {}), surface, precise, ...(proofs ? { proofs } : {}),
});

/**
 * Publish (issue 9): an image post, a reel (`media_type=REELS`, `video_url`) or a carousel
 * (items with `is_carousel_item=true`, then `CAROUSEL` with `children`), chosen by the payload's
 * media. Containers are kept on the action and reused (instagram-containers.ts); the status is
 * polled to FINISHED; `beforeCommit` right before `media_publish`, the one commit.
 */
export const publishHandler: IgHandler = {
  check: (ctx) => void publishPlan(ctx),

  /** content_publishing_limit is a budget: a used-up quota holds publishing, nothing is attempted. */
  async hold(_ctx, api, kit) {
    const limit = api.raise(await api.publishingLimit(), false).data[0];
    const total = limit?.config?.quota_total;
    if (!limit || total === undefined || limit.quota_usage < total) return null;
    return { until: new Date(Date.now() + kit.settings.quotaRecheckMs).toISOString(), reason: `content_publishing_limit ${limit.quota_usage}/${total} in 24 h` };
  },

  // A fresh action has no container yet; one an earlier attempt kept is checked by the attempt
  // itself (a PUBLISHED container goes to verification, never to a second publish).
  precheck: async () => ({ exists: false }),

  async attempt(ctx, api, kit): Promise<AttemptReceipt> {
    const plan = publishPlan(ctx);
    const container = await ensureContainer(ctx, api, plan);
    await untilFinished(ctx, api, container, kit.settings);
    await ctx.beforeCommit();
    const answer = await api.publish(container);
    const media = api.raise(answer, true);
    const read = await api.media(media.id).catch(() => undefined);
    const receipt = receiptOf(answer, media.id, read?.data?.permalink);
    if (read?.data?.permalink) receipt.proofs!.push(...proofsOf(read, { id: media.id }));
    return receipt;
  },

  /**
   * Read-only: the post by id (precise); without an id, the kept container's status (precise:
   * a container that is not PUBLISHED was not published, and without a kept container
   * media_publish was never called); a PUBLISHED container's post is then found in the listing by
   * caption and kind (a content match), read again for a while since listings lag.
   */
  async verify(ctx, api, kit, receipt): Promise<Verification> {
    const plan = publishPlan(ctx);
    if (receipt?.platform_object_id) {
      const answer = await api.media(receipt.platform_object_id);
      if (answer.data?.id) assertOwn(ctx, answer.data.username, answer.data.permalink);
      if (answer.data?.id) return seen(answer.data, 'api_get', true, proofsOf(answer, { id: answer.data.id, ...(answer.data.permalink ? { permalink: answer.data.permalink } : {}) }));
      if (isMissing(answer.error)) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true, proofs: proofsOf(answer) };
      return inconclusive('api_get', 1);
    }
    const container = ctx.action.result.lane_refs?.container_id;
    // Another lane's receipt (the hybrid lane acting in the browser): only a permalink, no media
    // id and no container. The account's own listing finds the post by it; not finding it there
    // proves nothing (listings lag), so it is never "absent".
    if (!container && receipt?.permalink) {
      const code = shortcodeOf(receipt.permalink);
      const answer = await api.recentMedia({ limit: 50 });
      const hit = api.raise(answer, false).data.find((m) => m.permalink && shortcodeOf(m.permalink) === code);
      return hit ? seen(hit, 'listing', true, proofsOf(answer, { id: hit.id, ...(hit.permalink ? { permalink: hit.permalink } : {}) })) : inconclusive('listing', 1);
    }
    if (!container) return { outcome: 'absent', level: 0, surface: 'container', precise: true };
    const status = await api.containerStatus(container);
    if (!status.data) return inconclusive('container');
    if (status.data.status_code !== 'PUBLISHED') return { outcome: 'absent', level: 0, surface: 'container', precise: true, proofs: proofsOf(status, { id: container }) };
    const until = Date.now() + Math.min(kit.settings.listingWaitMs, Math.max(0, ctx.deadline - Date.now() - 5_000));
    for (let wait = kit.settings.pollMs; ; wait = Math.min(wait * 2, kit.settings.pollCapMs)) {
      const { found, proofs } = await listed(ctx, api, plan);
      if (found.length === 1) return seen(found[0]!, 'listing', false, [...proofsOf(status, { id: container }), ...proofs]);
      // Two posts of this caption and kind: which one is this action's cannot be told from here.
      if (found.length > 1 || Date.now() + wait > until) return inconclusive('listing', 1);
      await sleep(wait, ctx.signal);
    }
  },

  // The container's status and the post by id change with the publish call itself; the window
  // covers a replica that answers a moment late.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
