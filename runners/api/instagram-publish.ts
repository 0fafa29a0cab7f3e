import type { AttemptReceipt } from '../../safety/index.js';
import { igLooks } from '../../verifiers/index.js';
import { ensureContainer, publishPlan, untilFinished } from './instagram-containers.js';
import { proofsOf, receiptOf, type IgHandler } from './instagram-common.js';

const { publishedPost } = igLooks;

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

  /** Read-only (verifiers/instagram/publish.ts): by id, by another lane's permalink, by the kept container and the listing. */
  verify: (ctx, api, kit, receipt) => {
    const plan = publishPlan(ctx);
    const container = ctx.action.result.lane_refs?.container_id;
    return publishedPost(ctx, api, { caption: plan.caption, live: plan.live, ...(container ? { container } : {}), listingWaitMs: kit.settings.listingWaitMs, pollMs: kit.settings.pollMs, pollCapMs: kit.settings.pollCapMs }, receipt);
  },

  // The container's status and the post by id change with the publish call itself; the window
  // covers a replica that answers a moment late.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
