import { test, expect } from '@playwright/test';
import { runAction } from '../../safety/index.js';
import { createHarness, auditTrail } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

/** A gate a test opens once another action has done its part. */
function latch(): { wait: () => Promise<void>; open: () => void; reached: Promise<void>; arrive: () => void } {
  let open!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (arrive = r));
  return { wait: () => opened, open, reached, arrive };
}

test.describe('defect 4: degrading an account did not stop actions already past preflight', () => {
  test('should stop an action waiting at its commit once a concurrent action degraded the account (beforeCommit)', async () => {
    const gate = latch();
    // B runs on the browser lane of the same account and pauses right before its commit check.
    const b = new FakePlatform({ onBeforeCommit: async () => { gate.arrive(); await gate.wait(); } });
    const a = new FakePlatform({ attempts: ['checkpoint'] });
    const h = await createHarness({ performer: a });
    h.services.performers.register('browser', 'instagram', b);
    try {
      const actionB = await h.submit({ lane: 'browser', payload: { caption: 'B' } });
      const actionA = await h.submit({ payload: { caption: 'A' } });
      const runningB = runAction(h.services.kernel, actionB.action_id);
      await gate.reached;
      // A meets a checkpoint: the account goes read_only (§8.4 "immediately").
      expect((await runAction(h.services.kernel, actionA.action_id)).status).toBe('confirmed_failed');
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('read_only');
      gate.open();
      const outcome = await runningB;
      expect(outcome.status).toBe('confirmed_failed');
      expect(outcome.action.result.error_code).toBe('account_not_active');
      expect(b.effects).toHaveLength(0);
      expect(a.effects).toHaveLength(0);
      // Nothing reached the platform for B: its budget slot is given back.
      expect((await h.services.store.budgets.uses(h.account.platform_account_id, new Date(0), new Date(Date.now() + 86_400_000))).map((u) => u.action_id)).not.toContain(actionB.action_id);
    } finally {
      await h.close();
    }
  });

  test('should stop an action between its pre-check and its tool call once the account is degraded (check 2)', async () => {
    const gate = latch();
    const b = new FakePlatform();
    const precheck = b.precheck.bind(b);
    b.precheck = async (ctx) => {
      gate.arrive();
      await gate.wait();
      return precheck(ctx);
    };
    const h = await createHarness({ performer: b });
    try {
      const action = await h.submit({ payload: { caption: 'B' } });
      const running = runAction(h.services.kernel, action.action_id);
      await gate.reached;
      await h.services.store.accounts.setState(h.account.platform_account_id, 'needs_human', 'identity mismatch seen by another action');
      gate.open();
      const outcome = await running;
      expect(outcome.status).toBe('blocked');
      expect(outcome.reason).toMatch(/^account_not_active: account .+ is needs_human at before_tool_call/);
      expect(b.calls.attempt).toBe(0);
      expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'blocked']);
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
    } finally {
      await h.close();
    }
  });
});

test.describe('the commit guard belongs to the kernel', () => {
  test('should refuse a receipt from an attempt that never called beforeCommit, verify it, and stop the lane on the account', async () => {
    const platform = new FakePlatform({ attempts: ['unguarded'] });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      // The effect happened (the lane committed anyway): it is recorded as what it is, once.
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
      expect(platform.calls.attempt).toBe(1);
      const reasons = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(reasons).toContain('commit_unguarded: no definite answer to attempt 1');
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!).toMatchObject({ state: 'read_only', state_reason: expect.stringMatching(/commit_unguarded/) });
    } finally {
      await h.close();
    }
  });

  test("should not let beforeCommit pass outside an attempt (a read-only phase cannot commit)", async () => {
    const platform = new FakePlatform();
    platform.verifyIdentity = async (ctx) => {
      await ctx.beforeCommit();
      return { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'switcher', ok: true }] };
    };
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('blocked');
      expect(outcome.reason).toMatch(/^identity_error: ownership_lost/);
      expect(platform.calls.attempt).toBe(0);
    } finally {
      await h.close();
    }
  });

  test('should not pass identity on a bare ok without two matching signals', async () => {
    const platform = new FakePlatform({ identity: { ok: true, signals: [] } });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('blocked');
      expect(outcome.reason).toMatch(/^identity_mismatch: fewer than 2 of 3 signals \(0 matched\)/);
      expect(platform.calls.attempt).toBe(0);
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
    } finally {
      await h.close();
    }
  });
});
