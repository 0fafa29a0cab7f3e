import { PlatformRefusalError } from '../../safety/index.js';
import { sel, urlOf } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, commitInBackground, field, inconclusive, readPost, readPostState, shortcodeOf } from './common.js';

const postUrl = (fc: FlowContext) => urlOf(fc, 'post', { id: shortcodeOf(field(fc, 'target')) });

/** Instagram delete of an own post: options → confirm; done when the post page answers "not available". */
export const instagramDelete: Flow = {
  platform: 'instagram',
  action_type: 'delete',

  async precheck(fc) {
    const post = await readPost(fc, postUrl(fc));
    // The post page loaded and says the post is not there: the desired state already holds.
    return post ? { exists: false } : { exists: true, ref: { permalink: postUrl(fc) }, level: 2 };
  },

  steps: [
    {
      name: 'open_post',
      async run(fc) {
        const post = await readPost(fc, postUrl(fc));
        if (!post) throw new PlatformRefusalError('the post to delete is not there');
        if (!(await fc.page.locator(sel(fc, 'post', 'options')).count())) throw new PlatformRefusalError('the post is not the account\'s own: no delete option');
      },
    },
    {
      name: 'open_delete_dialog',
      async run(fc) {
        await fc.page.click(sel(fc, 'post', 'options'));
        await fc.page.locator(sel(fc, 'post', 'confirm_delete')).waitFor({ state: 'visible' });
      },
    },
    {
      name: 'confirm_delete',
      async run(fc) {
        await commitInBackground(fc, 'post.confirm_delete', fc.page.locator(sel(fc, 'post', 'confirm_delete')), { leavesPage: true });
        // Answered: the page leaves the post for the profile. Verification reads the post's URL.
        fc.receipt.permalink = postUrl(fc);
      },
    },
  ],

  /** The post's own URL, the one known object: "not available" is the delete, the post still there its absence. */
  async verify(fc, receipt) {
    // Friction (a login page, a checkpoint) is thrown, never read as an answer.
    const r = await readPostState(fc, postUrl(fc));
    if (r.state === 'other') return inconclusive('permalink', receipt ? 1 : 0);
    if (r.state === 'shown') return absent('permalink', true);
    return { outcome: 'present', level: 2, ...(receipt?.platform_object_id ? { platform_object_id: receipt.platform_object_id } : {}), permalink: postUrl(fc), surface: 'permalink', precise: true };
  },

  // A deleted post may still be served from caches for a while: the post shown on its own URL
  // proves the delete did not happen only after the window.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['permalink'] },
};
