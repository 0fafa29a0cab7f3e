import { test, expect } from '@playwright/test';
import { runAction, KillSwitchError } from '../../safety/index.js';
import type { KillScope } from '../../store/index.js';
import { createHarness, auditTrail, type Harness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const SCOPES: KillScope[] = ['global', 'client', 'account'];

async function flip(h: Harness, scope: KillScope, engaged: boolean) {
  const scope_id = scope === 'global' ? '*' : scope === 'client' ? h.client.client_id : h.account.platform_account_id;
  await h.services.store.killSwitches.set({ scope, scope_id, engaged, reason: 'runaway loop', set_by: 'ops@agency' });
}

test.describe('GP5 kill switch trip (spec 000 §7)', () => {
  for (const scope of SCOPES) {
    test(`GP5 ${scope} switch should block before preflight`, async () => {
      const platform = new FakePlatform();
      const h = await createHarness({ performer: platform });
      try {
        await flip(h, scope, true);
        const action = await h.submit();
        const outcome = await runAction(h.services.kernel, action.action_id);
        expect(outcome.status).toBe('blocked');
        expect(outcome.reason).toContain(`kill switch engaged (${scope}`);
        expect(outcome.reason).toContain('before_preflight');
        expect(platform.calls).toMatchObject({ identity: 0, attempt: 0 });
        expect(platform.effects).toHaveLength(0);
        expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'blocked']);
      } finally {
        await h.close();
      }
    });

    test(`GP5 ${scope} switch should block immediately before the tool call`, async () => {
      let h!: Harness;
      // Flipped while identity is being verified: past check 1, before check 2.
      const platform = new FakePlatform({ identity: undefined });
      const original = platform.verifyIdentity.bind(platform);
      platform.verifyIdentity = async (ctx) => {
        await flip(h, scope, true);
        return original(ctx);
      };
      h = await createHarness({ performer: platform });
      try {
        const action = await h.submit();
        const outcome = await runAction(h.services.kernel, action.action_id);
        expect(outcome.status).toBe('blocked');
        expect(outcome.reason).toContain('before_tool_call');
        expect(platform.calls.attempt).toBe(0);
        expect(platform.effects).toHaveLength(0);
        // The key is free again once the switch is off: nothing happened under it.
        expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
      } finally {
        await h.close();
      }
    });

    test(`GP5 ${scope} switch should stop the confirm click through ctx.beforeCommit()`, async () => {
      let h!: Harness;
      const platform = new FakePlatform({ onBeforeCommit: () => flip(h, scope, true) });
      h = await createHarness({ performer: platform });
      try {
        const action = await h.submit();
        const outcome = await runAction(h.services.kernel, action.action_id);
        expect(outcome.status).toBe('confirmed_failed');
        expect(outcome.action.result.error_code).toBe('kill_switch');
        expect(platform.calls.beforeCommit).toBe(1);
        expect(platform.effects).toHaveLength(0);
        expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'confirmed_failed', 'postcheck_complete']);
      } finally {
        await h.close();
      }
    });
  }

  test('GP5 should let an action already past its last check finish and record it', async () => {
    let h!: Harness;
    const platform = new FakePlatform({ onCommitted: () => flip(h, 'global', true) });
    h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
      // And the next one is stopped at once.
      const next = await h.submit();
      expect((await runAction(h.services.kernel, next.action_id)).status).toBe('blocked');
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('GP5 should stop retries when the switch flips during a backoff', async () => {
    let h!: Harness;
    const platform = new FakePlatform({ attempts: ['not_sent', 'ok'] });
    h = await createHarness({ performer: platform, overrides: { sleep: async () => flip(h, 'account', true) } });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_failed');
      expect(outcome.reason).toContain('before_tool_call');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  test('should let side effects resume once the switch is off, and scope switches to their target', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      await h.services.store.killSwitches.set({ scope: 'account', scope_id: 'some-other-account', engaged: true, reason: null, set_by: 'ops' });
      await h.services.store.killSwitches.set({ scope: 'client', scope_id: 'some-other-client', engaged: true, reason: null, set_by: 'ops' });
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('confirmed_success');
      await flip(h, 'client', true);
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('blocked');
      await flip(h, 'client', false);
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  test('should raise a KillSwitchError from beforeCommit and abort the context signal', async () => {
    let h!: Harness;
    let signalAborted = false;
    let thrown: unknown;
    const platform = new FakePlatform();
    platform.attempt = async (ctx) => {
      await flip(h, 'global', true);
      try {
        await ctx.beforeCommit();
      } catch (error) {
        thrown = error;
        signalAborted = ctx.signal.aborted;
        throw error;
      }
      throw new Error('unreachable');
    };
    h = await createHarness({ performer: platform });
    try {
      await runAction(h.services.kernel, (await h.submit()).action_id);
      expect(thrown).toBeInstanceOf(KillSwitchError);
      expect((thrown as KillSwitchError).checkpoint).toBe('before_commit');
      expect(signalAborted).toBe(true);
    } finally {
      await h.close();
    }
  });
});
