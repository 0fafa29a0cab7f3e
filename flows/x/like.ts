import { confirmCommitPage } from '../run.js';
import type { Precheck, Verification } from '../../safety/performer.js';
import type { Flow, FlowContext } from '../types.js';
import { commitInBackground, open, seen, showsOwnAccount, sel, targetTweet, urlOf, type TweetRef } from './common.js';

type LikeState = 'liked' | 'not_liked' | 'unknown';

/**
 * Whether the account likes the tweet, read on the tweet's page. The page shows the like of
 * whoever is logged in, so it only counts when the chrome shows our own account.
 */
async function likeState(fc: FlowContext, tweet: TweetRef): Promise<LikeState> {
  await open(fc, 'post', 'status', { handle: tweet.handle, id: tweet.id });
  if (!(await showsOwnAccount(fc))) return 'unknown';
  const { page } = fc;
  if ((await page.locator(sel(fc, 'status', 'unlike')).count()) > 0) return 'liked';
  if ((await page.locator(sel(fc, 'status', 'like')).count()) > 0) return 'not_liked';
  return 'unknown';
}

/** Likes a tweet (`payload.target`: its permalink, or its id; see `targetTweet`). */
export const likeFlow: Flow = {
  platform: 'x',
  action_type: 'like',

  async precheck(fc): Promise<Precheck> {
    const tweet = targetTweet(fc);
    const state = await likeState(fc, tweet);
    if (state === 'unknown') throw new Error('x precheck: the like state of the tweet could not be read');
    if (state === 'not_liked') return { exists: false };
    return { exists: true, ref: { platform_object_id: tweet.id, permalink: urlOf(fc, 'status', { handle: tweet.handle, id: tweet.id }) }, level: 3 };
  },

  steps: [
    {
      name: 'open_post',
      async run(fc) {
        const tweet = targetTweet(fc);
        await open(fc, 'post', 'status', { handle: tweet.handle, id: tweet.id });
        await fc.page.locator(`${sel(fc, 'status', 'like')}, ${sel(fc, 'status', 'unlike')}`).first().waitFor({ state: 'visible' });
      },
    },
    {
      name: 'confirm_like',
      async run(fc) {
        // The heart toggles: a click on a tweet liked already unlikes it. Look first, on the page
        // just loaded as our own account; after the click its state proves nothing (the page
        // turns it red before X answers) — the answer does, and verification reads it again.
        // The page shows the like state of its active account: it must be ours (IdentityMismatchError, nothing clicked).
        await confirmCommitPage(fc);
        if ((await fc.page.locator(sel(fc, 'status', 'unlike')).count()) === 0) {
          await commitInBackground(fc, 'status.like', fc.page.locator(sel(fc, 'status', 'like')).first());
        }
        fc.surface('post');
        const tweet = targetTweet(fc);
        fc.receipt.platform_object_id = tweet.id;
        fc.receipt.permalink = urlOf(fc, 'status', { handle: tweet.handle, id: tweet.id });
      },
    },
  ],

  /** The like button of the target tweet, read as our own account: the state of one known object. */
  async verify(fc): Promise<Verification> {
    const tweet = targetTweet(fc);
    const state = await likeState(fc, tweet);
    if (state === 'liked') {
      // The tweet page with its like button and count is the engagement surface.
      const level = (await fc.page.locator(sel(fc, 'status', 'like_count')).count()) > 0 ? 3 : 2;
      return seen({ outcome: 'present', level, platform_object_id: tweet.id, permalink: urlOf(fc, 'status', { handle: tweet.handle, id: tweet.id }) }, 'post', true);
    }
    return state === 'not_liked' ? seen({ outcome: 'absent', level: 0 }, 'post', true) : seen({ outcome: 'inconclusive', level: 0 }, 'post', false);
  },

  // A like reaches the tweet page's button state within seconds (the likes replica).
  absence: { windowMs: 10_000, looks: 2, surfaces: ['post'] },
};
