import { isAbsolute } from 'node:path';
import { OutcomeUnknownError, PlatformRefusalError, type Verification } from '../../safety/index.js';
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
}

/**
 * Opens a post page and reads it back: undefined when the page loaded and shows another post or
 * none (404). Throws when the page did not load (then nothing is proven).
 */
export async function readPost(fc: FlowContext, url: string, caption?: string): Promise<FoundPost | undefined> {
  await gotoUrl(fc, url, { surface: 'post', allowErrorPage: true });
  const root = sel(fc, 'post', 'root');
  const error = fc.layout.annex.friction.error;
  const p = await probePage(fc.page, {
    all: { post: [root], ...(error ? { error: [error] } : {}) },
    text: { caption: sel(fc, 'post', 'caption') },
    visible: { like: sel(fc, 'post', 'like'), comment: sel(fc, 'post', 'comment_input') },
    attr: { id: [root, 'data-post-id'] },
  });
  if (!p.all.post) {
    if (p.all.error) return undefined;
    throw new OutcomeUnknownError('post page loaded without a post or an error');
  }
  if (caption !== undefined) {
    const shown = p.text.caption ?? '';
    if (shown !== caption && shown.trim() !== caption.trim()) return undefined;
  }
  const engagement = p.visible.like === true && p.visible.comment === true;
  return { ...(p.attr.id ? { id: p.attr.id } : {}), permalink: fc.page.url(), engagement };
}

/** Permalinks of the posts of the account's own grid whose caption is exactly `caption`; undefined when the grid did not load. */
export async function gridMatches(fc: FlowContext, caption: string): Promise<string[] | undefined> {
  await goto(fc, 'profile', { handle: fc.account.fingerprint.handle }, { surface: 'profile' });
  // One read: whether the grid is there, and every tile's link and caption (the image's alt).
  const script = `(() => {
    if (!document.querySelector(${JSON.stringify(sel(fc, 'profile', 'grid'))})) return null;
    return [...document.querySelectorAll(${JSON.stringify(sel(fc, 'profile', 'tile'))})]
      .map((a) => ({ href: a.href, alt: a.querySelector('img')?.getAttribute('alt') ?? '' }));
  })()`;
  const tiles = await evaluateQuietly<{ href: string; alt: string }[] | null>(fc.page, script);
  return tiles?.filter((t) => t.alt === caption).map((t) => t.href);
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

export const absent = (): Verification => ({ outcome: 'absent', level: 0 });
export const inconclusive = (level: 0 | 1 = 0): Verification => ({ outcome: 'inconclusive', level });

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


