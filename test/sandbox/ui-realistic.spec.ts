import { test, expect, IG, X, eventually, igThread } from './fixtures.js';
import { ANNEX, login } from './annex.js';

const ig = ANNEX.instagram.v1;
const POST = { code: 'SEED1aBc', id: '17900000000000001' };

/**
 * Issue 13: the Instagram web surfaces show only what instagram.com shows — no internal ids,
 * actions in the background with optimistic UI, toggling hearts and Follow buttons — so that
 * the lane is tested against a platform at least as hard as the real one.
 */
test.describe('sandbox Instagram web: as the real site shows it', () => {
  let base: string;
  test.beforeEach(async ({ page, sandbox }) => {
    base = sandbox.platforms.instagram;
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
  });

  test('should show no internal id on its pages: not in attributes, not in avatar URLs, not in a redirect', async ({ page }) => {
    const pages = [`/${IG.northwind.handle}/`, `/${IG.ana.handle}/`, `/p/${POST.code}/`, igThread(IG.ana.id), '/create/'];
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      const html = await page.content();
      expect(html, path).not.toMatch(/data-(post|comment|message)-id|data-from=/);
      // Avatars are opaque CDN paths: no account id in any image URL.
      const srcs = await page.locator('img').evaluateAll((els) => els.map((el) => el.getAttribute('src') ?? ''));
      for (const id of [IG.northwind.id, IG.ana.id, IG.lumen.id]) expect(srcs.filter((s) => s.includes(id)), `${path} ${id}`).toEqual([]);
      // Nor in a link: a conversation's URL names a thread of its own, never the person.
      const hrefs = await page.locator('a[href], form[action]').evaluateAll((els) => els.map((el) => el.getAttribute('href') ?? el.getAttribute('action') ?? ''));
      for (const id of [IG.northwind.id, IG.ana.id, IG.lumen.id]) expect(hrefs.filter((h) => h.includes(id)), `${path} ${id}`).toEqual([]);
    }
    // The thread is reached from the person's Message link, and is not there by their id.
    await page.goto(`${base}/${IG.ana.handle}/`);
    expect(await page.locator('[data-testid="message-button"]').getAttribute('href')).toBe(igThread(IG.ana.id));
    expect((await page.goto(`${base}/direct/t/${IG.ana.id}/`))!.status()).toBe(404);
    // A grid tile's alt is generated accessibility text, never the caption.
    await page.goto(`${base}/${IG.northwind.handle}/`);
    const alts = await page.locator('[data-testid="post-tile"] img').evaluateAll((els) => els.map((el) => el.getAttribute('alt') ?? ''));
    expect(alts.length).toBeGreaterThan(0);
    for (const alt of alts) expect(alt).toMatch(/^Photo by .+ on [A-Z][a-z]+ \d{2}, \d{4}\. May be an image of/);
  });

  test('should like in the background, showing the heart before the platform answers, and unlike on a second click', async ({ page, admin }) => {
    await page.goto(`${base}/p/${POST.code}/`);
    const heart = page.locator(ig.sel.like);
    await expect(heart).toHaveAttribute('aria-pressed', 'false');
    // The answer is slow: the heart is red long before the platform has applied anything.
    await admin.fault({ kind: 'latency', platform: 'instagram', action: 'like', ms: 1500 });
    const url = page.url();
    await heart.click();
    await expect(heart).toHaveAttribute('aria-pressed', 'true', { timeout: 500 });
    expect(await admin.effects()).toEqual([]);
    await eventually(async () => (await admin.effects()).length, (n) => n === 1);
    // No navigation: the page stayed where it was.
    expect(page.url()).toBe(url);
    // The heart toggles: a second click unlikes, and the ground truth records it.
    await page.waitForTimeout(1600);
    await heart.click();
    await eventually(async () => (await admin.effects()).map((e) => e.kind), (k) => k.length === 2);
    expect((await admin.effects()).map((e) => [e.kind, e.object_id])).toEqual([['like', POST.id], ['unlike', POST.id]]);
  });

  test('should put the screen back and say so when the background request fails', async ({ page, admin }) => {
    await page.goto(`${base}/p/${POST.code}/`);
    await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', action: 'like' });
    await page.click(ig.sel.like);
    await expect(page.locator(ig.sel.toast)).toBeVisible();
    await expect(page.locator(ig.sel.like)).toHaveAttribute('aria-pressed', 'false');
    expect(await admin.effects()).toEqual([]);
  });

  test('should show a phantom success exactly like a real one: the optimistic heart stays, nothing applied', async ({ page, admin }) => {
    await page.goto(`${base}/p/${POST.code}/`);
    await admin.fault({ kind: 'phantom_success', platform: 'instagram', action: 'like' });
    await page.click(ig.sel.like);
    await expect(page.locator(ig.sel.like)).toHaveAttribute('aria-pressed', 'true');
    await page.waitForTimeout(500);
    await expect(page.locator(ig.sel.toast)).toBeHidden();
    expect(await admin.effects()).toEqual([]);
    await page.reload();
    await expect(page.locator(ig.sel.like)).toHaveAttribute('aria-pressed', 'false');
  });

  test('should toggle Follow: "Following" unfollows, recorded in the ground truth', async ({ page, admin }) => {
    await page.goto(`${base}/${IG.lumen.handle}/`);
    const button = page.locator(ig.sel.follow);
    await button.click();
    await expect(button).toHaveText('Following');
    await eventually(async () => (await admin.effects()).length, (n) => n === 1);
    await button.click();
    await expect(button).toHaveText('Follow');
    await eventually(async () => (await admin.effects()).map((e) => e.kind), (k) => k.join() === 'follow,unfollow');
  });

  test('should show a sent message at once as "Sending…", then "Sent", without a message id anywhere', async ({ page, admin }) => {
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await page.fill(ig.sel.dmInput, 'see you at 9');
    await page.click(ig.sel.dmSend);
    const row = page.locator('[data-testid="message"]', { hasText: 'see you at 9' });
    await expect(row).toHaveCount(1);
    await expect(row.locator('[data-testid="message-sender"]')).toHaveText('You sent');
    await expect(page.locator(ig.sel.dmReceipt)).toBeVisible();
    expect(page.url()).not.toContain('?');
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'dm_send' })]);
  });
});

const xv1 = ANNEX.x.v1;
const TWEET = '1860000000000000001';

/**
 * The X web surfaces the same way: no tweet or message ids but in links, actions in the
 * background (the heart and Follow toggle), a post's id only in the "View" link of its toast,
 * which the page builds from X's GraphQL answer.
 */
test.describe('sandbox X web: as the real site shows it', () => {
  let base: string;
  // northwind's own seeded tweet.
  const tweetPath = `/${X.northwind.handle}/status/${TWEET}`;
  test.beforeEach(async ({ page, sandbox }) => {
    base = sandbox.platforms.x;
    await login(page, base, xv1, X.northwind.handle, X.northwind.password);
  });

  test('should show no tweet or message id but in links, and no account id in avatar URLs', async ({ page }) => {
    for (const path of [`/${X.northwind.handle}`, tweetPath, `/messages/${X.ana.id}`, '/compose/post']) {
      await page.goto(`${base}${path}`);
      const html = await page.content();
      expect(html, path).not.toMatch(/data-(tweet|message|post)-id|data-from=|dm-sent-receipt/);
      const srcs = await page.locator('img').evaluateAll((els) => els.map((el) => el.getAttribute('src') ?? ''));
      for (const id of [X.northwind.id, X.ana.id, X.lumen.id]) expect(srcs.filter((s) => s.includes(id)), `${path} ${id}`).toEqual([]);
    }
  });

  test('should like in the background and unlike on a second click (the heart toggles)', async ({ page, admin }) => {
    await page.goto(`${base}${tweetPath}`);
    const url = page.url();
    await admin.fault({ kind: 'latency', platform: 'x', action: 'like', ms: 1500 });
    await page.click('[data-testid="like"]');
    // Optimistic: the heart is on before the platform applied anything.
    await expect(page.locator('[data-testid="unlike"]')).toHaveCount(1, { timeout: 500 });
    expect(await admin.effects({ platform: 'x' })).toEqual([]);
    await eventually(async () => (await admin.effects({ platform: 'x' })).length, (n) => n === 1);
    expect(page.url()).toBe(url);
    await page.waitForTimeout(1600);
    await page.click('[data-testid="unlike"]');
    await eventually(async () => (await admin.effects({ platform: 'x' })).map((e) => e.kind), (k) => k.length === 2);
    expect((await admin.effects({ platform: 'x' })).map((e) => [e.kind, e.object_id])).toEqual([['like', TWEET], ['unlike', TWEET]]);
  });

  test('should toggle Follow: "Following" is a button that unfollows', async ({ page, admin }) => {
    await page.goto(`${base}/${X.ana.handle}`);
    await page.click(`[data-testid="${X.ana.id}-follow"]`);
    await expect(page.locator(`[data-testid="${X.ana.id}-unfollow"]`)).toHaveText('Following');
    await eventually(async () => (await admin.effects({ platform: 'x' })).length, (n) => n === 1);
    await page.click(`[data-testid="${X.ana.id}-unfollow"]`);
    await eventually(async () => (await admin.effects({ platform: 'x' })).map((e) => e.kind), (k) => k.length === 2);
    expect((await admin.effects({ platform: 'x' })).map((e) => e.kind)).toEqual(['follow', 'unfollow']);
  });

  test('should name a new post or reply only in the toast\'s View link, and none when the answer lost it', async ({ page, admin }) => {
    await page.goto(`${base}/compose/post`);
    await page.fill(xv1.sel.text, 'Fresh rye today');
    await page.click(xv1.sel.share);
    const link = page.locator(xv1.sel.receiptLink);
    await expect(link).toBeVisible();
    const [post] = await admin.effects({ platform: 'x', kind: 'publish' });
    expect(await link.getAttribute('href')).toBe(`/${X.northwind.handle}/status/${post!.object_id}`);
    // A reply: the same toast, in the background, the URL unchanged (no ?reply=).
    await page.goto(`${base}${tweetPath}`);
    const url = page.url();
    await page.fill(xv1.sel.replyInput, 'Saving one for me?');
    await page.click(xv1.sel.replySubmit);
    await expect(page.locator(xv1.sel.receiptLink)).toBeVisible();
    const [reply] = await admin.effects({ platform: 'x', kind: 'reply' });
    expect(await page.locator(xv1.sel.receiptLink).getAttribute('href')).toBe(`/${X.northwind.handle}/status/${reply!.object_id}`);
    expect(page.url()).toBe(url);
    // The answer lost the tweet (accepted, no result): no toast, though the reply is live.
    await admin.fault({ kind: 'receipt_missing', platform: 'x', action: 'reply' });
    await page.goto(`${base}${tweetPath}`);
    await page.fill(xv1.sel.replyInput, 'And one more?');
    await page.click(xv1.sel.replySubmit);
    await eventually(async () => (await admin.effects({ platform: 'x', kind: 'reply' })).length, (n) => n === 2);
    await page.waitForTimeout(300);
    await expect(page.locator('[data-testid="postSentToast"]')).toBeHidden();
  });

  test('should show a sent DM as "Sending…", then "Sent", labelled as ours for screen readers', async ({ page, admin }) => {
    await page.goto(`${base}/messages/${X.ana.id}`);
    await admin.fault({ kind: 'latency', platform: 'x', action: 'dm_send', ms: 1200 });
    await page.fill(xv1.sel.dmInput, 'See you Sunday');
    await page.click(xv1.sel.dmSend);
    const row = page.locator('[data-testid="messageEntry"]').filter({ hasText: 'See you Sunday' });
    await expect(row.locator('[data-testid="dm-status"]')).toHaveText('Sending…', { timeout: 800 });
    await expect(row.locator('[data-testid="dm-status"]')).toHaveText('Sent');
    await expect(row.locator('[data-testid="messageEntry-sender"]')).toHaveText('You sent');
    expect((await admin.effects({ platform: 'x' })).map((e) => e.kind)).toEqual(['dm_send']);
  });
});
