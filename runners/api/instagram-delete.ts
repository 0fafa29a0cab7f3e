import { z } from 'zod';
import { isMissing, type GraphAccount } from '../../connectors/index.js';
import { OutcomeUnknownError, PlatformRefusalError, type ActionContext } from '../../safety/index.js';
import { igLooks } from '../../verifiers/index.js';
import { payloadOf, receiptOf, type IgKit, type IgHandler } from './instagram-common.js';

const { deletedMedia, shortcodeIn } = igLooks;

/** The browser lane's payload: target = the post's permalink, shortcode or media id (`media_id` also accepted). */
const deleteSchema = z.looseObject({ target: z.string().min(1).max(500), media_id: z.string().regex(/^\d+$/).optional() });

/** A permalink's shortcode, or the target itself when it is a bare shortcode. */
const shortcodeOf = (target: string) => shortcodeIn(target) ?? (/^[A-Za-z0-9_-]+$/.test(target) ? target : undefined);

/**
 * The media id to delete: kept by an earlier attempt; given (`media_id`, or a numeric target); the
 * publish this delete depends on, when its permalink or id is the target; else the account's
 * media listing searched for the target's shortcode (a few pages).
 */
async function mediaIdOf(ctx: ActionContext, api: GraphAccount, kit: IgKit): Promise<string | undefined> {
  const kept = ctx.action.result.lane_refs?.media_id;
  if (kept) return kept;
  const { target, media_id } = payloadOf(ctx, deleteSchema);
  if (media_id) return media_id;
  if (/^\d+$/.test(target)) return target;
  const code = shortcodeOf(target);
  if (!code) throw new PlatformRefusalError('payload.target is not an Instagram post (permalink, shortcode or media id)');
  const dep = await kit.dependency(ctx);
  if (dep?.platform_object_id && dep.permalink && shortcodeOf(dep.permalink) === code) return dep.platform_object_id;
  let after: string | undefined;
  for (let page = 0; page < 4; page += 1) {
    const answer = api.raise(await api.recentMedia({ limit: 100, ...(after ? { after } : {}) }), false);
    const hit = answer.data.find((m) => m.permalink && shortcodeOf(m.permalink) === code);
    if (hit) return hit.id;
    after = answer.paging?.next ? answer.paging.cursors?.after : undefined;
    if (!after) return undefined;
  }
  return undefined;
}

/**
 * delete on the API lane: `DELETE /{ig-media-id}` of the account's own post (the publish it
 * depends on).
 */
export const deleteHandler: IgHandler = {
  check: (ctx) => void payloadOf(ctx, deleteSchema),

  async precheck(ctx, api, kit) {
    const id = await mediaIdOf(ctx, api, kit);
    if (!id) throw new PlatformRefusalError('the post to delete is not among the account\'s media');
    const answer = await api.media(id);
    // Already gone: the desired state holds (as on the browser lane).
    if (isMissing(answer.error)) return { exists: true, ref: { platform_object_id: id }, level: 2 };
    api.raise(answer, false);
    return { exists: false };
  },

  async attempt(ctx, api, kit) {
    const id = await mediaIdOf(ctx, api, kit);
    if (!id) throw new PlatformRefusalError('the post to delete is not among the account\'s media');
    if (!ctx.action.result.lane_refs?.media_id) await ctx.keepRef('media_id', id);
    await ctx.beforeCommit();
    const answer = await api.deleteMedia(id);
    // "Does not exist" on the delete: gone already (an earlier attempt whose answer was lost?); the look says.
    if (isMissing(answer.error)) throw new OutcomeUnknownError(`DELETE media ${id}: the post is not there (already deleted?)`);
    api.raise(answer, true);
    return receiptOf(answer, id);
  },

  /** Read-only (verifiers/instagram/delete.ts): the post by id. */
  async verify(ctx, api, kit, receipt) {
    return deletedMedia(api, receipt?.platform_object_id ?? ctx.action.result.lane_refs?.media_id ?? (await mediaIdOf(ctx, api, kit)), receipt);
  },

  // A deleted post may still be served by a lagging replica for a moment.
  absence: { windowMs: 10_000, looks: 2, surfaces: [] },
};
