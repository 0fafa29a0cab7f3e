import { isAbsolute } from 'node:path';
import { OutcomeUnknownError, PlatformRefusalError, TransientError, WrongAccountEffectError, type Verification } from '../../safety/index.js';
import { evaluateQuietly } from '../../proofs/index.js';
import { probePage } from '../probe.js';
import { goto, gotoUrl, sel } from '../run.js';
import type { FlowContext } from '../types.js';

/** A string field of the action's payload, or a refusal naming it. */
export function field(fc: FlowContext, ...names: string[]): string {
  for (const name of names) {
    const v = fc.action.payload[name];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  throw new PlatformRefusalError(`payload.${names.join(' or payload.')} is required for instagram ${fc.action.action_type}`);
}

/** A post target (shortcode, `/p/<code>/` path or permalink) as its shortcode. */
export function shortcodeOf(target: string): string {
  const m = /\/p\/([A-Za-z0-9_-]+)\/?/.exec(target);
  const code = m ? m[1]! : target.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(code)) throw new PlatformRefusalError('payload.target is not an instagram post (shortcode, /p/<code>/ or permalink)');
  return code;
}

/** The image to upload: an absolute file path, a data: URL or an http(s) URL. */
export async function mediaFile(fc: FlowContext): Promise<string | { name: string; mimeType: string; buffer: Buffer }> {
  const media = fc.action.payload.media;
  const source = Array.isArray(media) ? (media[0] as { source?: unknown } | undefined)?.source : undefined;
  if (typeof source !== 'string') throw new PlatformRefusalError('payload.media[0].source is required: instagram posts need an image');
  if (source.startsWith('data:')) {
    const [head, data = ''] = source.split(',', 2);
    const mimeType = /^data:([^;,]+)/.exec(head ?? '')?.[1] ?? 'image/png';
    return { name: `upload.${mimeType.split('/')[1] ?? 'png'}`, mimeType, buffer: Buffer.from(data, 'base64') };
  }
  if (/^https?:\/\//.test(source)) {
    const res = await fc.page.request.get(source);
    if (!res.ok()) throw new PlatformRefusalError(`payload.media[0].source answered ${res.status()}`);
    const mimeType = res.headers()['content-type']?.split(';')[0] ?? 'image/png';
    return { name: `upload.${mimeType.split('/')[1] ?? 'png'}`, mimeType, buffer: await res.body() };
  }
  if (isAbsolute(source)) return source;
  throw new PlatformRefusalError('payload.media[0].source must be an absolute path, a data: URL or an http(s) URL');
}

/** A post found on the platform. */
export interface FoundPost {
  id?: string;
  permalink: string;
  engagement: boolean;
  /** The like button's state for the account the page shows. */
  liked: boolean;
  /** Whether the page chrome shows the action's account as the active one (whose like state this is). */
  asOwn: boolean;
  /** The post's author as its page names it (a handle), when shown. */
  author?: string;
}

/** What a post URL answered: the post (with the caption asked for), "not available" (404), or another post. */
export type PostRead = { state: 'shown'; post: FoundPost } | { state: 'missing' } | { state: 'other' };

const bareHandle = (s: string | null | undefined) => (s ?? '').trim().replace(/^@/, '').toLowerCase();

/**
 * Opens a post page and reads it back in one page read. Throws when the page did not load
 * (then nothing is proven).
 */
export async function readPostState(fc: FlowContext, url: string, caption?: string): Promise<PostRead> {
  const status = await gotoUrl(fc, url, { surface: 'post', allowErrorPage: true });
  const root = sel(fc, 'post', 'root');
  const error = fc.layout.annex.friction.error;
  const like = sel(fc, 'post', 'like');
  const p = await probePage(fc.page, {
    all: { post: [root], ...(error ? { error: [error] } : {}) },
    text: { caption: sel(fc, 'post', 'caption'), viewer: fc.layout.annex.identity.handle, author: sel(fc, 'post', 'author') },
    visible: { like, comment: sel(fc, 'post', 'comment_input') },
    attr: { id: [root, 'data-post-id'], pressed: [like, 'aria-pressed'] },
  });
  if (!p.all.post) {
    // Only a page that says "not found" says the post is gone: an error page answering a rate
    // limit, a server error or a refusal (429, 5xx, 403) says nothing about the post — read as
    // "gone", it made a delete "already done" and left the post live (chaos --farm, seeds 7, 13).
    if (p.all.error && (status === undefined || status < 400 || status === 404 || status === 410)) return { state: 'missing' };
    if (p.all.error) throw new TransientError(`the post page answered ${status} with an error page: the post's state cannot be read`, false);
    throw new OutcomeUnknownError('post page loaded without a post or an error');
  }
  if (caption !== undefined) {
    const shown = p.text.caption ?? '';
    if (shown !== caption && shown.trim() !== caption.trim()) return { state: 'other' };
  }
  const engagement = p.visible.like === true && p.visible.comment === true;
  return {
    state: 'shown',
    post: {
      ...(p.attr.id ? { id: p.attr.id } : {}), permalink: fc.page.url(), engagement,
      liked: p.attr.pressed === 'true', asOwn: bareHandle(p.text.viewer) === bareHandle(fc.account.fingerprint.handle),
      ...(p.text.author ? { author: bareHandle(p.text.author) } : {}),
    },
  };
}

/**
 * A post found as this action's effect must be the account's own: another author means the
 * effect went out as someone else (WrongAccountEffectError, never a success); no author shown
 * means the look cannot tell (it fails, proving nothing).
 */
export function assertOwnPost(fc: FlowContext, post: FoundPost): FoundPost {
  if (!post.author) throw new OutcomeUnknownError('the post page shows no author: whose post it is cannot be told');
  if (post.author !== bareHandle(fc.account.fingerprint.handle)) throw new WrongAccountEffectError(`@${post.author}`, post.permalink);
  return post;
}

/**
 * Opens a post page and reads it back: undefined when the page loaded and shows another post or
 * none (404). Throws when the page did not load (then nothing is proven).
 */
export async function readPost(fc: FlowContext, url: string, caption?: string): Promise<FoundPost | undefined> {
  const r = await readPostState(fc, url, caption);
  return r.state === 'shown' ? r.post : undefined;
}

/** The links and captions (image alt) of the account's own grid, newest first; undefined when the grid did not load. */
export async function gridTiles(fc: FlowContext): Promise<{ href: string; alt: string }[] | undefined> {
  await goto(fc, 'profile', { handle: fc.account.fingerprint.handle }, { surface: 'profile' });
  // One read: whether the grid is there, and every tile's link and caption (the image's alt).
  const script = `(() => {
    if (!document.querySelector(${JSON.stringify(sel(fc, 'profile', 'grid'))})) return null;
    return [...document.querySelectorAll(${JSON.stringify(sel(fc, 'profile', 'tile'))})]
      .map((a) => ({ href: a.href, alt: a.querySelector('img')?.getAttribute('alt') ?? '' }));
  })()`;
  return (await evaluateQuietly<{ href: string; alt: string }[] | null>(fc.page, script)) ?? undefined;
}

/** The shortcode of a post permalink (`…/p/<code>/`), or undefined. */
export function shortcodeIn(url: string | undefined): string | undefined {
  return url ? /\/p\/([A-Za-z0-9_-]+)\/?/.exec(url)?.[1] : undefined;
}

/** Permalinks of the posts of the account's own grid whose caption is exactly `caption`; undefined when the grid did not load. */
export async function gridMatches(fc: FlowContext, caption: string): Promise<string[] | undefined> {
  return (await gridTiles(fc))?.filter((t) => t.alt === caption).map((t) => t.href);
}

/** A verification of a found object: level 3 with a permalink and a visible engagement surface, else 2. */
export function present(found: { id?: string; permalink?: string; engagement?: boolean }): Verification {
  return {
    outcome: 'present',
    level: found.permalink && found.engagement ? 3 : 2,
    ...(found.id ? { platform_object_id: found.id } : {}),
    ...(found.permalink ? { permalink: found.permalink } : {}),
  };
}

/**
 * One look's verdict with the surface it read and whether it was precise (flows/types.ts
 * `Flow.verify`): only precise "absent" looks can ever prove that an effect did not happen.
 */
export const absent = (surface: string, precise: boolean): Verification => ({ outcome: 'absent', level: 0, surface, precise });
export const inconclusive = (surface: string, level: 0 | 1 = 0): Verification => ({ outcome: 'inconclusive', level, surface, precise: false });
export const on = (v: Verification, surface: string, precise: boolean): Verification => ({ ...v, surface, precise });

/** Polls (every 20 ms: a check is one untraced page read) until `check` names a state, or the timeout passes (then 'timeout'). */
export async function settle<T extends string>(fc: FlowContext, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T | 'timeout'> {
  const deadline = Math.min(Date.now() + timeoutMs, fc.episode.deadline);
  for (;;) {
    const state = await check().catch(() => undefined);
    if (state) return state;
    if (Date.now() > deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, 20));
  }
}


