import type { Locator } from 'playwright-core';
import { PlatformRefusalError } from '../../safety/index.js';
import { clickAndWaitForLoad, gotoUrl, sel, urlOf } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, field, inconclusive, on, present, shortcodeOf } from './common.js';

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

/**
 * The account's own replies under the comment with exactly this text: their ids, read from each
 * reply's permalink (`/p/<code>/c/<id>/`) as the web shows them. A reply without one is still
 * our reply (the pre-check must not post a second), known by its text only.
 */
async function ownReplies(fc: FlowContext, comment: Locator): Promise<string[]> {
  const text = field(fc, 'text');
  const me = fc.account.fingerprint.handle;
  return comment.locator(sel(fc, 'post', 'reply')).evaluateAll((els, [textSel, linkSel, text, me]) =>
    els.filter((el) => el.querySelector('b')?.textContent?.trim() === me && el.querySelector(textSel!)?.textContent === text)
      .map((el) => /\/c\/(\d+)\/?$/.exec((el.querySelector(linkSel!)?.getAttribute('href') ?? '').split('?')[0]!)?.[1] ?? ''),
  [sel(fc, 'post', 'reply_text'), sel(fc, 'post', 'comment_permalink'), text, me] as const);
}

/** Instagram reply to a comment on a post (payload: target = post, comment_id, text). */
export const instagramCommentReply: Flow = {
  platform: 'instagram',
  action_type: 'comment_reply',

  async precheck(fc) {
    const comment = await openComment(fc);
    if (!comment) throw new PlatformRefusalError('the comment to reply to is not on the post');
    const ids = await ownReplies(fc, comment);
    return ids.length ? { exists: true, ref: { platform_object_id: ids[0]!, permalink: fc.page.url().split('?')[0]! }, level: 3 } : { exists: false };
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
        await comment.locator(sel(fc, 'post', 'reply_input')).fill(field(fc, 'text'));
      },
    },
    {
      name: 'send_reply',
      async run(fc) {
        const comment = commentOnPage(fc).first();
        await fc.episode.beforeCommit();
        await clickAndWaitForLoad(fc, comment.locator(sel(fc, 'post', 'reply_submit')));
        const after = commentOnPage(fc).first();
        const ids = (await after.count()) ? await ownReplies(fc, after) : [];
        if (ids.length) {
          fc.receipt.platform_object_id = ids.at(-1)!;
          fc.receipt.permalink = fc.page.url().split('?')[0]!;
        }
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
    const ids = await ownReplies(fc, comment);
    if (!ids.length) return absent('comments', false);
    const id = receipt?.platform_object_id && ids.includes(receipt.platform_object_id) ? receipt.platform_object_id : ids[0]!;
    const engagement = await comment.locator(sel(fc, 'post', 'reply_input')).isVisible();
    return on(present({ id, permalink: fc.page.url().split('?')[0]!, engagement }), 'comments', false);
  },

  // Never provable on the browser lane (content matches only): an ambiguous reply ends unknown
  // and goes to a human. The rule is what a precise look would need.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['comments'] },
};
