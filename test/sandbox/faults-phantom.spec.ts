import { startSandbox } from '../../sandbox/index.js';
import { deriveSeed, mulberry32 } from '../../sandbox/rng.js';
import { ANNEX, login } from './annex.js';
import { test, expect, call, IG, X, sha256, samplePng, eventually, AdminClient, igThread } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const tweet = (base: string, text: string) => call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text } });
const fired = async (admin: AdminClient) => (await admin.request('GET', '/__sandbox/faults/fired')).json;

test.describe('phantom success and phantom failure', () => {
  test('should answer an X publish with 201 and an id while nothing is applied', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'phantom_success', platform: 'x', action: 'publish', count: 1 });
    const res = await tweet(sandbox.platforms.x, 'never happened');
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ text: 'never happened', edit_history_tweet_ids: [res.json.data.id] });
    expect(res.json.data.id).toMatch(/^\d+$/);
    expect(await admin.effects()).toHaveLength(0);
    expect((await call(`${sandbox.platforms.x}/2/tweets/${res.json.data.id}`, { token: X.northwind.token })).json.errors[0].title).toBe('Not Found Error');
    expect((await fired(admin)).counts.phantom_success).toBe(1);
    expect((await tweet(sandbox.platforms.x, 'real one')).status).toBe(201);
    expect(await admin.effects()).toEqual([expect.objectContaining({ payload_sha256: sha256('real one') })]);
  });

  test('should answer a Graph publish with an id and a PUBLISHED container while nothing is applied', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const token = IG.northwind.token;
    await admin.fault({ kind: 'phantom_success', platform: 'instagram', lane: 'api', action: 'publish' });
    const container = (await call(g(base, '/me/media'), { method: 'POST', token, body: { image_url: 'https://cdn.example.com/p.jpg', caption: 'ghost' } })).json.id;
    await eventually(() => call(g(base, `/${container}?fields=status_code`), { token }), (r) => r.json.status_code === 'FINISHED');
    const res = await call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id: container } });
    expect(res.status).toBe(200);
    expect(res.json.id).toMatch(/^\d+$/);
    expect((await call(g(base, `/${container}?fields=status_code`), { token })).json.status_code).toBe('PUBLISHED');
    expect((await call(g(base, `/${res.json.id}`), { token })).json.error.code).toBe(100);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should answer phantom_failure exactly like 5xx_before_commit, with the effect applied', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    await admin.fault({ kind: '5xx_before_commit', platform: 'x', action: 'like' });
    const before = await call(`${base}/2/users/${X.northwind.id}/likes`, { method: 'POST', token: X.northwind.token, body: { tweet_id: '1860000000000000002' } });
    expect(await admin.effects()).toHaveLength(0);
    await admin.fault({ kind: 'phantom_failure', platform: 'x', action: 'like' });
    const phantom = await call(`${base}/2/users/${X.northwind.id}/likes`, { method: 'POST', token: X.northwind.token, body: { tweet_id: '1860000000000000002' } });
    expect(phantom.status).toBe(before.status);
    expect(phantom.json).toEqual(before.json);
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'like', object_id: '1860000000000000002', via: 'api' })]);
    expect((await fired(admin)).counts).toMatchObject({ phantom_failure: 1, '5xx_before_commit': 1 });
  });

  test('should fire phantoms by seeded rate, the same way for the same seed', async () => {
    const run = async (seed: number) => {
      const sandbox = await startSandbox({ seed, faults: [{ kind: 'phantom_success', platform: 'x', action: 'publish', rate: 0.5 }] });
      try {
        const admin = new AdminClient(sandbox);
        for (let i = 0; i < 16; i++) expect((await tweet(sandbox.platforms.x, `t${i}`)).status).toBe(201);
        const [rule] = (await admin.request('GET', '/__sandbox/faults')).json.data;
        expect((await admin.effects()).length).toBe(16 - rule.fired);
        return rule.decisions as string;
      } finally {
        await sandbox.close();
      }
    };
    const a = await run(3);
    expect(a).toMatch(/1/);
    expect(a).toMatch(/0/);
    expect(await run(3)).toBe(a);
  });

  test('should show the browser a DM receipt for a phantom send, and an error page for a phantom failure', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const ig = ANNEX.instagram.v1;
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
    await admin.fault({ kind: 'phantom_success', platform: 'instagram', lane: 'ui', action: 'dm_send' });
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await page.fill(ig.sel.dmInput, 'ghost message');
    await page.click(ig.sel.dmSend);
    await expect(page.locator(ig.sel.dmReceipt)).toBeVisible();
    expect(await admin.effects()).toHaveLength(0);
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await expect(page.locator('[data-testid="message"]', { hasText: 'ghost message' })).toHaveCount(0);

    await admin.fault({ kind: 'phantom_failure', platform: 'instagram', lane: 'ui', action: 'publish' });
    await page.goto(`${base}/create/`);
    await page.setInputFiles(ig.sel.mediaInput!, { name: 'p.png', mimeType: 'image/png', buffer: await samplePng() });
    await page.fill(ig.sel.text, 'failed but live');
    await page.click(ig.sel.share);
    await expect(page.locator(ig.sel.toast)).toContainText('Something went wrong');
    await expect(page.locator(ig.sel.receiptLink)).toBeHidden();
    expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', via: 'ui', text: 'failed but live' })]);
  });
});

test.describe('revert', () => {
  test('should revert an applied tweet after its seeded delay: gone from every surface, marked reverted in the ground truth', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const rule = await admin.fault({ kind: 'revert', platform: 'x', action: 'publish', ms: 300, jitter_ms: 400 });
    const id = (await tweet(base, 'here for a moment')).json.data.id as string;
    expect((await call(`${base}/2/tweets/${id}`, { token: X.northwind.token })).json.data.id).toBe(id);
    const gone = await eventually(() => call(`${base}/2/tweets/${id}`, { token: X.northwind.token }), (r) => Boolean(r.json.errors), 5000);
    expect(gone.json.errors[0].title).toBe('Not Found Error');
    const timeline = (await call(`${base}/2/users/${X.northwind.id}/tweets`, { token: X.northwind.token })).json.data.map((t: { id: string }) => t.id);
    expect(timeline).not.toContain(id);
    const [effect] = await admin.effects();
    expect(effect).toMatchObject({ kind: 'publish', object_id: id, reverted: true });
    const expected = 300 + Math.floor(mulberry32(deriveSeed(rule.seed, 'revert', effect!.seq))() * 401);
    const took = Date.parse(effect!.reverted_at!) - Date.parse(effect!.at);
    expect(took).toBeGreaterThanOrEqual(expected - 5);
    expect(took).toBeLessThan(expected + 1000);
    expect(await admin.effects({ reverted: 'true' })).toHaveLength(1);
    expect(await admin.effects({ reverted: 'false' })).toHaveLength(0);
    expect((await fired(admin)).counts).toMatchObject({ revert: 1, revert_applied: 1 });
  });

  test('should revert a follow and a DM made in the browser', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const ig = ANNEX.instagram.v1;
    await admin.fault({ kind: 'revert', platform: 'instagram', lane: 'ui', ms: 200, count: 2 });
    await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
    await page.goto(`${base}/${IG.lumen.handle}/`);
    await page.click(ig.sel.follow);
    await expect(page.locator(ig.sel.follow)).toHaveText('Following');
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await page.fill(ig.sel.dmInput, 'soon unsent');
    await page.click(ig.sel.dmSend);
    await expect(page.locator(ig.sel.dmReceipt)).toBeVisible();
    const effects = await eventually(() => admin.effects(), (e) => e.length === 2 && e.every((x) => x.reverted), 5000);
    expect(effects.map((e) => [e.kind, e.reverted])).toEqual([['follow', true], ['dm_send', true]]);
    await page.goto(`${base}/${IG.lumen.handle}/`);
    await expect(page.locator(ig.sel.follow)).toHaveText('Follow');
    await page.goto(`${base}${igThread(IG.ana.id)}`);
    await expect(page.locator('[data-testid="message"]', { hasText: 'soon unsent' })).toHaveCount(0);
  });
});

test.describe('ground truth and fault counter', () => {
  test('should attribute every effect: platform, account, kind, action_type, object, hash and text, time, via, reverted', async ({ sandbox, admin }) => {
    await tweet(sandbox.platforms.x, 'attributed');
    await call(`${sandbox.platforms.x}/2/users/${X.northwind.id}/likes`, { method: 'POST', token: X.northwind.token, body: { tweet_id: '1860000000000000002' } });
    const [publish, like] = await admin.effects();
    expect(publish).toEqual({
      seq: 1, platform: 'x', account: { id: X.northwind.id, handle: X.northwind.handle }, kind: 'publish', action_type: 'publish',
      object_id: expect.stringMatching(/^\d+$/), payload_sha256: sha256('attributed'), text: 'attributed', at: expect.any(String), via: 'api', reverted: false,
    });
    expect(like).toMatchObject({ kind: 'like', action_type: 'like', object_id: '1860000000000000002', target_id: '1860000000000000002', reverted: false });
    expect(like!.text).toBeUndefined();
    expect(await admin.effects({ action_type: 'like' })).toHaveLength(1);
  });

  test('should count each fault kind that fired, zeros included, with the events', async ({ sandbox, admin }) => {
    const zero = await fired(admin);
    expect(zero.total).toBe(0);
    for (const kind of ['5xx_before_commit', 'phantom_success', 'phantom_failure', 'revert', 'account_switch', 'lag', 'webhook_delay', 'webhook_reorder', 'webhook_rebatch', 'revert_applied']) expect(zero.counts[kind]).toBe(0);
    await admin.fault({ kind: '5xx_before_commit', platform: 'x', count: 2 });
    await tweet(sandbox.platforms.x, 'a');
    await tweet(sandbox.platforms.x, 'b');
    const after = await fired(admin);
    expect(after.counts['5xx_before_commit']).toBe(2);
    expect(after.total).toBe(2);
    expect(after.events[0]).toMatchObject({ seq: 1, kind: '5xx_before_commit', rule_id: 'fault_1', platform: 'x', account: X.northwind.id, lane: 'api', action: 'publish', method: 'POST', path: '/2/tweets' });
    expect((await admin.request('GET', '/__sandbox/faults/fired?since_seq=1')).json.events).toHaveLength(1);
    await admin.request('POST', '/__sandbox/reset');
    expect((await fired(admin)).total).toBe(0);
  });

  test('should place a fault after K matching requests', async ({ sandbox, admin }) => {
    await admin.fault({ kind: '5xx_before_commit', platform: 'x', after: 2, match: { method: 'POST', path_prefix: '/2/tweets' } });
    await call(`${sandbox.platforms.x}/2/users/me`, { token: X.northwind.token });
    expect((await tweet(sandbox.platforms.x, '1')).status).toBe(201);
    expect((await tweet(sandbox.platforms.x, '2')).status).toBe(201);
    expect((await tweet(sandbox.platforms.x, '3')).status).toBe(503);
    expect((await tweet(sandbox.platforms.x, '4')).status).toBe(201);
    const [rule] = (await admin.request('GET', '/__sandbox/faults')).json.data;
    expect(rule).toMatchObject({ after: 2, matched: 4, fired: 1, remaining: 0, decisions: '001' });
  });

  test('should validate the new fault fields and name them', async ({ admin }) => {
    const to = await admin.request('POST', '/__sandbox/faults', { kind: 'revert', platform: 'x', to: 'lumenstudio' });
    expect(to.json.message).toContain('to');
    const match = await admin.request('POST', '/__sandbox/faults', { kind: 'account_switch', platform: 'x', match: { method: 'PATCH' } });
    expect(match.json.message).toContain('match.method');
    const who = await admin.request('POST', '/__sandbox/faults', { kind: 'account_switch', platform: 'x', to: 'nobody' });
    expect(who.json.message).toContain('to');
    const lane = await admin.request('POST', '/__sandbox/faults', { kind: 'account_switch', platform: 'x', lane: 'api' });
    expect(lane.json.message).toContain('lane');
  });
});
