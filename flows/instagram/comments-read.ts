import { PlatformRefusalError } from '../../safety/index.js';
import { goto, gotoUrl, sel, urlOf } from '../run.js';
import type { FlowContext } from '../types.js';

/** A comment as the web shows it: its id only from its permalink, its author only as a handle. */
export interface WebComment {
  /** The comment id from its permalink `/p/<code>/c/<id>/` (the id the Graph API and webhooks use). */
  id: string;
  /** The post's shortcode. */
  post: string;
  /** The commenter's handle (the web shows no account id). */
  username: string;
  text: string;
  timestamp_ms: number;
}

export interface WebCommentReadOptions {
  /** Comments older than this are left alone (epoch ms). */
  sinceMs: number;
  /** The account's newest posts to open (the profile grid, newest first). @default 6 */
  posts?: number;
}

const bare = (s: string | null | undefined) => (s ?? '').trim().replace(/^@/, '').toLowerCase();
const USERNAME = /^[a-z0-9._]{1,30}$/;

/**
 * The engage loop's comment reader on the browser lane (GP4 for a client without API access):
 * read-only, as a person checking their notifications would — the account's own profile grid,
 * then each of its newest posts' comments. Only what the real page shows is read: a comment's id
 * comes from its timestamp's permalink (`/p/<code>/c/<id>/`), its author from the handle shown.
 * A comment without a readable permalink cannot be told apart from another with the same words,
 * so it is left alone (never engaged twice, never engaged on a guess); so are the account's own
 * comments and anything older than `sinceMs`. A profile that is not the account's (a redirect, a
 * switched session) stops the read: another account's comments must never look like ours.
 */
export async function readOwnComments(fc: FlowContext, options: WebCommentReadOptions): Promise<WebComment[]> {
  const me = bare(fc.account.fingerprint.handle);
  await goto(fc, 'profile', { handle: fc.account.fingerprint.handle }, { surface: 'profile' });
  const shown = bare(await fc.page.locator(sel(fc, 'profile', 'handle')).first().textContent({ timeout: 5000 }).catch(() => null));
  if (shown !== me) throw new PlatformRefusalError('the profile page shown is not the account\'s own: comments not read');
  const hrefs = await fc.page.locator(sel(fc, 'profile', 'tile')).evaluateAll((els) => els.map((el) => el.getAttribute('href') ?? ''));
  const codes = [...new Set(hrefs.map((h) => /\/p\/([A-Za-z0-9_-]+)\/?/.exec(h)?.[1]).filter((c): c is string => c !== undefined))].slice(0, options.posts ?? 6);
  const out: WebComment[] = [];
  for (const code of codes) {
    // The read stops as soon as its owner lost the account (its lease): the session is another's now.
    if (fc.episode.signal.aborted) throw fc.episode.signal.reason ?? new Error('comment read aborted');
    await gotoUrl(fc, urlOf(fc, 'post', { id: code }), { surface: 'post', allowErrorPage: true });
    if (!(await fc.page.locator(sel(fc, 'post', 'root')).count())) continue;
    // Only the account's own posts: a tile that led elsewhere is not ours to answer on.
    if (bare(await fc.page.locator(sel(fc, 'post', 'author')).first().textContent()) !== me) continue;
    const rows = await fc.page.locator(sel(fc, 'post', 'comment')).evaluateAll((els, [authorSel, textSel, linkSel, replySel]) => els.map((el) => {
      // The comment's own permalink: never one inside its replies (a reply's id is not the
      // comment's), and only a link shaped like one (a #hashtag link can contain "/c/" too).
      const link = Array.from(el.querySelectorAll(linkSel!))
        .find((a) => !a.closest(replySel!) && /\/p\/[A-Za-z0-9_-]+\/c\/\d+\/?$/.test((a.getAttribute('href') ?? '').split('?')[0]!));
      return {
        author: el.querySelector(authorSel!)?.textContent ?? '',
        text: el.querySelector(textSel!)?.textContent ?? '',
        href: link?.getAttribute('href') ?? '',
        at: link?.querySelector('time')?.getAttribute('datetime') ?? '',
      };
    }), [sel(fc, 'post', 'comment_author'), sel(fc, 'post', 'comment_text'), sel(fc, 'post', 'comment_permalink'), sel(fc, 'post', 'reply')] as const);
    for (const row of rows) {
      const link = /\/p\/([A-Za-z0-9_-]+)\/c\/(\d+)\/?$/.exec(row.href.split('?')[0]!);
      const username = bare(row.author);
      const at = Date.parse(row.at);
      if (!link || link[1] !== code || !USERNAME.test(username) || username === me) continue;
      if (!Number.isFinite(at) || at < options.sinceMs) continue;
      out.push({ id: link[2]!, post: code, username, text: row.text, timestamp_ms: at });
    }
  }
  return out.sort((a, b) => a.timestamp_ms - b.timestamp_ms);
}
