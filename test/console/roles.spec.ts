import { randomUUID } from 'node:crypto';
import { submitAction } from '../../safety/index.js';
import { test, expect, login, postForm } from './fixtures.js';

test('a client_viewer session should see only its client, no act, approve or trip controls, and have its forms refused with nothing changed', async ({ page, h, cspViolations }) => {
  const store = h.services.store;
  const [igA, xA] = [h.a.accounts.find((a) => a.platform === 'instagram')!, h.a.accounts.find((a) => a.platform === 'x')!];
  const igB = h.b.accounts.find((a) => a.platform === 'instagram')!;
  await store.accounts.setState(xA.platform_account_id, 'needs_human', 'identity mismatch: handle');
  const caption = `Spring menu ${randomUUID().slice(0, 8)}`;
  const post = await submitAction(store, {
    client_id: h.a.client_id, platform_account_id: igA.platform_account_id, lane: 'api', action_type: 'publish',
    payload: { caption }, risk: 'high', created_by: 'ana', due_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  const theirs = await submitAction(store, {
    client_id: h.b.client_id, platform_account_id: igB.platform_account_id, lane: 'api', action_type: 'publish',
    payload: { caption: 'Lumen only' }, created_by: 'ana',
  });

  await login(page, h, await h.token('client_viewer', h.a.client_id, 'northwind-owner'));
  // Its own client and accounts, with the degraded one's reason; nothing of the other tenant.
  await expect(page.getByRole('row', { name: /Client Northwind/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /needs_human/ })).toContainText('identity mismatch: handle');
  await expect(page.locator('main')).not.toContainText('Lumen');
  await expect(page.getByRole('link', { name: 'Drift' })).toHaveCount(0);
  // No controls that act.
  await expect(page.getByRole('link', { name: /^Trip the kill switch/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Clear/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'Approvals' }).click();
  await expect(page.getByRole('row', { name: new RegExp(caption) })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Approve/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'Schedule' }).click();
  await expect(page.getByRole('row', { name: new RegExp(caption) })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(page.locator('main')).not.toContainText('Lumen only');

  // Its forms, sent anyway with a valid CSRF token of its own session: refused, nothing changed.
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  const refused = [
    await postForm(page, `${h.url}/console/kill`, { _csrf: csrf, scope: 'client', id: h.a.client_id, engaged: 'on', confirmed: 'yes', reason: 'viewer' }),
    await postForm(page, `${h.url}/console/actions/${post.action_id}/approve`, { _csrf: csrf }),
    await postForm(page, `${h.url}/console/actions/${post.action_id}/cancel`, { _csrf: csrf, reason: 'viewer' }),
    await postForm(page, `${h.url}/console/accounts/${xA.platform_account_id}/clear`, { _csrf: csrf, reason: 'viewer' }),
  ];
  expect(refused.map((r) => r.status())).toEqual([403, 403, 403, 403]);
  expect((await store.killSwitches.list()).filter((s) => s.engaged)).toEqual([]);
  expect(await store.actions.approvalRecords(post.action_id)).toEqual([]);
  expect((await store.actions.get(post.action_id))!.state).toBe('queued');
  expect((await store.accounts.get(xA.platform_account_id))!.state).toBe('needs_human');
  expect((await page.request.get(`${h.url}/console/kill/confirm?scope=client&id=${h.a.client_id}`, { failOnStatusCode: false })).status()).toBe(403);

  // Another tenant's episode, account and action answer like missing ones: 404, no data.
  for (const path of [`/console/episodes/${theirs.episode_id}`, `/console/accounts/${igB.platform_account_id}/pacing`, '/console/drift']) {
    const res = await page.request.get(`${h.url}${path}`, { failOnStatusCode: false });
    expect(res.status(), path).toBe(404);
    expect(await res.text()).not.toContain('Lumen');
  }
  await page.goto(`${h.url}/console/episodes/${theirs.episode_id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found');
  // Its own episode is there.
  await page.goto(`${h.url}/console/episodes/${post.episode_id}`);
  await expect(page.getByRole('heading', { level: 2, name: 'Actions' })).toBeVisible();
  await expect(page.locator('main')).toContainText(caption);
  expect(cspViolations).toEqual([]);
});

test('a reviewer session should trip a switch but not clear one, approve but not cancel', async ({ page, h }) => {
  await h.services.store.killSwitches.set({ scope: 'account', scope_id: h.a.accounts[0]!.platform_account_id, engaged: true, reason: 'checking', set_by: 'ops' });
  await login(page, h, await h.token('reviewer', null, 'rev'));
  await expect(page.getByRole('link', { name: 'Trip the kill switch of client Northwind…' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Trip the kill switch of every client…' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Clear the kill switch/ })).toHaveCount(0);
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  const clear = await postForm(page, `${h.url}/console/kill`, { _csrf: csrf, scope: 'account', id: h.a.accounts[0]!.platform_account_id, engaged: 'off' });
  expect(clear.status()).toBe(403);
  expect((await h.services.store.killSwitches.list()).find((s) => s.scope === 'account')!.engaged).toBe(true);
});
