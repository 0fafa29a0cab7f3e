import type { XClient, XDmEvent, XPost } from '../../connectors/index.js';
import { WrongAccountEffectError, type ProofRef, type Verification } from '../../safety/index.js';
import type { Secret } from '../../store/index.js';

/**
 * The read-only looks of the X API lane (§6.3): a post by id, the account's timeline since the
 * newest post before the attempt, the account's likes, a DM conversation. Each says whether it
 * identified the object precisely (by id, or the complete set of what the account did since the
 * attempt began) or matched content only, which never proves absence.
 */

/** Text as X compares it: NFC, t.co links back to what was sent, X's HTML escapes undone, spaces folded. */
export function normaliseText(text: string, urls: { url: string; expanded_url?: string }[] = []): string {
  let s = text.normalize('NFC');
  for (const u of urls) if (u.expanded_url) s = s.split(u.url).join(u.expanded_url);
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').trim();
}

export const samePost = (p: XPost, text: string) => normaliseText(p.text, p.entities?.urls) === normaliseText(text);
export const repliedTo = (p: XPost) => p.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
const newer = (id: string, than: string) => than === 'none' || BigInt(id) > BigInt(than);
const proof = (id: string | undefined, what: string): ProofRef[] => (id ? [{ kind: 'request', ref: `${what} x-transaction-id ${id}` }] : []);

export interface LookInput {
  x: XClient;
  token: Secret;
  /** The account's X user id. */
  me: string;
  permalink: (id: string) => string;
  maxPages: number;
  signal: AbortSignal;
}

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

/** A deleted post: "not found" by id is the delete (precise), the post still shown its absence. */
export async function deletedById(i: LookInput, id: string): Promise<Verification> {
  const a = await i.x.post(i.token, id, i.signal);
  if (a.notFound) return { outcome: 'present', level: 2, platform_object_id: id, permalink: i.permalink(id), surface: 'api_get', precise: true, proofs: proof(a.requestId, 'GET /2/tweets/:id') };
  i.x.raise(a, { write: false });
  return { outcome: 'absent', level: 0, surface: 'api_get', precise: true };
}

/**
 * Our message in the conversation with `peer`: by its event id when the send answered one
 * (precise), else by text among our messages newer than `since` (the newest event before the
 * attempt) — precise "absent" only when we sent nothing at all since.
 */
export async function dmSince(i: LookInput, peer: string, since: string, text: string, eventId?: string): Promise<Verification> {
  const ours: XDmEvent[] = [];
  let next: string | undefined;
  let complete = false;
  for (let page = 0; page < i.maxPages && !complete; page += 1) {
    const list = i.x.raise(await i.x.dmEvents(i.token, peer, { ...(next ? { pagination_token: next } : {}), signal: i.signal }), { write: false });
    for (const e of list.data ?? []) {
      if (!newer(e.id, since)) complete = true;
      else if (e.sender_id === i.me || e.id === eventId) ours.push(e);
    }
    next = list.meta?.next_token;
    if (!next) complete = true;
  }
  const byId = eventId ? ours.find((e) => e.id === eventId) : undefined;
  if (byId) return { outcome: 'present', level: 2, platform_object_id: byId.id, surface: 'dm_events', precise: true };
  if (eventId) return { outcome: 'absent', level: 0, surface: 'dm_events', precise: complete };
  const match = ours.find((e) => normaliseText(e.text ?? '') === normaliseText(text));
  if (match) return { outcome: 'present', level: 2, platform_object_id: match.id, surface: 'dm_events', precise: false };
  return { outcome: 'absent', level: 0, surface: 'dm_events', precise: complete && ours.length === 0 };
}
