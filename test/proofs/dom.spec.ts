import { snapshotDom } from '../../proofs/index.js';
import { test, expect, loginInstagram, setLayout, NORTHWIND, SEED_POST } from './fixtures.js';

test.describe('normalised DOM hash and structure fingerprint', () => {
  test('should give the same hashes for the same page loaded twice', async ({ page, ig }) => {
    await loginInstagram(page, ig);
    for (const path of [`/${NORTHWIND.handle}/`, SEED_POST]) {
      await page.goto(`${ig}${path}`);
      const first = await snapshotDom(page);
      await page.reload();
      const second = await snapshotDom(page);
      expect(second.dom_sha256).toBe(first.dom_sha256);
      expect(second.structure_sha256).toBe(first.structure_sha256);
      expect(first.dom_sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('should tell the v1 and v2 layouts apart by structure', async ({ page, ig, sandbox }) => {
    await loginInstagram(page, ig);
    const v1 = await snapshotDom(page);
    await setLayout(sandbox, 'v2');
    await page.reload();
    const v2 = await snapshotDom(page);
    expect(v2.structure_sha256).not.toBe(v1.structure_sha256);
    expect(v2.dom_sha256).not.toBe(v1.dom_sha256);
    expect(v1.skeleton).toContain('data-testid=profile-handle');
    expect(v2.skeleton).toContain('data-qa=prof-username');
  });

  test('should keep the structure hash when a new post appears, and the DOM hash should see it', async ({ page, ig }) => {
    await loginInstagram(page, ig);
    const before = await snapshotDom(page);
    await page.click('a[aria-label="New post"]');
    await page.setInputFiles('[data-testid="media-input"]', { name: 'bread.png', mimeType: 'image/png', buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64') });
    await page.fill('[data-testid="caption-input"]', 'A second loaf');
    await page.click('[data-testid="share-button"]');
    await expect(page.locator('[data-testid="share-receipt"]')).toBeVisible();
    await page.goto(`${ig}/${NORTHWIND.handle}/`);
    await expect(page.locator('[data-testid="post-tile"]')).toHaveCount(2);
    const after = await snapshotDom(page);
    expect(after.structure_sha256).toBe(before.structure_sha256);
    expect(after.dom_sha256).not.toBe(before.dom_sha256);
  });

  test('should strip volatile attributes, times, counts and whitespace', async ({ page }) => {
    const html = (nonce: string, time: string, count: number, id: string) => `<!doctype html><html><head><meta name="csrf-token" content="${nonce}"></head>
      <body><main id="${id}" style="color: red"><script nonce="${nonce}">1</script>
      <p data-testid="count">  ${count} likes </p><time datetime="${time}">${time.slice(11, 16)}</time>
      <span>posted   3m ago</span><input type="hidden" name="csrf_token" value="${nonce}"></main></body></html>`;
    await page.setContent(html('abc123', '2025-01-06T09:00:00Z', 4, 'r:1'));
    const a = await snapshotDom(page);
    await page.setContent(html('zzz999', '2026-02-07T10:11:00Z', 1234, 'r:77'));
    const b = await snapshotDom(page);
    expect(b.dom_sha256).toBe(a.dom_sha256);
    expect(a.normalized).not.toContain('abc123');
    await page.setContent(html('abc123', '2025-01-06T09:00:00Z', 4, 'r:1').replace('likes', 'dislikes'));
    expect((await snapshotDom(page)).dom_sha256).not.toBe(a.dom_sha256);
  });
});
