import { test, expect } from '@playwright/test';
import { CommitGuard } from '../../runners/browser/commit-guard.js';
import { IdentityMismatchError } from '../../safety/index.js';

/**
 * The commit guard's account check on its own (issue 8): the armed request leaves only when the
 * jar's account cookie names the action's platform user — X's `twid` (`u=<id>`, URL-encoded),
 * Instagram's `ds_user_id` — and never when it names another user or is missing.
 */
const ORIGIN = 'http://platform.invalid';

async function guarded(browser: import('@playwright/test').Browser, cookie: { name: string; prefix: string }, platformUserId: string) {
  const context = await browser.newContext();
  const guard = new CommitGuard(ORIGIN, [], { cookie, platformUserId });
  await guard.install(context);
  const page = await context.newPage();
  await page.setContent('<p>composer</p>');
  const post = () => page.evaluate((url) => fetch(url, { method: 'POST', body: 'text=hi' }).then(() => 'sent', () => 'failed'), `${ORIGIN}/compose/post`);
  const jar = (value: string | undefined) => (value === undefined ? context.clearCookies() : context.addCookies([{ name: cookie.name, value, url: ORIGIN }]));
  return { context, guard, post, jar };
}

for (const c of [
  { platform: 'x', cookie: { name: 'twid', prefix: 'u=' }, own: '1500000000000000001', other: '1500000000000000002', encode: (id: string) => encodeURIComponent(`u=${id}`) },
  { platform: 'instagram', cookie: { name: 'ds_user_id', prefix: '' }, own: '17841400000000001', other: '17841400000000002', encode: (id: string) => id },
]) {
  test(`should let the ${c.platform} commit leave only when ${c.cookie.name} names the action's user, and refuse it as identity_mismatch otherwise`, async ({ browser }) => {
    const g = await guarded(browser, c.cookie, c.own);
    try {
      // Another user in the jar: the request is stopped in the browser and the phase refused.
      await g.jar(c.encode(c.other));
      g.guard.arm();
      expect(await g.post()).toBe('failed');
      expect(g.guard.requests.map((r) => r.verdict)).toEqual(['wrong_account']);
      expect(() => g.guard.assertClean('attempt')).toThrow(IdentityMismatchError);
      expect(() => g.guard.assertClean('attempt')).toThrow(`would have acted as platform user ${c.other} (cookie ${c.cookie.name})`);
      // No account cookie at all: nothing proves whose request it is.
      g.guard.reset();
      await g.jar(undefined);
      g.guard.arm();
      await g.post();
      expect(g.guard.requests.map((r) => [r.verdict, r.acting])).toEqual([['wrong_account', 'none']]);
      // The action's own user: the request leaves (the host does not exist, so the fetch fails after it left).
      g.guard.reset();
      await g.jar(c.encode(c.own));
      g.guard.arm();
      await g.post();
      expect(g.guard.requests.map((r) => r.verdict)).toEqual(['armed']);
      expect(() => g.guard.assertClean('attempt')).not.toThrow();
    } finally {
      await g.context.close();
    }
  });
}
