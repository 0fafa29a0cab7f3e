import { PlatformRefusalError } from '../../safety/index.js';
import { sel } from '../run.js';
import { confirmCommitPage } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, commitInBackground, field, inconclusive, on, present, readPost, shortcodeOf } from './common.js';
import { urlOf } from '../run.js';

const postUrl = (fc: FlowContext) => urlOf(fc, 'post', { id: shortcodeOf(field(fc, 'target')) });
const liked = async (fc: FlowContext) => (await fc.page.locator(sel(fc, 'post', 'like')).first().getAttribute('aria-pressed')) === 'true';

/** Instagram like: the heart on the post page, clicked only when it is not on already. */
export const instagramLike: Flow = {
  platform: 'instagram',
  action_type: 'like',

  async precheck(fc) {
    const post = await readPost(fc, postUrl(fc));
    if (!post) throw new PlatformRefusalError('the post to like does not exist');
    return (await liked(fc)) ? { exists: true, ref: { ...(post.id ? { platform_object_id: post.id } : {}), permalink: post.permalink }, level: 3 } : { exists: false };
  },

  steps: [
    {
      name: 'open_post',
      async run(fc) {
        const post = await readPost(fc, postUrl(fc));
        if (!post) throw new PlatformRefusalError('the post to like does not exist');
        await fc.page.locator(sel(fc, 'post', 'like')).first().waitFor({ state: 'visible' });
      },
    },
    {
      name: 'like',
      async run(fc) {
        // The heart toggles: clicking one that is on already would unlike. Look first, on the
        // page just loaded; after the click its red heart proves nothing (it turns red before
        // the platform answers) — the answer does, and verification reads the post again.
        // The page shows its active account's state: it must be ours before it decides anything.
        await confirmCommitPage(fc);
        if (!(await liked(fc))) await commitInBackground(fc, 'post.like', fc.page.locator(sel(fc, 'post', 'like')).first());
        fc.receipt.permalink = fc.page.url().split('?')[0]!;
      },
    },
  ],

  /** The like button of the target post, for the account the page shows: the state of one known object. */
  async verify(fc) {
    const post = await readPost(fc, postUrl(fc));
    // Gone, or the page shows another account's like state: nothing to read.
    if (!post || !post.asOwn) return inconclusive('post');
    return post.liked ? on(present(post), 'post', true) : absent('post', true);
  },

  // A like reaches the post page's button state within seconds (the likes replica).
  absence: { windowMs: 10_000, looks: 2, surfaces: ['post'] },
};
