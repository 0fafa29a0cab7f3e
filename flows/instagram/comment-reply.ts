import type { Locator } from 'playwright-core';
import { PlatformRefusalError } from '../../safety/index.js';
import { gotoUrl, sel, urlOf } from '../run.js';
import { findElement } from '../heal.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, commitInBackground, field, inconclusive, on, present, shortcodeOf } from './common.js';

const postUrl = (fc: FlowContext) => urlOf(fc, 'post', { id: shortcodeOf(field(fc, 'target')) });
const commentId = (fc: FlowContext) => {
  const id = field(fc, 'comment_id', 'parent_id');
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new PlatformRefusalError('payload.comment_id is not a comment id');
  return id;
};

/**
 * The comment on the post page, found by its permalink (`/p/<code>/c/<id>/`, its timestamp's
 * link): the one place the web shows a comment's id.
 */
const commentOnPage = (fc: FlowContext): Locator =>
  fc.page.locator(sel(fc, 'post', 'comment')).filter({ has: fc.page.locator(`${sel(fc, 'post', 'comment_permalink')}[href*="/c/${commentId(fc)}/"]`) });

/** The comment to reply to, on the post page; undefined when the post or comment is not there. */
async function openComment(fc: FlowContext): Promise<Locator | undefined> {
  await gotoUrl(fc, postUrl(fc), { surface: 'post', allowErrorPage: true });
  if (!(await fc.page.locator(sel(fc, 'post', 'root')).count())) return undefined;
  const comment = commentOnPage(fc);
  return (await comment.count()) ? comment.first() : undefined;
}

/** One of our replies as the page shows it: its id and permalink only when the reply links to its own permalink. */
export interface ShownReply {
  id?: string;
  permalink?: string;
}

/**
 * Our replies among the rows under a comment (author and text as shown, and the href of the
 * reply's timestamp link): the id only from a permalink shaped `/p/<code>/c/<id>/` on this post,
 * never an empty or foreign one. A reply without a permalink is still our reply (the pre-check
 * must not post a second), known by its text only — it carries no id.
 */
export function ownRepliesIn(rows: Array<{ author: string; text: string; href: string }>, me: string, text: string, code: string, origin: string): ShownReply[] {
  return rows.filter((r) => r.author.trim() === me && r.text === text).map((r) => {
    const link = /^(?:https?:\/\/[^/]+)?\/p\/([A-Za-z0-9_-]+)\/c\/(\d+)\/?$/.exec(r.href.split('?')[0]!);
    if (!link || link[1] !== code) return {};
    return { id: link[2]!, permalink: new URL(`/p/${code}/c/${link[2]}/`, origin).href };
  });
}

/** The account's own replies under the comment with exactly this text, as the web shows them. */
async function ownReplies(fc: FlowContext, comment: Locator): Promise<ShownReply[]> {
  const rows = await comment.locator(sel(fc, 'post', 'reply')).evaluateAll((els, [textSel, linkSel]) => els.map((el) => ({
    author: el.querySelector('b')?.textContent ?? '',
    text: el.querySelector(textSel!)?.textContent ?? '',
    href: el.querySelector(linkSel!)?.getAttribute('href') ?? '',
  })), [sel(fc, 'post', 'reply_text'), sel(fc, 'post', 'comment_permalink')] as const);
  return ownRepliesIn(rows, fc.account.fingerprint.handle, field(fc, 'text'), shortcodeOf(field(fc, 'target')), fc.page.url());
}

/** A found reply as an object ref: the reply's own permalink when it shows one, else the post's page. */
const refOf = (fc: FlowContext, reply: ShownReply) => ({
  ...(reply.id ? { platform_object_id: reply.id } : {}),
  permalink: reply.permalink ?? fc.page.url().split('?')[0]!,
});

/** Instagram reply to a comment on a post (payload: target = post, comment_id, text). */
export const instagramCommentReply: Flow = {
  platform: 'instagram',
  action_type: 'comment_reply',

  async precheck(fc) {
    const comment = await openComment(fc);
    if (!comment) throw new PlatformRefusalError('the comment to reply to is not on the post');
    const replies = await ownReplies(fc, comment);
    if (!replies.length) return { exists: false };
    // Found by its text alone, a reply without a permalink is ours but not precisely known: level 2.
    const known = replies.find((r) => r.id) ?? replies[0]!;
    return { exists: true, ref: refOf(fc, known), level: known.id ? 3 : 2 };
  },

  steps: [
    {
      name: 'open_comment',
      async run(fc) {
        if (!(await openComment(fc))) throw new PlatformRefusalError('the comment to reply to is not on the post');
      },
    },
    {
      name: 'write_reply',
      async run(fc) {
        const comment = commentOnPage(fc).first();
        await (await findElement(fc, 'post.reply_input', { within: comment })).fill(field(fc, 'text'));
      },
    },
    {
      name: 'send_reply',
      async run(fc) {
        const comment = commentOnPage(fc).first();
        // The reply shows under the comment at once, without its permalink (the page's own copy,
        // not the platform's): its id comes only from a later look at the post.
        await commitInBackground(fc, 'post.reply_submit', comment.locator(sel(fc, 'post', 'reply_submit')));
        fc.receipt.permalink = fc.page.url().split('?')[0]!;
      },
    },
  ],

  /**
   * Our reply is recognised by its author and text under the comment: a content match (the page
   * a real client shows carries no reply id), so it finds a reply but never proves one absent.
   */
  async verify(fc, receipt) {
    const comment = await openComment(fc);
    if (!comment) return inconclusive('comments');
    const replies = await ownReplies(fc, comment);
    if (!replies.length) return absent('comments', false);
    const reply = replies.find((r) => r.id && r.id === receipt?.platform_object_id) ?? replies.find((r) => r.id) ?? replies[0]!;
    const engagement = await comment.locator(sel(fc, 'post', 'reply_input')).isVisible();
    return on(present({ ...(reply.id ? { id: reply.id, permalink: reply.permalink! } : {}), engagement }), 'comments', false);
  },

  // Never provable on the browser lane (content matches only): an ambiguous reply ends unknown
  // and goes to a human. The rule is what a precise look would need.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['comments'] },
};
