import { gotoUrl, instagramLike, sel, urlOf, type Flow } from '../../flows/index.js';
import { readDriftRecords } from '../../proofs/index.js';
import { OutcomeUnknownError, type Verification } from '../../safety/index.js';
import { browserHarness, type BrowserHarness } from './harness.js';
import { test, expect, IG } from './fixtures.js';

/**
 * Issue 8 (chaos seed 11): the platform switches the login's active account while the kernel
 * looks for the effect of an ambiguous like. A look reads the post page as the active account,
 * so it must not pass for a look of the action's account: it is not a try, the account goes to
 * needs_human, and the looks wait for a human.
 */
let b: BrowserHarness | undefined;
test.afterEach(async ({}, info) => {
  await b?.close(info);
  b = undefined;
});

/** The like flow with its commit answer lost (nothing clicked), and a fault placed on the first look's page load. */
function lostLike(admin: { fault(f: Record<string, unknown>): Promise<unknown> }, fault: Record<string, unknown>, verify?: Flow['verify']): Flow {
  return {
    ...instagramLike,
    ...(verify ? { verify } : {}),
    steps: [
      instagramLike.steps[0]!,
      {
        name: 'like',
        async run(fc) {
          await fc.page.locator(sel(fc, 'post', 'like')).first().waitFor({ state: 'visible' });
          await fc.episode.beforeCommit();
          await admin.fault({ platform: 'instagram', account: IG.northwind.handle, match: { method: 'GET', surface: 'post' }, ...fault });
          throw new OutcomeUnknownError('the like request timed out (test)');
        },
      },
    ],
  };
}

test('should not count a look taken after the session switched to another account: looks paused, account needs_human, nothing applied', async ({ provider, sandbox, admin }) => {
  // The switch is placed on the next post page load: the first look.
  const h = (b = await browserHarness(provider, sandbox, { flows: { like: lostLike(admin, { kind: 'account_switch', to: IG.lumen.handle }) } }));
  const action = await h.submit('like', { target: 'SEED2aBc' });
  const outcome = await h.run(action);
  expect(outcome.status, outcome.reason).toBe('unknown');
  const stored = (await h.h.services.store.actions.get(action.action_id))!;
  expect(stored.verify_tries).toBe(0);
  expect(stored.absence).toEqual([]);
  expect((await h.h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
  const trail = (await h.h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
  expect(trail.some((r) => r.startsWith('look 1: not taken as this account (identity_mismatch)'))).toBe(true);
  await admin.quiesce();
  expect(await admin.effects()).toEqual([]);
});

test('should read a login page met by a look as an expired session, never as the surface\'s layout: no drift record, looks paused until a reconnect', async ({ provider, sandbox, admin }) => {
  // A careless verify that reads any failure as "nothing to read" (the IG delete flow did):
  // the login page it leaves on screen must not reach the drift guard as the post surface.
  const swallowing: Flow['verify'] = async (fc): Promise<Verification> => {
    await gotoUrl(fc, urlOf(fc, 'post', { id: 'SEED2aBc' }), { surface: 'post', allowErrorPage: true }).catch(() => undefined);
    return { outcome: 'inconclusive', level: 0, surface: 'post' };
  };
  const h = (b = await browserHarness(provider, sandbox, { flows: { like: lostLike(admin, { kind: 'session_expired' }, swallowing) } }));
  const action = await h.submit('like', { target: 'SEED2aBc' });
  const outcome = await h.run(action);
  expect(outcome.status, outcome.reason).toBe('unknown');
  expect((await h.h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('reconnect_required');
  expect((await h.h.services.store.actions.get(action.action_id))!.verify_tries).toBe(0);
  const trail = (await h.h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
  expect(trail.some((r) => r.startsWith('look 1: not taken as this account (auth_expired)'))).toBe(true);
  expect(await readDriftRecords(h.h.dir)).toEqual([]);
});

test('should refuse a pre-check read as another account (its "already liked" would be someone else\'s): blocked before any attempt, nothing applied, account needs_human', async ({ provider, sandbox, admin }) => {
  // The switch lands on the pre-check's post page, after the identity check passed on home.
  await admin.fault({ kind: 'account_switch', platform: 'instagram', account: IG.northwind.handle, to: IG.lumen.handle, match: { method: 'GET', surface: 'post' } });
  const h = (b = await browserHarness(provider, sandbox));
  const action = await h.submit('like', { target: 'SEED2aBc' });
  const outcome = await h.run(action);
  // Blocked before any attempt: nothing reached the platform.
  expect(outcome.status, outcome.reason).toBe('blocked');
  expect(outcome.reason).toMatch(/^precheck_failed: identity_mismatch/);
  expect((await h.h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
  expect(h.recorder.calls.some((c) => c.step === 'like')).toBe(false);
  await admin.quiesce();
  expect(await admin.effects()).toEqual([]);
});
