import { OutcomeUnknownError, WrongAccountEffectError } from '../../safety/errors.js';
import type { Precheck, Verification } from '../../safety/performer.js';
import { findElement } from '../heal.js';
import type { Flow, FlowContext } from '../types.js';
import { commitInBackground, matchPath, open, ownHandle, payloadText, permalinkOf, receiptSel, sameText, seen, sel, statusState, authorOnPage, urlOf } from './common.js';

/** The profile timeline shows this many tweets; past it, "not on the profile" proves nothing. */
const TIMELINE_WINDOW = 100;

interface Found {
  id: string;
  permalink: string;
}

/**
 * The newest tweet of the account's profile with exactly this text — or, given `id`, the tweet
 * whose time-stamp permalink names that id — and whether the timeline loaded and is complete.
 */
async function findOnProfile(fc: FlowContext, text: string, id?: string): Promise<{ found?: Found; loaded: boolean; complete: boolean }> {
  const handle = ownHandle(fc);
  await open(fc, 'profile', 'profile', { handle });
  const { page } = fc;
  const shown = ((await page.locator(sel(fc, 'profile', 'handle')).first().textContent().catch(() => null)) ?? '').trim().replace(/^@/, '');
  const loaded = shown === handle && (await page.locator(sel(fc, 'profile', 'timeline')).count()) > 0;
  if (!loaded) return { loaded, complete: false };
  const tweets = await page.locator(`${sel(fc, 'profile', 'timeline')} ${sel(fc, 'profile', 'tweet')}`).evaluateAll(
    (els, [textSel, linkSel]) => els.map((el) => ({ text: el.querySelector(textSel!)?.textContent ?? null, href: el.querySelector(linkSel!)?.getAttribute('href') ?? null })),
    [sel(fc, 'profile', 'tweet_text'), sel(fc, 'profile', 'tweet_permalink')],
  );
  for (const t of tweets) {
    if (!t.href) continue;
    if (id !== undefined ? matchPath(fc, 'status', t.href)?.id !== id : !sameText(t.text, text)) continue;
    const m = matchPath(fc, 'status', t.href);
    if (m?.id && m.handle === handle) return { found: { id: m.id, permalink: new URL(t.href, fc.origin).toString() }, loaded, complete: true };
  }
  return { loaded, complete: tweets.length < TIMELINE_WINDOW };
}

/** Level 3 when the tweet's own page shows it with its engagement surface (like button and count). */
async function durable(fc: FlowContext, handle: string, id: string, text: string): Promise<boolean> {
  await open(fc, 'post', 'status', { handle, id });
  const { page } = fc;
  if (!sameText(await page.locator(sel(fc, 'status', 'text')).first().textContent().catch(() => null), text)) return false;
  const button = page.locator(`${sel(fc, 'status', 'like')}, ${sel(fc, 'status', 'unlike')}`);
  return (await button.count()) > 0 && (await page.locator(sel(fc, 'status', 'like_count')).count()) > 0;
}

/** Publishes a text post (`payload.text`) from the composer and waits for its "sent" receipt. */
export const publishFlow: Flow = {
  platform: 'x',
  action_type: 'publish',

  async precheck(fc): Promise<Precheck> {
    const text = payloadText(fc);
    const { found, loaded } = await findOnProfile(fc, text);
    if (!loaded) throw new Error('x precheck: the profile timeline did not load');
    return found ? { exists: true, ref: { platform_object_id: found.id, permalink: found.permalink }, level: 2 } : { exists: false };
  },

  steps: [
    {
      name: 'open_composer',
      async run(fc) {
        await open(fc, 'composer', 'compose');
        await findElement(fc, 'composer.text');
      },
    },
    {
      name: 'fill_text',
      async run(fc) {
        await (await findElement(fc, 'composer.text')).fill(payloadText(fc));
      },
    },
    {
      name: 'post',
      async run(fc) {
        // The web client posts in the background and shows its toast once it read the answer;
        // the answer's body is the client's private format: only its status and the page count.
        await commitInBackground(fc, 'composer.submit', fc.page.locator(sel(fc, 'composer', 'submit')));
        await fc.page.locator(sel(fc, 'composer', 'progress')).waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => undefined);
      },
    },
    {
      name: 'await_receipt',
      async run(fc) {
        const { page } = fc;
        const receipt = page.locator(receiptSel(fc, 'publish'));
        const shown = await receipt.waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false);
        const link = shown ? await permalinkOf(fc, page.locator(receiptSel(fc, 'publish_permalink'))) : undefined;
        if (!link) throw new OutcomeUnknownError('x publish: posted, but no receipt with a permalink was shown');
        fc.receipt.platform_object_id = link.id;
        fc.receipt.permalink = link.permalink;
        fc.surface('composer_receipt');
      },
    },
  ],

  /**
   * With the receipt's tweet id the post is known: its own URL (`permalink`: shown, or "not
   * found") and the profile timeline's time-stamp links (`profile`, by id, when the timeline is
   * complete) are precise looks, the one the kernel asks for read first. Without an id only the
   * text can be looked for on the timeline: a content match that never proves absence.
   */
  async verify(fc, receipt, look): Promise<Verification> {
    const text = payloadText(fc);
    const handle = ownHandle(fc);
    const id = receipt?.platform_object_id && /^\d+$/.test(receipt.platform_object_id) ? receipt.platform_object_id : undefined;
    const level = async (tweet: string) => ((await durable(fc, handle, tweet, text).catch(() => false)) ? 3 : 2);
    if (id && look?.surface !== 'profile') {
      const state = await statusState(fc, handle, id, text);
      // The id the receipt named is another account's tweet: the post went out as someone else.
      if (state === 'foreign') throw new WrongAccountEffectError(await authorOnPage(fc), fc.page.url());
      if (state === 'shown') return seen({ outcome: 'present', level: await level(id), platform_object_id: id, permalink: urlOf(fc, 'status', { handle, id }) }, 'permalink', true);
      return state === 'missing' ? seen({ outcome: 'absent', level: 0 }, 'permalink', true) : seen({ outcome: 'inconclusive', level: 1 }, 'permalink', false);
    }
    const profile = await findOnProfile(fc, text, id);
    const ref = profile.found;
    if (!ref) {
      return profile.loaded && profile.complete ? seen({ outcome: 'absent', level: 0 }, 'profile', id !== undefined) : seen({ outcome: 'inconclusive', level: receipt ? 1 : 0 }, 'profile', false);
    }
    return seen({ outcome: 'present', level: await level(ref.id), platform_object_id: ref.id, permalink: ref.permalink }, 'profile', id !== undefined);
  },

  // A new post shows on its own URL and on the profile timeline seconds after it exists.
  // Provable only when the receipt named the tweet; a post without one ends unknown.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['permalink', 'profile'] },
};
