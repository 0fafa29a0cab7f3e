import { PlatformRefusalError } from '../../safety/index.js';
import { goto, sel } from '../run.js';
import { confirmCommitPage } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, commitInBackground, field, inconclusive, on, present } from './common.js';

const handleOf = (fc: FlowContext) => {
  const raw = field(fc, 'target').trim();
  const handle = (/instagram\.com\/([^/?#]+)/.exec(raw)?.[1] ?? /^\/?([^/?#]+)\/?$/.exec(raw)?.[1] ?? '').replace(/^@/, '');
  if (!/^[A-Za-z0-9._]+$/.test(handle)) throw new PlatformRefusalError('payload.target is not an instagram handle or profile URL');
  return handle;
};

interface ProfileState {
  loaded: boolean;
  following: boolean;
  /** Whether the page chrome shows the action's account as the active one (whose follow state this is). */
  asOwn?: boolean;
  permalink: string;
}

/** The profile of the target: whether the account follows it already (the button's pressed state). */
async function readProfile(fc: FlowContext): Promise<ProfileState> {
  const handle = handleOf(fc);
  await goto(fc, 'profile', { handle }, { surface: 'profile', allowErrorPage: true });
  const permalink = fc.page.url().split('?')[0]!;
  const shown = (await fc.page.locator(sel(fc, 'profile', 'handle')).first().textContent({ timeout: 2000 }).catch(() => null))?.trim();
  if (shown !== handle) return { loaded: false, following: false, permalink };
  const button = fc.page.locator(sel(fc, 'profile', 'follow')).first();
  if (!(await button.count())) throw new PlatformRefusalError('no follow button on this profile (is it the account itself?)');
  const following = (await button.getAttribute('aria-pressed')) === 'true';
  const viewer = await fc.page.locator(fc.layout.annex.identity.handle).first().textContent({ timeout: 2000 }).catch(() => null);
  const asOwn = (viewer ?? '').trim().replace(/^@/, '').toLowerCase() === fc.account.fingerprint.handle.replace(/^@/, '').toLowerCase();
  return { loaded: true, following, permalink, asOwn };
}

/** Instagram follow: the Follow button on the target's profile, clicked only when not following yet. */
export const instagramFollow: Flow = {
  platform: 'instagram',
  action_type: 'follow',

  async precheck(fc) {
    const p = await readProfile(fc);
    if (!p.loaded) throw new PlatformRefusalError('the profile to follow did not load');
    return p.following ? { exists: true, ref: { permalink: p.permalink }, level: 3 } : { exists: false };
  },

  steps: [
    {
      name: 'open_profile',
      async run(fc) {
        const p = await readProfile(fc);
        if (!p.loaded) throw new PlatformRefusalError('the profile to follow did not load');
      },
    },
    {
      name: 'follow',
      async run(fc) {
        // The button toggles ("Following" unfollows): clicked only when it shows not following,
        // on the page just loaded; its state after the click is optimistic and proves nothing.
        const button = fc.page.locator(sel(fc, 'profile', 'follow')).first();
        // The page shows its active account's state: it must be ours before it decides anything.
        await confirmCommitPage(fc);
        if ((await button.getAttribute('aria-pressed')) !== 'true') await commitInBackground(fc, 'profile.follow', button);
        fc.receipt.permalink = fc.page.url().split('?')[0]!;
      },
    },
  ],

  /** The follow button of the target profile, for the account the page shows: the state of one known object. */
  async verify(fc) {
    const p = await readProfile(fc);
    if (!p.loaded || !p.asOwn) return inconclusive('profile');
    return p.following ? on(present({ permalink: p.permalink, engagement: true }), 'profile', true) : absent('profile', true);
  },

  // A follow reaches the profile's button state within seconds (the follows replica).
  absence: { windowMs: 10_000, looks: 2, surfaces: ['profile'] },
};
