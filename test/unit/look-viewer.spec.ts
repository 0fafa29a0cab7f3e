import { expect, test } from '@playwright/test';
import { AuthExpiredError, IdentityMismatchError, runAction, succeeded, sweepUnknown, TransientError, WrongAccountEffectError } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

// Chaos seed 11: the platform switched the session to another account while the kernel was
// looking for an ambiguous like; every later look read the other account's page, each counted
// as a try, and the action was escalated although its absence was provable.
test.describe('looks taken as another account (issue 8)', () => {
  for (const [name, error, state] of [
    ['the session switched to another account', new IdentityMismatchError(['handle'], 'a look ran as another account'), 'needs_human'],
    ['the session logged out', new AuthExpiredError('login form during a look'), 'reconnect_required'],
  ] as const) {
    test(`should pause the looks without spending tries when ${name}, and finish the proof once the account is back`, async () => {
      // An ambiguous error before anything landed: absence is provable by precise looks after the window.
      const platform = new FakePlatform({ attempts: ['error_before_commit'], listingPrecise: true, absence: { windowMs: 5000, looks: 2 } });
      const real = platform.verify.bind(platform);
      let foreign = 1;
      platform.verify = async (ctx, receipt, look) => {
        if (foreign-- > 0) throw error;
        return real(ctx, receipt, look);
      };
      const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, verifyBaseMs: 1000, verifyCapMs: 4000 } });
      try {
        const action = await h.submit();
        const outcome = await runAction(h.services.kernel, action.action_id);
        expect(outcome.status).toBe('unknown');
        expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe(state);
        const paused = await h.services.store.actions.get(action.action_id);
        expect(paused!.verify_tries).toBe(0);
        const trail = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
        expect(trail.some((r) => /not taken as this account \((identity_mismatch|auth_expired)\)/.test(r))).toBe(true);

        // While the account cannot look as itself, the sweep takes no look at all.
        const looks = platform.calls.verify;
        h.clock.advance(60_000);
        const skipped = await sweepUnknown(h.services.kernel);
        expect(skipped).toMatchObject({ checked: 0, paused: 1 });
        expect(platform.calls.verify).toBe(looks);

        // A human restores the account: the looks resume and prove the absence; no second attempt.
        await h.services.store.accounts.setState(h.account.platform_account_id, 'active', null);
        for (let i = 0; i < 6 && (await h.services.store.actions.get(action.action_id))!.state === 'unknown'; i += 1) {
          h.clock.advance(10_000);
          await sweepUnknown(h.services.kernel);
        }
        const settled = await h.services.store.actions.get(action.action_id);
        expect(settled!.state).toBe('postcheck_complete');
        expect(settled!.result.error_code).toBe('verified_absent');
        expect(settled!.escalated_at).toBeFalsy();
        expect(platform.calls.attempt).toBe(1);
        expect(platform.effects).toHaveLength(0);
      } finally {
        await h.close();
      }
    });
  }
});

// Chaos seed 11 at 300 actions: the switch landed on the commit request itself, the post landed
// on the other account, and a later look found it by its permalink and recorded this account's
// success with the other account's post.
test.describe('an effect found made as another account (issue 8)', () => {
  test('should never settle it as a success or an absence: unknown, escalated at once, account needs_human, and no look or attempt after', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'], listingPrecise: true, absence: { windowMs: 5000, looks: 2 } });
    const real = platform.verify.bind(platform);
    let foreign = true;
    platform.verify = async (ctx, receipt, look) => {
      // Every look that reaches the object finds it authored by another account.
      if (foreign) throw new WrongAccountEffectError('@lumen.studio', 'https://platform.test/p/OTHER/');
      return real(ctx, receipt, look);
    };
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 5, verifyBaseMs: 1000, verifyCapMs: 4000 } });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
      const escalated = (await h.services.store.actions.get(action.action_id))!;
      expect(escalated.escalated_at).toBeTruthy();
      expect(escalated.result.error_code).toBe('wrong_account_effect');
      const [open] = await h.services.store.escalations.open();
      expect(open!.action_id).toBe(action.action_id);
      expect(open!.reason).toMatch(/made as another account/);
      const trail = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(trail.some((r) => r.includes('made as another account (@lumen.studio) at https://platform.test/p/OTHER/'))).toBe(true);

      // An operator re-activates the account: the sweep leaves the action to the human — even
      // once the platform would show an object again — and never attempts.
      await h.services.store.accounts.setState(h.account.platform_account_id, 'active', null);
      foreign = false;
      const looks = platform.calls.verify;
      for (let i = 0; i < 4; i += 1) {
        h.clock.advance(60_000);
        await sweepUnknown(h.services.kernel);
      }
      const after = (await h.services.store.actions.get(action.action_id))!;
      expect(after.state).toBe('unknown');
      expect(platform.calls.verify).toBe(looks);
      expect(platform.calls.attempt).toBe(1);
      expect(succeeded(after)).toBe(false);
    } finally {
      await h.close();
    }
  });
});

// Chaos seed 11, both lanes, 100 actions: an API-lane delete's first look met a rate limit; every
// later look was held back by the lane until Meta's regain time (nothing sent), yet each counted
// as a try, and the action was escalated within 13 s with its effect live and unseen.
test.describe('looks held back by a platform\'s rate limit (issue 9, §8.3)', () => {
  /** A platform whose effect lands with an ambiguous error, and whose looks the lane holds back for `holdMs` from the start. */
  async function heldLooks(holdMs: number, error: (ms: number) => TransientError, config = {}) {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    const real = platform.verify.bind(platform);
    const h = await createHarness({ performer: platform, config });
    const now = () => h.clock.now().getTime();
    const heldUntil = now() + holdMs;
    platform.verify = async (ctx, receipt, look) => {
      if (now() < heldUntil) throw error(heldUntil - now());
      return real(ctx, receipt, look);
    };
    return { platform, h };
  }

  test('should not spend tries on looks the lane held back, leave a long hold to the sweep, and settle once the reset has passed', async () => {
    // Longer than the action's deadline (120 s): the inline looks cannot wait it out.
    const { platform, h } = await heldLooks(600_000, (ms) => new TransientError('GET media: not sent, held by Graph 4 (app-wide request limit)', false, ms),
      { verifyMaxTries: 3, verifyBaseMs: 1000, verifyCapMs: 4000 });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      expect((await h.services.store.actions.get(action.action_id))!.verify_tries).toBe(0);
      // Sweeps while the hold lasts: no try spent, no escalation.
      for (let i = 0; i < 8; i += 1) {
        h.clock.advance(10_000);
        await sweepUnknown(h.services.kernel);
      }
      const held = (await h.services.store.actions.get(action.action_id))!;
      expect(held).toMatchObject({ state: 'unknown', verify_tries: 0, escalated_at: null });
      const trail = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(trail.some((r) => /not taken, requests held until .*; not a try/.test(r))).toBe(true);
      // The reset passes: the next look sees the effect.
      h.clock.advance(600_000);
      await sweepUnknown(h.services.kernel);
      const settled = (await h.services.store.actions.get(action.action_id))!;
      expect(settled.state).toBe('postcheck_complete');
      expect(succeeded(settled)).toBe(true);
      expect(platform.calls.attempt).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('should wait out a short hold inside the look loop without counting it', async () => {
    const { h } = await heldLooks(1500, (ms) => new TransientError('x GET tweets: rate limited', false, ms, 429));
    try {
      const outcome = await runAction(h.services.kernel, (await h.submit()).action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(h.sleeps).toContain(1500);
    } finally {
      await h.close();
    }
  });
});
