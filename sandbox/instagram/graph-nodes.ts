import { avatarPath } from '../avatars.js';
import type { SandboxContext } from '../context.js';
import { lagKey } from '../lag.js';
import type { Account, Comment, Post, PostChild } from '../types.js';
import type { FieldSpec, GraphNode } from './graph-fields.js';
import { select } from './graph-fields.js';

const graphTime = (iso: string) => iso.replace(/\.\d{3}Z$/, '+0000');

/**
 * The Graph nodes the sandbox serves and their fields. IG Media fields as "IG Media" documents them
 * (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media):
 * media_type IMAGE | VIDEO | CAROUSEL_ALBUM, media_product_type FEED | REELS, `children` (albums
 * only, as {data:[...]}) , `thumbnail_url` (videos only), `is_shared_to_feed` (reels only).
 */
export function graphNodes(ctx: SandboxContext) {
  const { world, state } = ctx;
  const mediaUrl = (name?: string) => (name ? `${world.urls.instagram}/media/${name}` : undefined);

  const user = (a: Account): GraphNode => ({
    id: () => a.id,
    user_id: () => a.id,
    username: () => a.handle,
    name: () => a.display_name,
    account_type: () => 'BUSINESS',
    biography: () => a.bio,
    profile_picture_url: () => `${world.urls.instagram}${avatarPath('instagram', a.id)}`,
    followers_count: () => world.followerCount(a),
    follows_count: () => world.followingCount(a),
    media_count: () => world.postsOf(a, 10_000, 'api_list').length,
  });

  /** A carousel album's item: an IG Media of its own, listed only under the album. */
  const child = (album: Post, k: PostChild): GraphNode => ({
    id: () => k.id,
    media_type: () => k.media_type,
    media_url: () => mediaUrl(k.video ?? k.media),
    thumbnail_url: () => (k.media_type === 'VIDEO' ? mediaUrl(k.media) : undefined),
    permalink: () => world.permalink(album),
    shortcode: () => album.code,
    timestamp: () => graphTime(album.created_at),
    username: () => state.account('instagram', album.account_id)?.handle,
    owner: () => ({ id: album.account_id }),
  });

  const media = (p: Post): GraphNode => {
    const type = p.media_type ?? 'IMAGE';
    return {
      id: () => p.id,
      caption: () => p.text,
      media_type: () => type,
      media_product_type: () => p.media_product_type ?? 'FEED',
      media_url: () => mediaUrl(type === 'VIDEO' ? p.video : (p.children?.[0]?.media ?? p.media)),
      thumbnail_url: () => (type === 'VIDEO' ? mediaUrl(p.media) : undefined),
      permalink: () => world.permalink(p),
      shortcode: () => p.code,
      timestamp: () => graphTime(p.created_at),
      username: () => state.account('instagram', p.account_id)?.handle,
      owner: () => ({ id: p.account_id }),
      is_comment_enabled: () => true,
      is_shared_to_feed: () => (p.media_product_type === 'REELS' ? (p.share_to_feed ?? true) : undefined),
      like_count: () => world.likeCount(p.id),
      comments_count: () => world.data.comments.filter((c) => c.post_id === p.id && world.shows('comments', lagKey.comment(c.id))).length,
      children: (sub?: FieldSpec[]) => (p.children ? { data: p.children.map((k) => select('IGMedia', child(p, k), sub)) } : undefined),
    };
  };

  const comment = (c: Comment): GraphNode => ({
    id: () => c.id,
    text: () => c.text,
    timestamp: () => graphTime(c.created_at),
    username: () => state.account('instagram', c.account_id)?.handle,
    from: () => ({ id: c.account_id, username: state.account('instagram', c.account_id)?.handle }),
    parent_id: () => c.parent_id,
    media: () => ({ id: c.post_id }),
  });

  /** A carousel item's media, found through its album (visible when the album is). */
  const findChild = (id: string): { album: Post; item: PostChild } | undefined => {
    for (const album of world.data.posts) {
      const item = album.platform === 'instagram' && !album.deleted_at ? album.children?.find((k) => k.id === id) : undefined;
      if (item && world.shows('api_get', lagKey.post(album.id))) return { album, item };
    }
    return undefined;
  };

  return { user, media, child, comment, findChild, graphTime };
}
