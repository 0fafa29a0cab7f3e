import { randomUUID } from 'node:crypto';
import { dispatchOnce, runAccount } from '../../runners/index.js';
import { runAction, submitAction } from '../../safety/index.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import type { ApiHarness } from '../helpers/api.js';
import { test, expect, login } from './fixtures.js';

/** One pass of the farm as `startFarm` runs it: dispatch claims accounts with due work, a runner works each. */
async function farmPass(h: ApiHarness) {
  const { claimed, skipped } = await dispatchOnce({
    store: h.services.store, ownerId: h.services.kernel.ownerId, governor: { max: 4, limit: () => 4 },
    running: new Map(), leaseTtlMs: 30_000, now: new Date(), pacing: 'off',
  });
  const ran = [];
  for (const lease of claimed) ran.push(await runAccount(h.services.kernel, { accountId: lease.platform_account_id, lease, leaseTtlMs: 30_000, pacing: 'off' }));
  return { claimed, skipped, ran };
}

test('GP5 a client kill switch tripped in the console after its confirmation should hold a due post with zero attempts, and cleared there should let that post run', async ({ page, h, cspViolations }) => {
  const platform = new FakePlatform({ lag: { listMs: 0, byIdMs: 0 } });
  h.services.performers.register('api', 'instagram', platform);
  const account = h.a.accounts.find((a) => a.platform === 'instagram')!;
  const submit = () => submitAction(h.services.store, {
    client_id: h.a.client_id, platform_account_id: account.platform_account_id, lane: 'api', action_type: 'publish',
    payload: { caption: `Fresh sourdough ${randomUUID()}` }, created_by: 'ana@agency',
  });
  const post = await submit();

  await login(page, h, await h.token('operator', null, 'ops-ana'));
  const northwind = page.getByRole('row', { name: /Client Northwind/ });
  await expect(northwind).toContainText('off');
  await northwind.getByRole('link', { name: 'Trip the kill switch of client Northwind…' }).click();
  // The confirmation step: nothing is tripped by the first click.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Trip the kill switch of client Northwind?');
  expect((await h.services.store.killSwitches.list()).filter((s) => s.engaged)).toEqual([]);
  await page.getByLabel(/^Reason/).fill('runaway caption loop');
  await page.getByRole('button', { name: 'Trip the kill switch of client Northwind' }).click();
  await expect(page.getByRole('status')).toContainText('Kill switch tripped');
  await expect(northwind).toContainText('ON');
  await expect(northwind).toContainText('by ops-ana');
  await expect(northwind).toContainText('runaway caption loop');

  // The farm leaves the due post alone while the switch is on: not claimed, not attempted, still queued.
  const held = await farmPass(h);
  expect(held.claimed).toEqual([]);
  expect(held.skipped).toEqual([expect.objectContaining({ account: account.platform_account_id, why: 'kill_switch' })]);
  expect(platform.calls).toMatchObject({ identity: 0, precheck: 0, attempt: 0 });
  expect(platform.effects).toEqual([]);
  expect((await h.services.store.actions.get(post.action_id))!.state).toBe('queued');
  await page.reload();
  await expect(page.locator('tr', { has: page.getByRole('rowheader', { name: 'api' }) }).locator('td[data-bucket="held"]')).toHaveText('1');
  // And the kernel refuses it at preflight even when called directly.
  const direct = await submit();
  const refused = await runAction(h.services.kernel, direct.action_id);
  expect(refused.status).toBe('blocked');
  expect(refused.reason).toContain(`kill switch engaged (client ${h.a.client_id})`);
  expect(platform.calls.attempt).toBe(0);

  // Cleared in one click: the post that waited runs on the next pass, exactly once.
  await northwind.getByRole('button', { name: 'Clear the kill switch of client Northwind' }).click();
  await expect(page.getByRole('status')).toContainText('Kill switch cleared');
  await expect(northwind).toContainText('off');
  const resumed = await farmPass(h);
  expect(resumed.claimed.map((c) => c.platform_account_id)).toEqual([account.platform_account_id]);
  expect(platform.calls.attempt).toBe(1);
  expect(platform.effects.map((e) => e.action_id)).toEqual([post.action_id]);
  expect((await h.services.store.actions.get(post.action_id))!.state).toBe('postcheck_complete');
  const history = await h.services.store.killSwitches.history({ client_id: h.a.client_id, limit: 10 });
  expect(history.map((c) => [c.scope, c.engaged, c.set_by, c.reason])).toEqual([['client', false, 'ops-ana', null], ['client', true, 'ops-ana', 'runaway caption loop']]);
  expect(cspViolations).toEqual([]);
});
