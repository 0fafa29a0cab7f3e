import { isAbsolute } from 'node:path';
import { OutcomeUnknownError, PlatformRefusalError, TransientError, WrongAccountEffectError, type Verification } from '../../safety/index.js';
import { evaluateQuietly } from '../../proofs/index.js';
import { probePage } from '../probe.js';
import type { Locator } from 'playwright-core';
import { commitInBackground as commitBackground } from '../background.js';
import { checkPage, goto, gotoUrl, sel } from '../run.js';
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
  /** When the post went live, as its page says (epoch ms), when shown. */
  createdMs?: number;
  /** The caption as the post page shows it, when shown. */
  caption?: string;
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
    attr: { pressed: [like, 'aria-pressed'], ...(fc.layout.annex.surfaces.post?.time ? { time: [sel(fc, 'post', 'time'), 'datetime'] as [string, string] } : {}) },
  });
  if (!p.all.post) {
    // Only a page that says "not found" says the post is gone: an error page answering a rate
    // limit, a server error or a refusal (429, 5xx, 403) says nothing about the post — read as
    // "gone", it made a delete "already done" and left the post live (chaos --farm, seeds 7, 13).
    if (p.all.error && (status === undefined || status < 400 || status === 404 || status === 410)) return { state: 'missing' };
    if (p.all.error) throw new TransientError(`the post page answered ${status} with an error page: the post's state cannot be read`, false);
    throw new OutcomeUnknownError('post page loaded without a post or an error');
  }
  if (caption !== undefined && !sameCaption(p.text.caption, caption)) return { state: 'other' };
  const created = p.attr.time ? Date.parse(p.attr.time) : NaN;
  const engagement = p.visible.like === true && p.visible.comment === true;
  return {
    state: 'shown',
    post: {
      permalink: fc.page.url().split('?')[0]!, engagement, ...(Number.isFinite(created) ? { createdMs: created } : {}),
      liked: p.attr.pressed === 'true', asOwn: bareHandle(p.text.viewer) === bareHandle(fc.account.fingerprint.handle),
      ...(p.text.author ? { author: bareHandle(p.text.author) } : {}),
      ...(p.text.caption !== null && p.text.caption !== undefined ? { caption: p.text.caption } : {}),
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
export async function gridTiles(fc: FlowContext, handle = fc.account.fingerprint.handle): Promise<{ href: string; alt: string }[] | undefined> {
  await goto(fc, 'profile', { handle }, { surface: 'profile' });
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

/**
 * A caption as the post page shows it against the one we sent: the platform trims it and folds
 * runs of spaces and line breaks; Unicode is compared in NFC. Nothing looser (a caption that
 * differs in words is another post).
 */
export function sameCaption(shown: string | null | undefined, sent: string): boolean {
  const norm = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();
  return norm(shown ?? '') === norm(sent);
}

/** Grid posts a scan opens at most; pinned posts (up to 3) come first, whatever their age. */
const SCAN_MAX = 24;
const PINNED_MAX = 3;

export interface GridScan {
  /** The account's own post with this caption, newest first. */
  found?: FoundPost;
  /** Every post that went live since `sinceMs` was opened (the scan reached older posts, or the grid's end). */
  complete: boolean;
}

/**
 * Finds the account's post with this caption as a person would: the grid's tiles (newest
 * first; their alt text is generated — "Photo by … on …" — never the caption), each opened and
 * its caption compared, until a post older than `sinceMs` past the pinned ones shows that no
 * newer one is left. A tile whose page did not show a post leaves the scan incomplete.
 * Undefined when the grid did not load. A tile whose generated alt text dates it days before
 * `sinceMs` (`tileDatedBefore`) is not opened: it cannot be the post sought. One tab, one post
 * at a time: side tabs reading posts at once were slower on a 2-core host (a renderer process
 * each), not faster.
 */
/** Month names the tiles' alt text may use, lower-cased, to their month (0–11), in the languages the annexes speak and their neighbours. */
const MONTHS: ReadonlyMap<string, number> = new Map(
  ['en', 'es', 'pt', 'fr', 'de', 'it'].flatMap((locale) => {
    const format = new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' });
    return Array.from({ length: 12 }, (_, m) => [format.format(new Date(Date.UTC(2020, m, 15))).toLocaleLowerCase(), m] as [string, number]);
  }),
);

/** Later than any moment a post dated D (its calendar day, in whatever time zone the platform wrote it) can have gone live: D's end plus a day. */
const DATED_SLACK_MS = 2 * 86_400_000;

/**
 * The latest moment (epoch ms) a tile's post can have gone live, from the date its generated alt
 * text gives ("Photo by … on December 05, 2026.", annex text `tile_alt_date` per locale); undefined
 * when the alt text is not in one of those forms (custom alt text, a new wording), or names no
 * real date. Day precision only, with a day's slack for the time zone it was written in.
 */
export function tileDatedBefore(texts: Readonly<Record<string, readonly string[]>>, alt: string): number | undefined {
  for (const pattern of texts.tile_alt_date ?? []) {
    const slots: string[] = [];
    const source = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(name|month|day|year)\\?\}/g, (_, slot: string) => {
      slots.push(slot);
      return slot === 'name' ? '(.+?)' : slot === 'month' ? '(\\p{L}+)' : slot === 'day' ? '(\\d{1,2})' : '(\\d{4})';
    });
    const m = new RegExp(`^${source}`, 'u').exec(alt.trim());
    if (!m) continue;
    const at = (slot: string) => m[slots.indexOf(slot) + 1] ?? '';
    const month = MONTHS.get(at('month').toLocaleLowerCase());
    const day = Number(at('day'));
    const year = Number(at('year'));
    if (month === undefined) continue;
    const start = Date.UTC(year, month, day);
    // "February 31" is no date: read as one it would be March 3rd.
    if (new Date(start).getUTCDate() !== day || new Date(start).getUTCMonth() !== month) continue;
    return start + DATED_SLACK_MS;
  }
  return undefined;
}

export async function scanGrid(fc: FlowContext, caption: string, sinceMs: number, handle = fc.account.fingerprint.handle): Promise<GridScan | undefined> {
  const tiles = await gridTiles(fc, handle);
  if (!tiles) return undefined;
  const hrefs = [...new Set(tiles.map((t) => t.href))];
  // A tile whose page did not show its post (a permalink lagging behind the grid answers "not
  // found" for a while) could be the one sought: after it, no look can prove an absence.
  let unread = false;
  const alts = new Map(tiles.map((t) => [t.href, t.alt]));
  for (const [i, href] of hrefs.slice(0, SCAN_MAX).entries()) {
    // A tile whose own alt text dates it before the action is not its post (pinned or old): not opened.
    const datedBefore = tileDatedBefore(fc.layout.annex.texts, alts.get(href) ?? '');
    if (datedBefore !== undefined && datedBefore < sinceMs) {
      if (i >= PINNED_MAX) return { complete: !unread };
      continue;
    }
    const r = await readPostState(fc, href);
    if (r.state !== 'shown') {
      unread = true;
      continue;
    }
    if (sameCaption(r.post.caption, caption)) return { found: r.post, complete: true };
    // Past the pinned posts, one older than the attempt means every newer one was read.
    if (i >= PINNED_MAX && r.post.createdMs !== undefined && r.post.createdMs < sinceMs) return { complete: !unread };
  }
  return { complete: !unread && hrefs.length <= SCAN_MAX };
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

export { settle, saysText } from '../background.js';

/** The Instagram commit of a background action (flows/background.ts), its friction read by the guardrails. */
export function commitInBackground(fc: FlowContext, element: string, button: Locator, options: { leavesPage?: boolean } = {}): Promise<number> {
  return commitBackground(fc, element, button, { ...options, friction: (f) => checkPage(f, { allowErrorPage: true }) });
}

/**
 * Where a post missing from the account's grid may have gone instead: the grids of the other
 * accounts logged in on the same browser (the account switcher lists them). A session switched
 * with the share already on its way posts as one of them; a human looking for a lost post
 * would look there too. Returns that account's post with this caption, if any.
 */
export async function scanOtherAccounts(fc: FlowContext, caption: string, sinceMs: number): Promise<FoundPost | undefined> {
  const listed = fc.layout.annex.surfaces.nav?.switcher_account;
  if (!listed) return undefined;
  const me = bareHandle(fc.account.fingerprint.handle);
  const handles = (await fc.page.locator(listed).allTextContents().catch(() => [] as string[])).map(bareHandle).filter((h) => h !== '' && h !== me);
  for (const handle of [...new Set(handles)]) {
    const scan = await scanGrid(fc, caption, sinceMs, handle).catch(() => undefined);
    if (scan?.found) return scan.found;
  }
  return undefined;
}
