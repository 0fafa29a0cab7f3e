import type { Verification } from '../../safety/index.js';
import { requestProof as proof, type LookInput } from './look.js';

/** Whether the account likes the post, read off its likes (most recent first); precise when the whole list was read. */
export async function likeOf(i: LookInput, tweetId: string, permalink: string): Promise<Verification> {
  let next: string | undefined;
  for (let page = 0; page < i.maxPages; page += 1) {
    const a = await i.x.likedPosts(i.token, i.me, { ...(next ? { pagination_token: next } : {}), signal: i.signal });
    const list = i.x.raise(a, { write: false });
    const hit = list.data?.find((p) => p.id === tweetId);
    if (hit) return { outcome: 'present', level: hit.public_metrics ? 3 : 2, platform_object_id: tweetId, permalink, surface: 'likes', precise: true, proofs: proof(a.requestId, 'GET /2/users/:id/liked_tweets') };
    next = list.meta?.next_token;
    if (!next) return { outcome: 'absent', level: 0, surface: 'likes', precise: true };
  }
  return { outcome: 'absent', level: 0, surface: 'likes', precise: false };
}
