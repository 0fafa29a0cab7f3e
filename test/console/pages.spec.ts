import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { appendDriftRecord, createProofStore, listBaselines, readDriftDecisions } from '../../proofs/index.js';
import { submitAction } from '../../safety/index.js';
import { test, expect, login, postForm } from './fixtures.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('should be usable from the keyboard: a skip link first, a visible focus ring, and a switch tripped without a mouse', async ({ page, h, cspViolations }) => {
  await login(page, h, await h.token('operator', null, 'ops-kb'));
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  expect(await skip.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();

  const trip = page.getByRole('link', { name: 'Trip the kill switch of client Lumen…' });
  await trip.focus();
  expect(await trip.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  // The reason field has the focus on the confirmation step; Tab reaches the confirm button.
  await expect(page.getByLabel(/^Reason/)).toBeFocused();
  await page.keyboard.type('checking a complaint');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Trip the kill switch of client Lumen' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('Kill switch tripped');
  expect((await h.services.store.killSwitches.list()).filter((s) => s.engaged).map((s) => [s.scope_id, s.reason])).toEqual([[h.b.client_id, 'checking a complaint']]);
  expect(cspViolations).toEqual([]);
});

test('a client-scoped operator should clear a degraded account, cancel a scheduled post with its reason and read the pacing chart against the caps', async ({ page, h, cspViolations }) => {
  const store = h.services.store;
  const ig = h.a.accounts.find((a) => a.platform === 'instagram')!;
  const x = h.a.accounts.find((a) => a.platform === 'x')!;
  await store.accounts.setState(x.platform_account_id, 'reconnect_required', 'access token expired');
  const caption = `Weekend brunch ${randomUUID().slice(0, 8)}`;
  const post = await submitAction(store, {
    client_id: h.a.client_id, platform_account_id: ig.platform_account_id, lane: 'api', action_type: 'publish',
    payload: { caption }, created_by: 'ana', due_at: new Date(Date.now() + 2 * 3_600_000).toISOString(),
  });
  await store.budgets.replace(ig.platform_account_id, [{ platform_account_id: ig.platform_account_id, action_type: 'publish', per_hour: 2, per_day: 10, min_spacing_ms: 0 }]);
  const earlier = new Date(Date.now() - 3 * 3_600_000);
  for (const i of [1, 2]) expect(await store.budgets.reserve({ platform_account_id: ig.platform_account_id, action_type: 'publish', action_id: `past-${i}`, at: earlier })).toEqual({ ok: true });

  await login(page, h, await h.token('operator', h.a.client_id, 'ops-bo'));
  // Scoped to one client: no global switch control, and the form is refused if sent anyway.
  await expect(page.getByRole('row', { name: /Global/ })).toContainText('operators for every client only');
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  expect((await postForm(page, `${h.url}/console/kill/confirm?scope=global`, { _csrf: csrf })).status()).toBe(404);
  expect((await postForm(page, `${h.url}/console/kill`, { _csrf: csrf, scope: 'global', id: '*', engaged: 'on', confirmed: 'yes', reason: 'x' })).status()).toBe(403);

  const degraded = page.getByRole('row', { name: /reconnect_required/ });
  await expect(degraded).toContainText('access token expired');
  await degraded.getByLabel(/can act again/).fill('reconnected by hand');
  await degraded.getByRole('button', { name: /back to active/ }).click();
  await expect(page.getByRole('status')).toContainText('Account cleared');
  expect(await store.accounts.get(x.platform_account_id)).toMatchObject({ state: 'active', state_reason: 'cleared from reconnect_required by ops-bo: reconnected by hand' });

  await page.getByRole('link', { name: 'Schedule' }).click();
  const row = page.getByRole('row', { name: new RegExp(caption) });
  await expect(row).toContainText('scheduled');
  await row.getByLabel(/^Why cancel/).fill('client pulled the brunch');
  await row.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('status')).toContainText('Action cancelled');
  await expect(page.getByRole('row', { name: new RegExp(caption) })).toHaveCount(0);
  const cancelled = (await store.actions.get(post.action_id))!;
  expect([cancelled.state, cancelled.result.error_code]).toEqual(['blocked', 'cancelled']);
  expect((await store.audit.forAction(post.action_id)).at(-1)!.event.reason).toBe('cancelled: by ops-bo (client pulled the brunch)');

  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByRole('link', { name: 'Pacing chart of instagram @northwind.instagram' }).click();
  const chart = page.getByRole('img', { name: /Side effects per hour, last 7 days/ });
  await expect(chart).toBeVisible();
  await expect(chart.locator('.bars rect.t-publish')).toHaveCount(1);
  await expect(chart.locator('.caps text')).toHaveText(['publish ≤ 2/h']);
  await expect(page.getByRole('row', { name: /^publish 2 10/ })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(`^${earlier.toISOString().slice(0, 10)}`) })).toContainText('2');

  await page.getByRole('link', { name: 'DM queue' }).click();
  await expect(page.locator('main')).toContainText('Nothing is waiting: every DM has been answered');
  expect(cspViolations).toEqual([]);
});

test('an operator should review drift records: the report linked, one rejected with its reason, one promoted to a baseline', async ({ page, h, cspViolations }) => {
  const proofs = createProofStore(h.dir);
  const solid = (r: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 30, b: 30 } } }).png().toBuffer();
  const record = async (surface: string, color: number) => appendDriftRecord(h.dir, {
    platform: 'instagram', surface, layout_expected: 'v1', layout_seen: 'unknown', diff_ratio: 0.42, structure_match: false,
    structure_expected: sha('v1'), structure_seen: sha(`${surface} v2`), block_ratio: 0.01, blocked: true, mask_boxes: [], width: 64, height: 48,
    screenshots: { current: await proofs.put(await solid(color), { kind: 'screenshot', ext: 'png' }) },
  });
  const profile = await record('profile', 200);
  const post = await record('post', 120);

  await login(page, h, await h.token('operator', null, 'ops-drift'));
  await page.getByRole('link', { name: 'Drift' }).click();
  await expect(page.getByRole('link', { name: 'Open the drift report' })).toHaveAttribute('href', '/api/v1/drift/report');
  await expect(page.locator('main')).toContainText('2 records, 2 open.');
  const profileRow = page.locator(`tr[data-record="${profile.id}"]`);
  await profileRow.getByLabel('Why reject').fill('a checkpoint page, not a layout');
  await profileRow.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByRole('status')).toContainText('Drift record rejected');
  await expect(profileRow).toContainText('rejected by ops-drift');

  const postRow = page.locator(`tr[data-record="${post.id}"]`);
  await postRow.getByLabel('Layout name').fill('v2');
  await postRow.getByRole('button', { name: 'Promote to baseline' }).click();
  await expect(page.getByRole('status')).toContainText('Drift record promoted');
  await expect(postRow).toContainText('promoted as v2 by ops-drift');
  expect((await readDriftDecisions(h.dir)).map((d) => [d.record_id, d.decision, d.by])).toEqual([[profile.id, 'rejected', 'ops-drift'], [post.id, 'promoted', 'ops-drift']]);
  expect((await listBaselines(h.dir, { platform: 'instagram', layout: 'v2', surface: 'post' })).map((b) => b.confirmed_by)).toEqual(['ops-drift']);
  // Decided records take no second decision.
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  expect((await postForm(page, `${h.url}/console/drift/${profile.id}/reject`, { _csrf: csrf, reason: 'again' })).status()).toBe(409);
  expect(cspViolations).toEqual([]);
});
