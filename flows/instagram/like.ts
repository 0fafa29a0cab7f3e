import { PlatformRefusalError } from '../../safety/index.js';
import { clickAndWaitForLoad, sel } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, field, inconclusive, present, readPost, shortcodeOf } from './common.js';
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
        // Clicking a heart that is already on would unlike: look first.
        if (!(await liked(fc))) {
          await fc.episode.beforeCommit();
          await clickAndWaitForLoad(fc, fc.page.locator(sel(fc, 'post', 'like')).first());
        }
        if (await liked(fc)) {
          const id = await fc.page.locator(sel(fc, 'post', 'root')).first().getAttribute('data-post-id');
          if (id) fc.receipt.platform_object_id = id;
          fc.receipt.permalink = fc.page.url().split('?')[0]!;
        }
      },
    },
  ],

  async verify(fc) {
    const post = await readPost(fc, postUrl(fc));
    if (!post) return inconclusive();
    return (await liked(fc)) ? present(post) : absent();
  },
};
