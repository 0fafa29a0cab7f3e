import { test, expect, IG, X, sha256, samplePng, eventually, type Page, igThread } from './fixtures.js';
import { ANNEX, login } from './annex.js';

const ig = ANNEX.instagram.v1;
const POST = '/p/SEED1aBc/';

test.describe('sandbox browser faults', () => {
  let base: string;
  test.beforeEach(async ({ page, sandbox }) => {
    base = sandbox.platforms.instagram;
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
  });

  async function compose(page: Page, caption: string) {
    await page.goto(`${base}/create/`);
    await page.setInputFiles(ig.sel.mediaInput!, { name: 'p.png', mimeType: 'image/png', buffer: await samplePng() });
    await page.fill(ig.sel.text, caption);
  }

  test('should show a checkpoint interstitial instead of the page and of the action', async ({ page, admin }) => {
    await admin.fault({ kind: 'checkpoint', platform: 'instagram', account: IG.northwind.handle });
    await page.goto(`${base}/${IG.northwind.handle}/`);
    await expect(page.locator(ig.sel.checkpoint)).toBeVisible();
    await expect(page.locator(ig.sel.profileHandle)).toHaveCount(0);
    await page.goto(`${base}${POST}`);
    await admin.fault({ kind: 'checkpoint', platform: 'instagram', action: 'like' });
    await page.click(ig.sel.like);
    await expect(page.locator(ig.sel.checkpoint)).toBeVisible();
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should show an action-blocked toast and apply nothing', async ({ page, admin }) => {
    await admin.fault({ kind: 'action_blocked', platform: 'instagram', action: 'like' });
    await page.goto(`${base}${POST}`);
    await page.click(ig.sel.like);
    await expect(page.locator(ig.sel.toast)).toContainText('Action Blocked');
    await admin.fault({ kind: 'action_blocked', platform: 'instagram', action: 'publish' });
    await compose(page, 'blocked post');
    await page.click(ig.sel.share);
    await expect(page.locator(ig.sel.toast)).toContainText('Action Blocked');
    await expect(page.locator(ig.sel.receiptLink)).toBeHidden();
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should expire the session and redirect to login', async ({ page, admin }) => {
    await admin.fault({ kind: 'session_expired', platform: 'instagram', lane: 'ui' });
    await page.goto(`${base}${POST}`);
    await expect(page).toHaveURL(/\/accounts\/login\//);
    await page.goto(`${base}${POST}`);
    await expect(page).toHaveURL(/\/accounts\/login\//);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should preselect another business account on wrong_account, so the UI acts as that account', async ({ page, admin }) => {
    await admin.fault({ kind: 'wrong_account', platform: 'instagram', account: IG.northwind.handle });
    await compose(page, 'who am I?');
    await expect(page.locator(ig.sel.currentHandle)).toHaveText(IG.lumen.handle);
    await expect(page.locator(ig.sel.switcherSelected)).toHaveText(IG.lumen.handle);
    await page.click(ig.sel.share);
    await expect(page.locator(ig.sel.receiptLink)).toBeVisible();
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', account: { id: IG.lumen.id, handle: IG.lumen.handle } })]);
  });

  test('should create the post but show no receipt on receipt_missing', async ({ page, admin }) => {
    await admin.fault({ kind: 'receipt_missing', platform: 'instagram', action: 'publish' });
    await compose(page, 'silent success');
    await page.click(ig.sel.share);
    // The answer is a 200 the page cannot read: it says something went wrong, and the post is live.
    await expect(page.locator(ig.sel.toast)).toBeVisible();
    await expect(page.locator(ig.sel.progress)).toBeHidden();
    await expect(page.locator(ig.sel.receiptLink)).toBeHidden();
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', payload_sha256: sha256('silent success') })]);
  });

  test('should disable share after one click without faults, so a double click publishes once', async ({ page, admin }) => {
    await admin.fault({ kind: 'latency', platform: 'instagram', action: 'publish', ms: 300, count: 5 });
    await compose(page, 'once only');
    await page.dblclick(ig.sel.share);
    await expect(page.locator(ig.sel.receiptLink)).toBeVisible();
    await admin.quiesce();
    expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);
  });

  test('should publish twice on share_stays_enabled and a double click', async ({ page, admin }) => {
    await admin.fault({ kind: 'share_stays_enabled', platform: 'instagram' });
    await admin.fault({ kind: 'latency', platform: 'instagram', action: 'publish', ms: 300, count: 5 });
    await compose(page, 'twice by accident');
    await page.dblclick(ig.sel.share);
    const effects = await eventually(() => admin.effects({ kind: 'publish' }), (e) => e.length >= 2);
    expect(effects).toHaveLength(2);
    expect(effects[0]!.payload_sha256).toBe(effects[1]!.payload_sha256);
    expect(effects[0]!.object_id).not.toBe(effects[1]!.object_id);
  });

  test('should show an error page and apply nothing on 5xx_before_commit', async ({ page, admin }) => {
    await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', lane: 'ui', action: 'like' });
    await page.goto(`${base}${POST}`);
    await page.click(ig.sel.like);
    // A background request: the page stays, the heart goes back, a toast says it failed.
    await expect(page.locator(ig.sel.toast)).toContainText('Something went wrong');
    await expect(page.locator(ig.sel.like)).toHaveAttribute('aria-pressed', 'false');
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should apply the comment and still show an error on error_after_commit', async ({ page, admin }) => {
    await admin.fault({ kind: 'error_after_commit', platform: 'instagram', lane: 'ui', action: 'comment' });
    await page.goto(`${base}${POST}`);
    await page.fill(ig.sel.commentInput!, 'did this land?');
    await page.click(ig.sel.commentSubmit!);
    await expect(page.locator(ig.sel.toast)).toContainText('Something went wrong');
    // The optimistic comment is taken back although the platform applied it.
    await expect(page.locator(ig.sel.commentText!, { hasText: 'did this land?' })).toHaveCount(0);
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'comment', payload_sha256: sha256('did this land?') })]);
  });

  test('should apply the DM and drop the connection on ack_lost', async ({ page, admin }) => {
    await admin.fault({ kind: 'ack_lost', platform: 'instagram', lane: 'ui', action: 'dm_send' });
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await page.fill(ig.sel.dmInput, 'hello?');
    await page.click(ig.sel.dmSend);
    const effects = await eventually(() => admin.effects(), (e) => e.length > 0);
    expect(effects).toEqual([expect.objectContaining({ kind: 'dm_send', via: 'ui' })]);
    await expect(page.locator(ig.sel.dmReceipt)).toHaveCount(0);
  });

  test('should answer 429 with Retry-After on rate_limit', async ({ page, admin }) => {
    await admin.fault({ kind: 'rate_limit', platform: 'instagram', lane: 'ui', action: 'follow', retry_after_s: 9 });
    await page.goto(`${base}/${IG.lumen.handle}/`);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click(ig.sel.follow)]);
    expect(response.status()).toBe(429);
    expect(response.headers()['retry-after']).toBe('9');
    await expect(page.locator(ig.sel.toast)).toContainText('Please wait');
    await expect(page.locator(ig.sel.follow)).toHaveText('Follow');
    expect(await admin.effects()).toHaveLength(0);
  });
});

test('should publish twice on X too when share stays enabled and the button is double-clicked', async ({ page, sandbox, admin }) => {
  const x = ANNEX.x.v1;
  await login(page, sandbox.platforms.x, x, X.northwind.handle, X.northwind.password);
  await admin.fault({ kind: 'share_stays_enabled', platform: 'x' });
  await admin.fault({ kind: 'latency', platform: 'x', action: 'publish', ms: 300, count: 5 });
  await page.click(x.sel.navCompose);
  await page.fill(x.sel.text, 'double');
  await page.dblclick(x.sel.share);
  const effects = await eventually(() => admin.effects({ platform: 'x', kind: 'publish' }), (e) => e.length >= 2);
  expect(effects.map((e) => e.payload_sha256)).toEqual([sha256('double'), sha256('double')]);
});
