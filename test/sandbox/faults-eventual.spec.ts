import { startSandbox } from '../../sandbox/index.js';
import { ANNEX, login } from './annex.js';
import { test, expect, call, IG, X, AdminClient, eventually, igThread } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const tweet = (base: string, text: string) => call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text } });
const timelineIds = async (base: string) => ((await call(`${base}/2/users/${X.northwind.id}/tweets?max_results=100`, { token: X.northwind.token })).json.data ?? []).map((t: { id: string }) => t.id);
const scheduleOf = async (admin: AdminClient, key: string) => ((await admin.request('GET', '/__sandbox/lag')).json.objects as any[]).find((o) => o.key === key);

/** Polls until ok, with a bound; fails the test when the bound passes. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 12_000): Promise<T> {
  const v = await eventually(read, ok, timeoutMs);
  expect(ok(v), 'condition not reached within the bound').toBe(true);
  return v;
}

test.describe('read-after-write lag, visible by id first', () => {
  test.use({ sandboxOptions: { containerDelayMs: 50, lag: { byIdFirst: true, lists: { baseMs: 2500, jitterMs: 500 } } } });

  test('should show a new tweet by id at once and in the timeline only after its seeded lag; the ground truth at once', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const id = (await tweet(base, 'eventually listed')).json.data.id as string;
    const listed = await timelineIds(base);
    const checkedAt = Date.now();
    const byId = await call(`${base}/2/tweets/${id}`, { token: X.northwind.token });
    const entry = await scheduleOf(admin, `post:${id}`);
    expect(entry.delay_ms.api_list).toBeGreaterThanOrEqual(2500);
    expect(entry.delay_ms.api_list).toBeLessThanOrEqual(3000);
    expect(entry.delay_ms.api_get).toBe(0);
    expect(checkedAt).toBeLessThan(Date.parse(entry.visible_at.api_list));
    expect(listed).not.toContain(id);
    expect(byId.json.data).toMatchObject({ id, text: 'eventually listed' });
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', object_id: id, reverted: false })]);
    await until(() => timelineIds(base), (ids) => ids.includes(id));
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(entry.visible_at.api_list));
  });

  test('should lag the Graph media list and media_count, not GET /{media-id}', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const token = IG.northwind.token;
    const container = (await call(g(base, '/me/media'), { method: 'POST', token, body: { image_url: 'https://cdn.example.com/a.jpg', caption: 'lagging grid' } })).json.id;
    await until(() => call(g(base, `/${container}?fields=status_code`), { token }), (r) => r.json.status_code === 'FINISHED');
    const id = (await call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id: container } })).json.id as string;
    const list = await call(g(base, '/me/media?fields=id'), { token });
    const me = await call(g(base, '/me?fields=media_count'), { token });
    const checkedAt = Date.now();
    const entry = await scheduleOf(admin, `post:${id}`);
    expect(checkedAt).toBeLessThan(Date.parse(entry.visible_at.api_list));
    expect(list.json.data.map((m: { id: string }) => m.id)).not.toContain(id);
    expect(me.json.media_count).toBe(1);
    expect((await call(g(base, `/${id}?fields=id,caption`), { token })).json).toEqual({ id, caption: 'lagging grid' });
    await until(() => call(g(base, '/me/media?fields=id'), { token }), (r) => r.json.data.some((m: { id: string }) => m.id === id));
    expect((await call(g(base, '/me?fields=media_count'), { token })).json.media_count).toBe(2);
  });

  test('should lag DM threads on the API', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const sent = await call(`${base}/2/dm_conversations/with/${X.ana.id}/messages`, { method: 'POST', token: X.northwind.token, body: { text: 'lagged dm' } });
    const id = sent.json.data.dm_event_id as string;
    const events = async () => ((await call(`${base}/2/dm_conversations/with/${X.ana.id}/dm_events`, { token: X.northwind.token })).json.data as { id: string }[]).map((e) => e.id);
    const first = await events();
    const checkedAt = Date.now();
    const entry = await scheduleOf(admin, `message:${id}`);
    expect(checkedAt).toBeLessThan(Date.parse(entry.visible_at.thread));
    expect(first).not.toContain(id);
    await until(events, (ids) => ids.includes(id));
  });
});

test.describe('read-after-write lag, visible by id last', () => {
  test.use({ sandboxOptions: { lag: { byIdFirst: false, lists: { baseMs: 1500, jitterMs: 1000 } } } });

  test('should answer Not Found by id until the object is listed everywhere', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const id = (await tweet(base, 'late by id')).json.data.id as string;
    const first = await call(`${base}/2/tweets/${id}`, { token: X.northwind.token });
    const checkedAt = Date.now();
    const entry = await scheduleOf(admin, `post:${id}`);
    expect(entry.delay_ms.api_get).toBeGreaterThanOrEqual(Math.max(entry.delay_ms.grid, entry.delay_ms.api_list));
    expect(checkedAt).toBeLessThan(Date.parse(entry.visible_at.api_get));
    expect(first.json.errors[0].title).toBe('Not Found Error');
    await until(() => call(`${base}/2/tweets/${id}`, { token: X.northwind.token }), (r) => r.json.data?.id === id);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(entry.visible_at.api_get));
  });
});

test.describe('read-after-write lag on the browser surfaces', () => {
  test.use({ sandboxOptions: { containerDelayMs: 50, lag: { byIdFirst: true, lists: { baseMs: 5000, jitterMs: 0 } } } });
  const ig = ANNEX.instagram.v1;

  test('should show a new post on its permalink first, in the profile grid after the lag', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const token = IG.northwind.token;
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
    const container = (await call(g(base, '/me/media'), { method: 'POST', token, body: { image_url: 'https://cdn.example.com/b.jpg', caption: 'grid later' } })).json.id;
    await until(() => call(g(base, `/${container}?fields=status_code`), { token }), (r) => r.json.status_code === 'FINISHED');
    const id = (await call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id: container } })).json.id as string;
    const permalink = (await call(g(base, `/${id}?fields=permalink`), { token })).json.permalink as string;
    const entry = await scheduleOf(admin, `post:${id}`);
    await page.goto(`${base}/${IG.northwind.handle}/`);
    const tiles = await page.locator('[data-testid="post-tile"]').count();
    expect(Date.now()).toBeLessThan(Date.parse(entry.visible_at.grid));
    expect(tiles).toBe(1);
    await page.goto(permalink);
    await expect(page.locator(ig.sel.postText)).toHaveText('grid later');
    await until(async () => {
      await page.goto(`${base}/${IG.northwind.handle}/`);
      return page.locator('[data-testid="post-tile"]').count();
    }, (n) => n === 2);
  });

  test('should show a like and a follow on the pages only after the lag', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
    await page.goto(`${base}/p/SEED2aBc/`);
    const before = await page.locator(ig.sel.likeCount).textContent();
    await page.click(ig.sel.like);
    // The heart turns red at once (optimistic); the page read again does not show it yet.
    await expect(page.locator(ig.sel.like)).toHaveAttribute('aria-label', 'Unlike');
    await eventually(async () => (await admin.effects()).length, (n) => n === 1);
    const entry = await scheduleOf(admin, `like:${IG.northwind.id}:17900000000000002`);
    await page.goto(`${base}/p/SEED2aBc/`);
    expect(Date.now()).toBeLessThan(Date.parse(entry.visible_at.likes));
    await expect(page.locator(ig.sel.like)).toHaveAttribute('aria-label', 'Like');
    await expect(page.locator(ig.sel.likeCount)).toHaveText(before!);
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'like', object_id: '17900000000000002' })]);
    await until(async () => {
      await page.goto(`${base}/p/SEED2aBc/`);
      return page.locator(ig.sel.like).getAttribute('aria-label');
    }, (label) => label === 'Unlike');

    await page.goto(`${base}/${IG.lumen.handle}/`);
    await page.click(ig.sel.follow);
    await expect(page.locator(ig.sel.follow)).toHaveText('Following');
    await eventually(async () => (await admin.effects()).length, (n) => n === 2);
    const follow = await scheduleOf(admin, `follow:${IG.northwind.id}:${IG.lumen.id}`);
    await page.goto(`${base}/${IG.lumen.handle}/`);
    expect(Date.now()).toBeLessThan(Date.parse(follow.visible_at.follows));
    await expect(page.locator(ig.sel.follow)).toHaveText('Follow');
    await until(async () => {
      await page.goto(`${base}/${IG.lumen.handle}/`);
      return page.locator(ig.sel.follow).textContent();
    }, (t) => t === 'Following');
  });

  test('should confirm a sent DM on the page that sent it while the thread itself lags', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await page.fill(ig.sel.dmInput, 'are you there?');
    await page.click(ig.sel.dmSend);
    await expect(page.locator(ig.sel.dmReceipt)).toBeVisible();
    const [effect] = await admin.effects();
    const entry = await scheduleOf(admin, `message:${effect!.object_id}`);
    // The page showed it at once (optimistic, then "Sent"); the thread read again lags behind.
    const message = page.locator('[data-testid="message"]', { hasText: 'are you there?' });
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    const shown = await message.count();
    expect(Date.now()).toBeLessThan(Date.parse(entry.visible_at.thread));
    expect(shown).toBe(0);
    await until(async () => {
      await page.goto(`${base}${igThread(IG.ana.id)}`);
      return message.count();
    }, (n) => n === 1);
  });
});

test('should schedule the same lags for the same seed and other lags for another seed', async () => {
  const run = async (seed: number) => {
    const sandbox = await startSandbox({ seed, lag: { lists: { baseMs: 100, jitterMs: 5000 }, api_get: { baseMs: 50, jitterMs: 5000 } } });
    try {
      for (const text of ['a', 'b', 'c']) await tweet(sandbox.platforms.x, text);
      const objects = (await new AdminClient(sandbox).request('GET', '/__sandbox/lag')).json.objects as any[];
      return objects.map((o) => [o.key, o.delay_ms]);
    } finally {
      await sandbox.close();
    }
  };
  const a = await run(11);
  expect(a).toHaveLength(3);
  expect(await run(11)).toEqual(a);
  expect(await run(12)).not.toEqual(a);
});

test('should validate lag settings and name the field', async () => {
  const sandbox = await startSandbox();
  try {
    const admin = new AdminClient(sandbox);
    const bad = await admin.request('POST', '/__sandbox/lag', { grid: { baseMs: -5 } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('grid.baseMs');
    const unknown = await admin.request('POST', '/__sandbox/lag', { timeline: { baseMs: 5 } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain('timeline');
    const ok = await admin.request('POST', '/__sandbox/lag', { thread: { baseMs: 300 } });
    expect(ok.json).toMatchObject({ enabled: true, config: { byIdFirst: true, thread: { baseMs: 300, jitterMs: 0 } } });
    expect((await admin.request('DELETE', '/__sandbox/lag')).json.enabled).toBe(false);
  } finally {
    await sandbox.close();
  }
  await expect(startSandbox({ lag: { grid: { baseMs: -1 } } })).rejects.toThrow(/lag\.grid\.baseMs/);
});
