import { createHmac } from 'node:crypto';
import { test as base, expect, login } from './fixtures.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

const SECRET = 'console-dm-secret-42';
const test = base.extend<{ h: ApiHarness }>({
  h: async ({}, use) => {
    const h = await startApiHarness({ config: { metaAppSecret: SECRET, metaVerifyToken: 'v' }, igApiTokens: true });
    await use(h);
    await h.close();
  },
});

async function inbound(h: ApiHarness, sender: string, mid: string, text: string) {
  const ig = h.a.accounts.find((a) => a.platform === 'instagram')!.fingerprint.platform_user_id;
  const body = JSON.stringify({ object: 'instagram', entry: [{ id: ig, time: Date.now(), messaging: [{ sender: { id: sender }, recipient: { id: ig }, timestamp: Date.now(), message: { mid, text } }] }] })
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const res = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` } });
  expect(res.status).toBe(200);
  await h.dm.idle();
}

test('a reviewer should see escalations first, edit a draft and approve it into one dm_send; a client viewer only reads', async ({ page, h, cspViolations }) => {
  await inbound(h, '801', 'm_price', 'hola! cuanto cuesta el programa?');
  await inbound(h, '802', 'm_urgent', 'ya no quiero vivir');
  const reviewer = await h.token('reviewer', h.a.client_id, 'rita');
  await login(page, h, reviewer);
  await page.goto(`${h.url}/console/dm`);
  const items = page.locator('article.dm');
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText('URGENT');
  await expect(items.first()).toContainText('self_harm_signal');
  // No API lane in this harness, so no username: the link opens the inbox.
  await expect(items.first().getByRole('link', { name: 'open IG thread' })).toHaveAttribute('href', 'https://www.instagram.com/direct/inbox/');
  const draft = items.nth(1);
  await expect(draft).toContainText('intent price');
  await draft.getByLabel('Reply (edit before approving)').fill('Hola! Te paso los precios ahora mismo.');
  await draft.getByRole('button', { name: 'Approve and send' }).click();
  await expect(page.getByRole('status')).toContainText('Reply approved');
  await expect(page.locator('article.dm')).toHaveCount(1);
  const sends = (await h.services.store.actions.list({ client_id: h.a.client_id, limit: 20 })).filter((a) => a.action_type === 'dm_send');
  expect(sends).toHaveLength(1);
  expect(sends[0]!.payload).toMatchObject({ recipient: '801', text: 'Hola! Te paso los precios ahora mismo.' });
  expect(sends[0]!.created_by).toBe('rita');
  await expect(page.getByRole('table', { name: 'Drafted vs sent, per intent' })).toContainText('price');
  // Reject the urgent one's draft: nothing is sent (a person answers it in Instagram).
  await page.locator('article.dm').first().getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByRole('status')).toContainText('Draft rejected');
  await page.getByRole('button', { name: 'Log out' }).click();

  // Another tenant's viewer sees none of it; a client viewer of this one reads without buttons.
  await inbound(h, '803', 'm_more', 'link pls');
  await login(page, h, await h.token('client_viewer', h.b.client_id, 'viewer-b'));
  await page.goto(`${h.url}/console/dm`);
  await expect(page.locator('article.dm')).toHaveCount(0);
  await page.getByRole('button', { name: 'Log out' }).click();
  await login(page, h, await h.token('client_viewer', h.a.client_id, 'viewer-a'));
  await page.goto(`${h.url}/console/dm`);
  await expect(page.locator('article.dm')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Approve and send' })).toHaveCount(0);
  expect(cspViolations).toEqual([]);
});

test('an operator should stop and resume a client\'s DM auto-send from the DM page, with a reason, and see it held', async ({ page, h, cspViolations }) => {
  await h.services.store.policies.put({
    client_id: h.a.client_id, created_by: 'ops@agency', autonomy: 'auto', allowed_actions: { instagram: ['dm_send'], x: [] },
    dm: { rollout: 'auto_send', auto_send: { enabled: true, intents: ['book', 'link'] }, links: { book_link: 'https://book.example.com' } },
  });
  await login(page, h, await h.token('operator', h.a.client_id, 'olga'));
  await page.goto(`${h.url}/console/dm`);
  const autoTable = page.getByRole('table', { name: 'Auto-send' });
  const row = autoTable.getByRole('row').filter({ hasText: 'auto_send' });
  await expect(row).toContainText('book, link');
  await expect(row).toContainText('off');
  // A client-scoped operator sees no every-client control.
  await expect(page.getByRole('link', { name: /every client/ })).toHaveCount(0);
  await row.getByRole('link', { name: /Trip the kill switch of DM auto-send/ }).click();
  await expect(page.locator('main')).toContainText('automatic DM replies');
  await page.getByLabel(/Reason/).fill('new price list this week');
  await page.getByRole('button', { name: /Trip the kill switch/ }).click();
  expect(await h.services.store.killSwitches.autoSendStop(h.a.client_id)).toMatchObject({ scope: 'dm_auto_send', scope_id: h.a.client_id, set_by: 'olga', reason: 'new price list this week' });
  expect(await h.services.store.killSwitches.engagedFor({ client_id: h.a.client_id, platform_account_id: h.a.accounts[0]!.platform_account_id })).toBeNull();
  await page.goto(`${h.url}/console/dm`);
  const held = page.getByRole('table', { name: 'Auto-send' }).getByRole('row').filter({ hasText: 'auto_send' });
  await expect(held).toContainText('ON');
  await held.getByRole('button', { name: /Clear the kill switch of DM auto-send/ }).click();
  expect(await h.services.store.killSwitches.autoSendStop(h.a.client_id)).toBeNull();
  expect(cspViolations).toEqual([]);
});
