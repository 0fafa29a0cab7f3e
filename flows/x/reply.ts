import { OutcomeUnknownError, WrongAccountEffectError } from '../../safety/errors.js';
import type { AttemptReceipt, Precheck, Verification, VerifyLook } from '../../safety/performer.js';
import { findElement } from '../heal.js';
import type { Flow, FlowContext } from '../types.js';
import { commitInBackground, matchPath, open, ownHandle, permalinkOf, receiptSel, payloadText, sameText, seen, sel, statusState, authorOnPage, targetTweet, urlOf } from './common.js';

interface Found {
  id: string;
  permalink: string;
}

/**
 * Our reply with this text under the target tweet (newest first is not guaranteed, so the one
 * the receipt names wins), and whether the conversation loaded.
 */
async function findReply(fc: FlowContext, text: string, preferId?: string): Promise<{ found?: Found; loaded: boolean }> {
  const target = targetTweet(fc);
  const handle = ownHandle(fc);
  await open(fc, 'post', 'status', { handle: target.handle, id: target.id });
  const { page } = fc;
  const loaded = (await page.locator(sel(fc, 'status', 'tweet')).count()) > 0 && (await page.locator(sel(fc, 'status', 'replies')).count()) > 0;
  if (!loaded) return { loaded };
  const replies = await page.locator(`${sel(fc, 'status', 'replies')} ${sel(fc, 'status', 'reply')}`).evaluateAll(
    (els, [textSel, linkSel]) => els.map((el) => ({ text: el.querySelector(textSel!)?.textContent ?? null, href: el.querySelector(linkSel!)?.getAttribute('href') ?? null })),
    [sel(fc, 'status', 'reply_text'), sel(fc, 'status', 'reply_permalink')],
  );
  const ours = replies
    .filter((r) => sameText(r.text, text) && r.href)
    .map((r) => ({ m: matchPath(fc, 'status', r.href!), href: r.href! }))
    .filter((r) => r.m?.id && r.m.handle === handle)
    .map((r) => ({ id: r.m!.id!, permalink: new URL(r.href, fc.origin).toString() }));
  return { found: ours.find((r) => r.id === preferId) ?? ours.at(-1), loaded };
}

/** Replies to a tweet (`payload.target`, see `targetTweet`) with `payload.text`. */
export const replyFlow: Flow = {
  platform: 'x',
  action_type: 'comment_reply',

  async precheck(fc): Promise<Precheck> {
    const { found, loaded } = await findReply(fc, payloadText(fc));
    if (!loaded) throw new Error('x precheck: the conversation did not load');
    return found ? { exists: true, ref: { platform_object_id: found.id, permalink: found.permalink }, level: 2 } : { exists: false };
  },

  steps: [
    {
      name: 'open_post',
      async run(fc) {
        const target = targetTweet(fc);
        await open(fc, 'post', 'status', { handle: target.handle, id: target.id });
        await findElement(fc, 'status.reply_input');
      },
    },
    {
      name: 'fill_reply',
      async run(fc) {
        await (await findElement(fc, 'status.reply_input')).fill(payloadText(fc));
      },
    },
    {
      name: 'send_reply',
      async run(fc) {
        await commitInBackground(fc, 'status.reply_submit', fc.page.locator(sel(fc, 'status', 'reply_submit')));
        fc.surface('post');
      },
    },
    {
      name: 'read_receipt',
      async run(fc) {
        // x.com confirms a reply with the toast of any new post: "Your post was sent." and a View
        // link to the reply (its id, in the link's path). No toast: the reply may still be live.
        const toast = fc.page.locator(receiptSel(fc, 'reply'));
        const shown = await toast.waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false);
        const link = shown ? await permalinkOf(fc, fc.page.locator(receiptSel(fc, 'reply_permalink'))) : undefined;
        if (!link || link.handle.toLowerCase() !== ownHandle(fc).toLowerCase()) throw new OutcomeUnknownError('x reply: sent, but no receipt naming our reply was shown');
        fc.receipt.platform_object_id = link.id;
        fc.receipt.permalink = link.permalink;
      },
    },
  ],

  /**
   * With the receipt's reply id, the reply's own URL is read (`permalink`: shown, or "not
   * found"): precise. Otherwise our reply is looked for by author and text in the conversation:
   * a content match (replies are ranked and paged) that never proves absence.
   */
  async verify(fc, receipt?: AttemptReceipt, look?: VerifyLook): Promise<Verification> {
    const text = payloadText(fc);
    const handle = ownHandle(fc);
    const id = receipt?.platform_object_id && /^\d+$/.test(receipt.platform_object_id) ? receipt.platform_object_id : undefined;
    const durable = async (reply: string) => {
      await open(fc, 'post', 'status', { handle, id: reply });
      const page = fc.page;
      return sameText(await page.locator(sel(fc, 'status', 'text')).first().textContent(), text)
        && (await page.locator(`${sel(fc, 'status', 'like')}, ${sel(fc, 'status', 'unlike')}`).count()) > 0;
    };
    if (id && (look?.surface ?? 'permalink') === 'permalink') {
      const state = await statusState(fc, handle, id, text);
      // The id the receipt named is another account's reply: it went out as someone else.
      if (state === 'foreign') throw new WrongAccountEffectError(await authorOnPage(fc), fc.page.url());
      if (state === 'missing') return seen({ outcome: 'absent', level: 0 }, 'permalink', true);
      if (state === 'shown') {
        const level = (await fc.page.locator(`${sel(fc, 'status', 'like')}, ${sel(fc, 'status', 'unlike')}`).count()) > 0 ? 3 : 2;
        return seen({ outcome: 'present', level, platform_object_id: id, permalink: urlOf(fc, 'status', { handle, id }) }, 'permalink', true);
      }
    }
    const { found, loaded } = await findReply(fc, text, id);
    if (!found) return loaded ? seen({ outcome: 'absent', level: 0 }, 'conversation', false) : seen({ outcome: 'inconclusive', level: receipt ? 1 : 0 }, 'conversation', false);
    // Level 3: the reply's own page shows it with its engagement surface.
    const level = (await durable(found.id).catch(() => false)) ? 3 : 2;
    return seen({ outcome: 'present', level, platform_object_id: found.id, permalink: found.permalink }, 'conversation', false);
  },

  // A new reply shows on its own URL and in the conversation seconds after it exists. Provable
  // only when the receipt named the reply; a reply without one ends unknown.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['permalink'] },
};
