import type { XPost } from '../../connectors/index.js';
import { WrongAccountEffectError, type Verification } from '../../safety/index.js';
import { newer, requestProof as proof, type LookInput } from './look.js';
import { repliedTo, samePost } from './text.js';

/**
 * Publish and reply on the X API lane (a reply is a post that answers another): the post by the
 * id the attempt answered, else the account's timeline since the newest post before the attempt.
 */
/** The post by id: shown (with the engagement counts: level 3), or "not found" — precise both ways. */
export async function postById(i: LookInput, id: string): Promise<Verification> {
  const a = await i.x.post(i.token, id, i.signal);
  if (a.notFound) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true, proofs: proof(a.requestId, 'GET /2/tweets/:id') };
  const p = i.x.raise(a, { write: false }).data;
  // The id the attempt answered is another user's post: the write went out as someone else.
  if (p.author_id && p.author_id !== i.me) throw new WrongAccountEffectError(`user ${p.author_id}`, i.permalink(p.id));
  return { outcome: 'present', level: p.public_metrics ? 3 : 2, platform_object_id: p.id, permalink: i.permalink(p.id), surface: 'api_get', precise: true, proofs: proof(a.requestId, 'GET /2/tweets/:id') };
}

/**
 * The account's posts newer than `since` (the newest one before the attempt; `none`: the
 * timeline was empty), matched by text (and, for a reply, the post it answers). A match is a
 * content match; "absent" is precise only when the account posted nothing at all since: then no
 * rewriting of the text by X can hide our post.
 */
export async function postSince(i: LookInput, since: string, text: string, replyTo?: string): Promise<Verification> {
  const posts: XPost[] = [];
  let next: string | undefined;
  let complete = false;
  for (let page = 0; page < i.maxPages; page += 1) {
    const a = i.x.raise(await i.x.recentPosts(i.token, i.me, { ...(since !== 'none' ? { since_id: since } : {}), max_results: 100, ...(next ? { pagination_token: next } : {}), signal: i.signal }), { write: false });
    posts.push(...(a.data ?? []).filter((p) => newer(p.id, since)));
    next = a.meta?.next_token;
    if (!next) {
      complete = true;
      break;
    }
  }
  const found = posts.filter((p) => samePost(p, text) && (replyTo === undefined || repliedTo(p) === replyTo)).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))[0];
  if (found) return { outcome: 'present', level: found.public_metrics ? 3 : 2, platform_object_id: found.id, permalink: i.permalink(found.id), surface: 'timeline', precise: false };
  return { outcome: 'absent', level: 0, surface: 'timeline', precise: complete && posts.length === 0 };
}
