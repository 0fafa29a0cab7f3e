import { ANNEX, login } from './annex.js';
import { test, expect, IG, X, samplePng, igThread } from './fixtures.js';

const CASES = [
  { platform: 'instagram', version: 'v1', acct: IG, profile: (h: string) => `/${h}/`, compose: '/create/', post: '/p/SEED1aBc/', thread: (me: string, peer: string) => igThread(peer, me), peer: IG.ana.id },
  { platform: 'instagram', version: 'v2', acct: IG, profile: (h: string) => `/${h}/`, compose: '/create/', post: '/p/SEED1aBc/', thread: (me: string, peer: string) => igThread(peer, me), peer: IG.ana.id },
  { platform: 'x', version: 'v1', acct: X, profile: (h: string) => `/${h}`, compose: '/compose/post', post: `/${X.northwind.handle}/status/1860000000000000001`, thread: (_me: string, peer: string) => `/messages/${peer}`, peer: X.ana.id },
  { platform: 'x', version: 'v2', acct: X, profile: (h: string) => `/${h}`, compose: '/compose/post', post: `/${X.northwind.handle}/status/1860000000000000001`, thread: (_me: string, peer: string) => `/messages/${peer}`, peer: X.ana.id },
] as const;

const shown = (platform: string, handle: string) => (platform === 'x' ? [handle, `@${handle}`] : [handle]);

for (const c of CASES) {
  test(`should switch the ${c.platform} ${c.version} session to the login's other account after K matching requests, shown in the chrome of every page`, async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms[c.platform];
    const annex = ANNEX[c.platform][c.version];
    const { northwind, lumen } = c.acct;
    if (c.version === 'v2') await admin.layout(c.platform, 'v2');
    await login(page, base, annex, lumen.handle, lumen.password);
    await login(page, base, annex, northwind.handle, northwind.password);
    await admin.fault({ kind: 'account_switch', platform: c.platform, after: 2, match: { method: 'GET' } });
    const handle = async () => (await page.locator(annex.sel.currentHandle).textContent())?.trim();

    await page.goto(`${base}${c.profile(northwind.handle)}`); // GET 1
    expect(shown(c.platform, northwind.handle)).toContain(await handle());
    await page.goto(`${base}${c.compose}`); // GET 2: the identity check passes here
    expect(shown(c.platform, northwind.handle)).toContain(await handle());
    await page.goto(`${base}${c.compose}`); // GET 3: the switch
    expect(shown(c.platform, lumen.handle)).toContain(await handle());
    await expect(page.locator(annex.sel.switcherSelected)).toContainText(lumen.handle);
    for (const path of [c.post, c.thread(lumen.id, c.peer), c.profile(northwind.handle)]) {
      await page.goto(`${base}${path}`);
      expect(shown(c.platform, lumen.handle), path).toContain(await handle());
    }
    const [rule] = (await admin.request('GET', '/__sandbox/faults')).json.data;
    expect(rule).toMatchObject({ kind: 'account_switch', fired: 1, decisions: '001' });
    expect((await admin.request('GET', '/__sandbox/faults/fired')).json.counts.account_switch).toBe(1);
  });
}

/** Fills the Instagram v1 composer as northwind.bakery, with lumen.studio logged in on the same browser. */
async function composeAsNorthwind(page: import('@playwright/test').Page, base: string, caption: string) {
  const ig = ANNEX.instagram.v1;
  await login(page, base, ig, IG.lumen.handle, IG.lumen.password);
  await login(page, base, ig, IG.northwind.handle, IG.northwind.password);
  await page.goto(`${base}/create/`);
  await expect(page.locator(ig.sel.currentHandle)).toHaveText(IG.northwind.handle);
  return async () => {
    await page.setInputFiles(ig.sel.mediaInput!, { name: 'p.png', mimeType: 'image/png', buffer: await samplePng() });
    await page.fill(ig.sel.text, caption);
    await page.click(ig.sel.share);
    await expect(page.locator(ig.sel.receiptLink)).toBeVisible();
  };
}

test('should name the acting account in a cookie, as the real platforms do (ds_user_id, twid), and follow a switch in it', async ({ page, sandbox, admin }) => {
  const share = await composeAsNorthwind(page, sandbox.platforms.instagram, 'cookie');
  const named = async () => (await page.context().cookies(sandbox.platforms.instagram)).find((c) => c.name === 'ds_user_id')?.value;
  expect(await named()).toBe(IG.northwind.id);
  await admin.fault({ kind: 'account_switch', platform: 'instagram', to: IG.lumen.handle, match: { method: 'GET', surface: 'compose' } });
  await page.goto(`${sandbox.platforms.instagram}/create/`);
  expect(await named()).toBe(IG.lumen.id);
  await share();
  expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', account: { id: IG.lumen.id, handle: IG.lumen.handle } })]);
  // X: twid=u=<id>, URL-encoded.
  const x = sandbox.platforms.x;
  await login(page, x, ANNEX.x.v1, X.northwind.handle, X.northwind.password);
  expect((await page.context().cookies(x)).find((c) => c.name === 'twid')?.value).toBe(encodeURIComponent(`u=${X.northwind.id}`));
});

test('should commit as the account the request\'s cookie names when the switch lands on the commit request, and act as the other account from then on', async ({ page, sandbox, admin }) => {
  const share = await composeAsNorthwind(page, sandbox.platforms.instagram, 'whose post?');
  await admin.fault({ kind: 'account_switch', platform: 'instagram', to: IG.lumen.handle, match: { method: 'POST', surface: 'compose' } });
  await share();
  expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', account: { id: IG.northwind.id, handle: IG.northwind.handle } })]);
  await page.goto(`${sandbox.platforms.instagram}/create/`);
  await expect(page.locator(ANNEX.instagram.v1.sel.currentHandle)).toHaveText(IG.lumen.handle);
});

test('should commit as the switched account when the switch is in flight on the commit request (in_flight: harder than the real platforms)', async ({ page, sandbox, admin }) => {
  const share = await composeAsNorthwind(page, sandbox.platforms.instagram, 'whose post?');
  await admin.fault({ kind: 'account_switch', platform: 'instagram', to: IG.lumen.handle, in_flight: true, match: { method: 'POST', surface: 'compose' } });
  await share();
  expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'publish', account: { id: IG.lumen.id, handle: IG.lumen.handle } })]);
  await page.goto(`${sandbox.platforms.instagram}/create/`);
  await expect(page.locator(ANNEX.instagram.v1.sel.currentHandle)).toHaveText(IG.lumen.handle);
});
