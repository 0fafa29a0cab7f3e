import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ValidationError, approveAction, recoverInterrupted, runAction, sweepUnknown } from '../../safety/index.js';
import { cliEnv, createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));

test.describe('submitting actions', () => {
  test('GP1 plan, create and schedule queue actions without any side effect, whatever else the kernel runs meanwhile', async () => {
    // A tripwire lane: any call at all fails the test, and the platform keeps its ground truth.
    const platform = new FakePlatform();
    const touched: string[] = [];
    for (const op of ['verifyIdentity', 'precheck', 'attempt', 'verify'] as const) {
      const real = platform[op].bind(platform) as (...args: unknown[]) => Promise<unknown>;
      (platform as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
        touched.push(op);
        return real(...args);
      };
    }
    const h = await createHarness({ performer: platform, policy: { autonomy: 'manual' } });
    try {
      const planned = [
        await h.submit({ payload: { caption: 'Monday post' } }),
        await h.submit({ action_type: 'schedule', payload: { caption: 'Tuesday post', publish_at: '2026-11-24T09:00:00+01:00' } }),
        await h.submit({ action_type: 'dm_send', payload: { recipient: '1789', text: 'Hi!' } }),
        await h.submit({ action_type: 'comment_reply', payload: { target: 'c1', text: 'Thanks!' }, idempotency_key: 'campaign-0001' }),
      ];
      // A reviewer approves one; the kernel's background work runs as it would on a farm.
      await approveAction(h.services.store, planned[0]!.action_id, 'rita@agency');
      await recoverInterrupted(h.services.kernel);
      await sweepUnknown(h.services.kernel);
      // Manual autonomy: running the unapproved schedule defers it, with no call to the platform.
      expect((await runAction(h.services.kernel, planned[1]!.action_id)).status).toBe('deferred');
      expect(touched).toEqual([]);
      expect(platform.effects).toHaveLength(0);
      for (const a of planned) expect((await h.services.store.actions.get(a.action_id))!.state).toBe('queued');
      const events = await h.services.store.audit.forAction(planned[0]!.action_id);
      expect(events.map((e) => e.event.result.status)).toEqual(['queued', 'queued']);
      // The control: the one approved action, run, does reach the platform (the tripwire works).
      expect((await runAction(h.services.kernel, planned[0]!.action_id)).status).toBe('confirmed_success');
      expect(touched).toContain('attempt');
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should reject bad input with an error naming the field, and record nothing', async () => {
    const h = await createHarness();
    try {
      await expect(h.submit({ action_type: 'dm_send', payload: { recipient: '1789' } })).rejects.toThrow(new ValidationError('payload.text', 'Invalid input: expected string, received undefined'));
      await expect(h.submit({ lane: 'telepathy' as never })).rejects.toThrow(/^lane: /);
      await expect(h.submit({ action_type: 'publish', payload: {} })).rejects.toThrow(/payload: needs caption, text or media/);
      await expect(h.submit({ platform_account_id: 'nope' })).rejects.toThrow(/platform_account_id: no account nope/);
      await expect(h.submit({ client_id: 'someone-else' })).rejects.toThrow(/does not belong to client someone-else/);
      expect(await h.services.store.actions.list()).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  test('should flip kill switches from the command line', async () => {
    // Several CLI processes (each compiles the CLI with tsx): slow on a loaded 2-core machine.
    test.setTimeout(180_000);
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    const env = cliEnv(h);
    const raize = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    try {
      const on = raize('kill', 'account', h.account.platform_account_id, 'on', '--reason', 'client asked');
      expect(on.status, on.stderr).toBe(0);
      expect(on.stdout).toContain(`kill switch account ${h.account.platform_account_id} ENGAGED`);
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('blocked');
      expect(raize('kill', 'account', h.account.platform_account_id, 'off').status).toBe(0);
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('confirmed_success');
      const bad = raize('kill', 'client', 'no-such-client', 'on');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('no client no-such-client');
      expect(raize('kill', 'global', 'sideways').stderr).toContain('state must be on or off');
    } finally {
      await h.close();
    }
  });
});
