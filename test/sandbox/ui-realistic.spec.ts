import { test, expect, IG, eventually } from './fixtures.js';
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
    const pages = [`/${IG.northwind.handle}/`, `/${IG.ana.handle}/`, `/p/${POST.code}/`, `/direct/t/${IG.ana.id}/`, '/create/'];
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      const html = await page.content();
      expect(html, path).not.toMatch(/data-(post|comment|message)-id|data-from=/);
      // Avatars are opaque CDN paths: no account id in any image URL.
      const srcs = await page.locator('img').evaluateAll((els) => els.map((el) => el.getAttribute('src') ?? ''));
      for (const id of [IG.northwind.id, IG.ana.id, IG.lumen.id]) expect(srcs.filter((s) => s.includes(id)), `${path} ${id}`).toEqual([]);
    }
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
    await page.goto(`${base}/direct/t/${IG.ana.id}/`);
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
