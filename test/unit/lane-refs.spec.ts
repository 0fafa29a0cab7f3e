import { expect, test } from '@playwright/test';
import { runAction, type ActionContext } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

// Issue 9 item 4: "A container already created for a key is reused, never created twice."
// The lane keeps a platform-side intermediate id on the action before using it.
test.describe('lane refs', () => {
  test('should keep an intermediate id on the action, durably and audited, before the commit, and refuse it outside an attempt', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    const attempt = platform.attempt.bind(platform);
    let seenBefore: Record<string, string> | undefined;
    platform.attempt = async (ctx: ActionContext) => {
      seenBefore = ctx.action.result.lane_refs;
      await ctx.keepRef('container_id', '17889000000000042');
      return attempt(ctx);
    };
    let refusedInLook: unknown;
    const verify = platform.verify.bind(platform);
    platform.verify = async (ctx, receipt, look) => {
      refusedInLook ??= await ctx.keepRef('container_id', 'another').catch((e: unknown) => e);
      return verify(ctx, receipt, look);
    };
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      await runAction(h.services.kernel, action.action_id);
      const stored = (await h.services.store.actions.get(action.action_id))!;
      expect(seenBefore).toBeUndefined();
      expect(stored.result.lane_refs).toEqual({ container_id: '17889000000000042' });
      const trail = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(trail).toContain('kept container_id 17889000000000042 before using it');
      // Kept before the attempt's answer: the event sits between "attempt 1" and its outcome.
      expect(trail.indexOf('kept container_id 17889000000000042 before using it')).toBe(trail.indexOf('attempt 1') + 1);
      expect(String(refusedInLook)).toMatch(/outside an attempt/);
    } finally {
      await h.close();
    }
  });
});
