import { z } from 'zod';
import type { ContainerStatus, GraphAccount } from '../../connectors/index.js';
import { OutcomeUnknownError, PlatformRefusalError, sleep, type ActionContext } from '../../safety/index.js';
import { payloadOf, proofsOf, type IgSettings } from './instagram-common.js';

const httpUrl = z.string().regex(/^https?:\/\//, 'the API lane publishes media the platform can fetch: an http(s) URL (a local file needs the browser lane)');
const publishSchema = z.looseObject({
  caption: z.string().max(2200).optional(),
  text: z.string().max(2200).optional(),
  media: z.array(z.looseObject({ source: httpUrl, kind: z.enum(['image', 'video']).default('image') }))
    .min(1, 'Instagram publishes media: one image, one video (a reel) or 2–10 items (a carousel)')
    .max(10, 'a carousel holds at most 10 items'),
});

/** What one publish makes, chosen by the payload's media: an image post, a reel, or a carousel. */
export interface PublishPlan {
  shape: 'image' | 'reel' | 'carousel';
  caption: string;
  items: { url: string; video: boolean }[];
  /** The post's Graph `media_type` / `media_product_type` once live, for the listing match. */
  live: { media_type: string; media_product_type: string };
}

export function publishPlan(ctx: ActionContext): PublishPlan {
  const p = payloadOf(ctx, publishSchema);
  const items = p.media.map((m) => ({ url: m.source, video: m.kind === 'video' }));
  const caption = p.caption ?? p.text ?? '';
  if (items.length > 1) return { shape: 'carousel', caption, items, live: { media_type: 'CAROUSEL_ALBUM', media_product_type: 'FEED' } };
  return items[0]!.video
    ? { shape: 'reel', caption, items, live: { media_type: 'VIDEO', media_product_type: 'REELS' } }
    : { shape: 'image', caption, items, live: { media_type: 'IMAGE', media_product_type: 'FEED' } };
}

/** The ref under which a carousel item's container is kept on the action. */
export const itemRef = (i: number) => `carousel_item_${i}`;

/** A kept container's status; PUBLISHED and ERROR end here, EXPIRED says to make a new one. */
async function reusable(api: GraphAccount, id: string, what: string): Promise<boolean> {
  const s = api.raise(await api.containerStatus(id), false);
  if (s.status_code === 'PUBLISHED') throw new OutcomeUnknownError(`the kept ${what} ${id} was already published: verification finds the post`);
  if (s.status_code === 'ERROR') throw new PlatformRefusalError(`the kept ${what} ${id} is ERROR: ${(s.status ?? '').slice(0, 160)}`);
  // EXPIRED: never published, and now it cannot be (24 h after its creation).
  return s.status_code !== 'EXPIRED';
}

/**
 * The container to publish, made at most once per action: every container (each carousel item,
 * then the carousel or reel or image) is kept on the action (`keepRef`) as soon as Instagram
 * answers its id and before it is used, so a later attempt reuses the whole set. Only an expired
 * set (never published, no longer publishable) is made again.
 */
export async function ensureContainer(ctx: ActionContext, api: GraphAccount, plan: PublishPlan): Promise<string> {
  const refs = () => ctx.action.result.lane_refs ?? {};
  const kept = refs().container_id;
  if (kept && (await reusable(api, kept, 'container'))) return kept;
  // An expired carousel has expired items too: the whole set is made again.
  const fresh = Boolean(kept);
  const make = async (form: Record<string, string | boolean>, ref: string): Promise<string> => {
    const answer = await api.createContainer(form);
    const id = api.raise(answer, false).id;
    for (const p of proofsOf(answer, { id })) ctx.addProof(p);
    await ctx.keepRef(ref, id);
    return id;
  };
  if (plan.shape === 'image') return make({ image_url: plan.items[0]!.url, caption: plan.caption }, 'container_id');
  if (plan.shape === 'reel') return make({ media_type: 'REELS', video_url: plan.items[0]!.url, caption: plan.caption }, 'container_id');
  const children: string[] = [];
  for (const [i, item] of plan.items.entries()) {
    const id = fresh ? undefined : refs()[itemRef(i)];
    if (id && (await reusable(api, id, `carousel item ${i + 1}`))) {
      children.push(id);
      continue;
    }
    const form: Record<string, string | boolean> = item.video ? { media_type: 'VIDEO', video_url: item.url, is_carousel_item: true } : { image_url: item.url, is_carousel_item: true };
    children.push(await make(form, itemRef(i)));
  }
  return make({ media_type: 'CAROUSEL', children: children.join(','), caption: plan.caption }, 'container_id');
}

/**
 * Polls the container's `status_code` until FINISHED (processing takes seconds for reels and
 * video items). ERROR and EXPIRED are definite: nothing was published and nothing will be. A
 * container still IN_PROGRESS when the processing time is up is not published: a refusal that
 * never reaches `media_publish`, stopping in time to leave the action's deadline to the kernel.
 */
export async function untilFinished(ctx: ActionContext, api: GraphAccount, id: string, s: IgSettings): Promise<void> {
  const started = Date.now();
  const stopAt = Math.min(s.processingTimeoutMs !== undefined ? started + s.processingTimeoutMs : Infinity, ctx.deadline - 5_000);
  let wait = s.pollMs;
  for (;;) {
    const answer = api.raise(await api.containerStatus(id), false);
    const code: ContainerStatus = answer.status_code;
    if (code === 'FINISHED') return;
    if (code === 'PUBLISHED') throw new OutcomeUnknownError(`container ${id} was published meanwhile: verification finds the post`);
    if (code === 'ERROR' || code === 'EXPIRED') throw new PlatformRefusalError(`container ${id} ${code}: ${(answer.status ?? '').slice(0, 160)} (nothing published)`);
    if (Date.now() + wait > stopAt) {
      throw new PlatformRefusalError(`container ${id} still IN_PROGRESS after ${Math.round((Date.now() - started) / 1000)} s: not published (media_publish never called)`);
    }
    await sleep(wait, ctx.signal);
    wait = Math.min(Math.round(wait * 1.5), s.pollCapMs);
  }
}
