import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBrowserLane, loginSandboxAccount } from '../../cli/demo.js';
import { runAction, submitAction } from '../../safety/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';
import { test as browserTest, expect, IG, samplePng } from '../browser/fixtures.js';
import { login } from './fixtures.js';

/** The browser lane's fixtures (one Chromium per worker, a sandbox per test) plus the API and console. */
const test = browserTest.extend<{ h: ApiHarness; cspViolations: string[] }>({
  h: async ({}, use) => {
    const h = await startApiHarness();
    await use(h);
    await h.close();
  },
  cspViolations: async ({ page }, use) => {
    const seen: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
    });
    await use(seen);
  },
});

test('should show a browser-lane episode with its step screenshots and open its trace in the viewer the API serves', async ({ page, h, provider, sandbox, admin, cspViolations }) => {
  test.setTimeout(180_000);
  // A real episode: the northwind account logged in through the sandbox's login flow, a post
  // published by the browser lane (identity, precheck, composer, share, verify), proofs and a trace kept.
  const lane = createBrowserLane(h.services, provider, sandbox.platforms);
  try {
    const platform_account_id = `ig-${randomUUID()}`;
    const { session_ref, observed } = await loginSandboxAccount(h.services, provider, sandbox, { platform: 'instagram', platform_account_id, handle: IG.northwind.handle, password: IG.northwind.password });
    const now = new Date().toISOString();
    await h.services.store.accounts.create({
      platform_account_id, client_id: h.a.client_id, platform: 'instagram',
      fingerprint: { platform_user_id: IG.northwind.id, handle: observed.handle, display_name: observed.display_name ?? '', extra: observed.avatar_src ? { avatar_src: observed.avatar_src } : {} },
      timezone: 'UTC', state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
    });
    mkdirSync(join(h.dir, 'media'), { recursive: true });
    const image = join(h.dir, 'media', 'loaf.png');
    writeFileSync(image, await samplePng(90));
    const caption = `Console loaf ${randomUUID().slice(0, 8)}`;
    const action = await submitAction(h.services.store, {
      client_id: h.a.client_id, platform_account_id, lane: 'browser', action_type: 'publish', payload: { caption, media: [{ source: image }] }, created_by: 'ana',
    });
    const outcome = await runAction(h.services.kernel, action.action_id).finally(() => lane.performer.dispose(action.action_id));
    expect(outcome.status, outcome.reason).toBe('confirmed_success');
    expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);

    await login(page, h, await h.token('reviewer', h.a.client_id, 'ben'));
    await page.getByRole('link', { name: 'Episodes' }).click();
    await page.getByRole('row', { name: /instagram @northwind\.bakery/ }).getByRole('link').click();
    await expect(page).toHaveURL(`${h.url}/console/episodes/${action.episode_id}`);
    const facts = page.locator('dl.facts');
    await expect(facts).toContainText('3 — durable');
    await expect(facts).toContainText('passed');
    await expect(facts).toContainText('identity: handle, avatar_or_name, switcher');
    await expect(facts).toContainText(caption);
    await expect(page.getByRole('table').last()).toContainText('attempted → confirmed_success');

    // The step screenshots, in order, each an image that actually loads through the proof route.
    const shots = page.locator('ol.shots img');
    const count = await shots.count();
    expect(count).toBeGreaterThanOrEqual(5);
    await expect(shots.first()).toHaveAttribute('alt', /^Step 1: identity_verified/);
    for (let i = 0; i < count; i += 1) {
      const img = shots.nth(i);
      await img.scrollIntoViewIfNeeded();
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), { message: `screenshot ${i + 1} loads` }).toBeGreaterThan(0);
      expect(await img.getAttribute('src')).toMatch(/^\/api\/v1\/proofs\/[0-9a-f]{64}$/);
    }

    // The trace, in Playwright's viewer served by the API: its action list shows what the flow did.
    await page.getByRole('link', { name: 'Open trace' }).click();
    await expect(page).toHaveURL(/\/console\/trace\/index\.html\?/);
    expect(new URL(page.url()).searchParams.get('trace')).toBe(`/api/v1/episodes/${action.episode_id}/trace`);
    const steps = page.getByRole('treeitem');
    await expect(steps.first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('treeitem', { name: /^Navigate .*\/northwind\.bakery\// }).first()).toBeVisible();
    await expect(page.getByRole('treeitem', { name: new RegExp(`^Fill "${caption}"`) })).toBeVisible();
    await expect(page.getByRole('treeitem', { name: /^Click .*share-button/ })).toBeVisible();
    // The DOM snapshot of the selected step renders (its service worker answers the frame from the trace).
    await expect(page.frameLocator('iframe').first().getByText(caption)).toBeVisible({ timeout: 15_000 });
    expect(cspViolations).toEqual([]);
    const viewerCsp = (await page.request.get(page.url())).headers()['content-security-policy']!;
    expect(viewerCsp).not.toMatch(/https?:|\*|'unsafe-eval'/);
    expect((await page.request.get(`${h.url}/console/`)).headers()['content-security-policy']).toBe("default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'");

    // Another tenant's session on this browser opens the same viewer URL: the trace route answers
    // it 404 and the viewer's service worker kept nothing of the last session (logout cleared it).
    const viewerUrl = page.url();
    await page.goto(`${h.url}/console/`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await login(page, h, await h.token('reviewer', h.b.client_id));
    expect((await page.request.get(`${h.url}/api/v1/episodes/${action.episode_id}/trace`, { failOnStatusCode: false })).status()).toBe(404);
    await page.goto(viewerUrl);
    await expect(page.getByText(/Could not load trace/)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('treeitem')).toHaveCount(0);
    const episodePage = await page.request.get(`${h.url}/console/episodes/${action.episode_id}`, { failOnStatusCode: false });
    expect(episodePage.status()).toBe(404);
  } finally {
    await lane.performer.close();
  }
});
