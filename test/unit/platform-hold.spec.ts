import { expect, test } from '@playwright/test';
import { AuthExpiredError, runAction, TransientError, type PlatformHold } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

// Issue 9: "with quota_total reached, publishing is held (deferred with its retry_at), not
// attempted" — the lane reports the platform's hold; the kernel defers before claiming anything.
test.describe('platform holds', () => {
  test('should defer an action the platform has a hold for until the hold ends, with nothing claimed, reserved or attempted; then run it', async () => {
    const platform = new FakePlatform();
    let hold: PlatformHold | null = null;
    platform.hold = async () => hold;
    const h = await createHarness({ performer: platform });
    try {
      await h.services.store.budgets.set({ platform_account_id: h.account.platform_account_id, action_type: 'publish', per_hour: 10, per_day: null, min_spacing_ms: 0 });
      const until = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
      hold = { until, reason: 'content_publishing_limit 100/100' };
      const action = await h.submit();
      const held = await runAction(h.services.kernel, action.action_id);
      expect(held.status).toBe('deferred');
      expect(held.retry_at).toBe(until);
      expect(held.reason).toBe('platform_hold: content_publishing_limit 100/100');
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('queued');
      expect(platform.calls).toMatchObject({ identity: 0, precheck: 0, attempt: 0 });
      expect(await h.services.store.ledger.get(action.idempotency_key)).toBeNull();
      const uses = await h.services.store.budgets.uses(h.account.platform_account_id, new Date(0), new Date(Date.now() + 86_400_000));
      expect(uses).toHaveLength(0);
      // The window frees a slot: the same action runs, once.
      hold = null;
      expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should block and ask for a reconnect when the hold cannot be read for an expired token, and defer briefly on a transient failure', async () => {
    const platform = new FakePlatform();
    const errors: Error[] = [new TransientError('503 reading the quota', false, 5000, 503), new AuthExpiredError('token expired (190)')];
    platform.hold = async () => {
      throw errors.shift()!;
    };
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const transient = await runAction(h.services.kernel, action.action_id);
      expect(transient.status).toBe('deferred');
      expect(transient.reason).toMatch(/^platform_hold_unreadable: transient/);
      expect(Date.parse(transient.retry_at!) - h.clock.now().getTime()).toBe(5000);
      const expired = await runAction(h.services.kernel, action.action_id);
      expect(expired.status).toBe('blocked');
      expect(expired.reason).toBe('platform_hold_unreadable: auth_expired');
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('reconnect_required');
      expect(platform.calls.attempt).toBe(0);
    } finally {
      await h.close();
    }
  });
});
