import { randomBytes } from 'node:crypto';
import { tokenHash } from '../../api/index.js';
import { test, expect, login, postForm, sessionCookie } from './fixtures.js';

test.describe('console sessions', () => {
  test('should send a visitor without a session to the login form, log in with a token and log out ending the session in the store', async ({ page, h, cspViolations }) => {
    await page.goto(`${h.url}/`);
    await expect(page).toHaveURL(`${h.url}/console/login`);
    await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();

    await login(page, h, h.admin);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'raize_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const id = cookie.value;
    expect(await h.services.store.consoleSessions.get(tokenHash(id), new Date())).not.toBeNull();
    // The token itself is never in the page, a cookie or the log.
    expect(await page.content()).not.toContain(h.admin);
    expect((await page.context().cookies()).map((c) => c.value)).not.toContain(h.admin);
    expect(h.logLines.join('\n')).not.toContain(h.admin);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(`${h.url}/console/login`);
    expect(await sessionCookie(page)).toBeUndefined();
    // Ended on the server, not only forgotten by this browser: the old id opens nothing.
    expect(await h.services.store.consoleSessions.get(tokenHash(id), new Date())).toBeNull();
    const replay = await fetch(`${h.url}/console/`, { headers: { cookie: `raize_session=${id}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/console/login');
    expect(cspViolations).toEqual([]);
  });

  test('should bring a deep link back after login, never to another site, and refuse a form without a session', async ({ page, h }) => {
    await page.goto(`${h.url}/console/schedule?client_id=${h.a.client_id}`);
    await expect(page).toHaveURL(`${h.url}/console/login?next=${encodeURIComponent(`/console/schedule?client_id=${h.a.client_id}`)}`);
    await page.getByLabel('API token').fill(h.admin);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(`${h.url}/console/schedule?client_id=${h.a.client_id}`);
    await page.getByRole('button', { name: 'Log out' }).click();

    await page.goto(`${h.url}/console/login?next=${encodeURIComponent('//evil.example/console/')}`);
    await page.getByLabel('API token').fill(h.admin);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(`${h.url}/console/`);

    const anonymous = await fetch(`${h.url}/console/kill`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'scope=global&engaged=on', redirect: 'manual' });
    expect(anonymous.status).toBe(401);
    expect((await h.services.store.killSwitches.list()).filter((s) => s.engaged)).toEqual([]);
  });

  test('should refuse a token that is not valid, with nothing logged in', async ({ page, h }) => {
    await page.goto(`${h.url}/console/login`);
    await page.getByLabel('API token').fill(`rzt_${randomBytes(32).toString('base64url')}`);
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect((await answer).status()).toBe(401);
    await expect(page.getByRole('alert')).toContainText('That token is not valid');
    expect(await sessionCookie(page)).toBeUndefined();
  });

  test('should never accept a session id planted before login (session fixation), and give a new id at every login', async ({ page, h }) => {
    const planted = randomBytes(32).toString('base64url');
    await page.context().addCookies([{ name: 'raize_session', value: planted, url: h.url, httpOnly: true, sameSite: 'Lax' }]);
    await login(page, h, h.admin);
    const first = await sessionCookie(page);
    expect(first).toBeDefined();
    expect(first).not.toBe(planted);
    const withPlanted = await fetch(`${h.url}/console/`, { headers: { cookie: `raize_session=${planted}` }, redirect: 'manual' });
    expect(withPlanted.status).toBe(303);
    expect(withPlanted.headers.get('location')).toBe('/console/login');
    expect(await h.services.store.consoleSessions.get(tokenHash(planted), new Date())).toBeNull();

    // Logged in, the form is not offered again; after logging out, the next login gets a new id.
    await page.goto(`${h.url}/console/login`);
    await expect(page).toHaveURL(`${h.url}/console/`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await login(page, h, h.admin);
    const second = await sessionCookie(page);
    expect(second).not.toBe(first);
    expect(second).not.toBe(planted);
  });

  test('should refuse a form without its CSRF token, with a wrong one or with another session\'s, and change nothing', async ({ page, browser, h }) => {
    const operator = await h.token('operator', null, 'ops-ana');
    await login(page, h, operator);
    const killClient = { scope: 'client', id: h.a.client_id, engaged: 'on', confirmed: 'yes', reason: 'forged' };
    const engaged = async () => (await h.services.store.killSwitches.list()).filter((s) => s.engaged);

    const missing = await postForm(page, `${h.url}/console/kill`, killClient);
    expect(missing.status()).toBe(403);
    expect(await missing.text()).toContain('security token is missing or out of date');
    const wrong = await postForm(page, `${h.url}/console/kill`, { ...killClient, _csrf: `${'0'.repeat(64)}.${'1'.repeat(64)}` });
    expect(wrong.status()).toBe(403);

    // A valid token of another person's session is not this session's.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await login(otherPage, h, await h.token('operator'));
    const foreign = await otherPage.locator('input[name="_csrf"]').first().inputValue();
    await other.close();
    expect((await postForm(page, `${h.url}/console/kill`, { ...killClient, _csrf: foreign })).status()).toBe(403);
    expect(await engaged()).toEqual([]);

    // A JSON body is no form: refused the same way.
    const json = await page.request.post(`${h.url}/console/kill`, { data: killClient, maxRedirects: 0, failOnStatusCode: false });
    expect(json.status()).toBe(403);
    expect(await engaged()).toEqual([]);

    // The login form checks its token too: no session appears without it.
    const anonymous = await browser.newContext();
    const bare = await anonymous.request.post(`${h.url}/console/login`, { form: { token: operator }, maxRedirects: 0, failOnStatusCode: false });
    expect(bare.status()).toBe(403);
    expect((await anonymous.cookies()).find((c) => c.name === 'raize_session')).toBeUndefined();
    await anonymous.close();

    // The same form with the page's own token goes through: the refusals above were the token's.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const genuine = await postForm(page, `${h.url}/console/kill`, { ...killClient, reason: 'runaway loop', _csrf: csrf });
    expect(genuine.status()).toBe(303);
    expect((await engaged()).map((s) => [s.scope, s.scope_id, s.set_by])).toEqual([['client', h.a.client_id, 'ops-ana']]);
  });
});
