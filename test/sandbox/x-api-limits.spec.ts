import { X_APP_BEARER_TOKEN } from '../../sandbox/x/api-limits.js';
import { test, expect, call, X, sha256 } from './fixtures.js';

const POST = '1860000000000000001';
const headers = (h: Headers, prefix: string) => [h.get(`${prefix}-limit`), h.get(`${prefix}-remaining`)];
const tweet = (base: string, text: string, token: string = X.northwind.token) => call(`${base}/2/tweets`, { method: 'POST', token, body: { text } });

test.describe('sandbox X API v2 rate limits', () => {
  test('should count each endpoint against its own documented limit, per user and per app', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const t = X.northwind.token;
    const limits: [string, { method?: string; token: string; body?: unknown }, string][] = [
      [`/2/users/me`, { token: t }, '75'],
      [`/2/users/${X.ana.id}`, { token: t }, '900'],
      [`/2/users/${X.northwind.id}/tweets`, { token: t }, '900'],
      [`/2/users/${X.northwind.id}/mentions`, { token: t }, '300'],
      [`/2/tweets/${POST}`, { token: t }, '900'],
      [`/2/users/${X.northwind.id}/likes`, { method: 'POST', token: t, body: { tweet_id: '1860000000000000002' } }, '50'],
      [`/2/users/${X.northwind.id}/following`, { method: 'POST', token: t, body: { target_user_id: X.lumen.id } }, '50'],
      [`/2/dm_conversations/with/${X.ana.id}/messages`, { method: 'POST', token: t, body: { text: 'hello' } }, '200'],
      [`/2/dm_conversations/with/${X.ana.id}/dm_events`, { token: t }, '300'],
      [`/2/tweets/${POST}`, { method: 'DELETE', token: t }, '50'],
      // App-only Bearer: the per-app column.
      [`/2/users/${X.ana.id}`, { token: X_APP_BEARER_TOKEN }, '300'],
      [`/2/tweets/1860000000000000002`, { token: X_APP_BEARER_TOKEN }, '450'],
      [`/2/users/${X.ana.id}/tweets`, { token: X_APP_BEARER_TOKEN }, '10000'],
    ];
    for (const [path, init, limit] of limits) {
      const res = await call(`${base}${path}`, init);
      expect(headers(res.headers, 'x-rate-limit'), path).toEqual([limit, String(Number(limit) - 1)]);
      expect(Number(res.headers.get('x-rate-limit-reset')) - Date.now() / 1000).toBeGreaterThan(890);
    }
    // Windows are per endpoint and per user: a second call counts only there.
    const again = await call(`${base}/2/users/me`, { token: t });
    expect(headers(again.headers, 'x-rate-limit')).toEqual(['75', '73']);
    const lumen = await call(`${base}/2/users/me`, { token: X.lumen.token });
    expect(headers(lumen.headers, 'x-rate-limit')).toEqual(['75', '74']);
    // Refusals count and carry the headers too.
    const bad = await call(`${base}/2/users/me?user.fields=nope`, { token: t });
    expect(bad.status).toBe(400);
    expect(headers(bad.headers, 'x-rate-limit')).toEqual(['75', '72']);
  });

  test('should send the 24-hour posting caps with POST /2/tweets only, the app cap shared by all users', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const first = await tweet(base, 'first of the day');
    expect(headers(first.headers, 'x-rate-limit')).toEqual(['100', '99']);
    expect(headers(first.headers, 'x-user-limit-24hour')).toEqual(['100', '99']);
    expect(headers(first.headers, 'x-app-limit-24hour')).toEqual(['10000', '9999']);
    const day = Number(first.headers.get('x-user-limit-24hour-reset')) - Date.now() / 1000;
    expect(day).toBeGreaterThan(86_390);
    expect(day).toBeLessThanOrEqual(86_401);
    const other = await tweet(base, 'from the studio', X.lumen.token);
    expect(headers(other.headers, 'x-user-limit-24hour')).toEqual(['100', '99']);
    expect(headers(other.headers, 'x-app-limit-24hour')).toEqual(['10000', '9998']);
    const read = await call(`${base}/2/users/me`, { token: X.northwind.token });
    expect(read.headers.get('x-user-limit-24hour-limit')).toBeNull();
    expect(read.headers.get('x-app-limit-24hour-limit')).toBeNull();
  });

  test.describe('with 24-hour caps of 2 per user and 3 per app', () => {
    test.use({ sandboxOptions: { xPostCaps24h: { user: 2, app: 3 } } });
    test('should answer 429 with the exhausted 24-hour cap at 0, and post nothing', async ({ sandbox, admin }) => {
      const base = sandbox.platforms.x;
      expect((await tweet(base, 'a')).status).toBe(201);
      expect((await tweet(base, 'b')).status).toBe(201);
      const userCapped = await tweet(base, 'c');
      expect(userCapped.status).toBe(429);
      expect(userCapped.json).toEqual({ title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 });
      expect(headers(userCapped.headers, 'x-user-limit-24hour')).toEqual(['2', '0']);
      expect(headers(userCapped.headers, 'x-app-limit-24hour')).toEqual(['3', '1']);
      // The 15-minute window is not what refused it.
      expect(headers(userCapped.headers, 'x-rate-limit')).toEqual(['100', '98']);
      expect(userCapped.headers.get('retry-after')).toBeNull();
      expect((await tweet(base, 'd', X.lumen.token)).status).toBe(201);
      const appCapped = await tweet(base, 'e', X.lumen.token);
      expect(appCapped.status).toBe(429);
      expect(headers(appCapped.headers, 'x-app-limit-24hour')).toEqual(['3', '0']);
      expect(headers(appCapped.headers, 'x-user-limit-24hour')).toEqual(['2', '1']);
      expect((await admin.effects({ platform: 'x' })).map((e) => e.payload_sha256)).toEqual([sha256('a'), sha256('b'), sha256('d')]);
    });
  });

  test('should render the rate_limit fault as X does: 429, x-rate-limit-remaining 0, reset in x-rate-limit-reset, no Retry-After', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    await admin.fault({ kind: 'rate_limit', platform: 'x', retry_after_s: 7, count: 2 });
    const post = await tweet(base, 'too fast');
    expect(post.status).toBe(429);
    expect(post.json).toEqual({ title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 });
    expect(headers(post.headers, 'x-rate-limit')).toEqual(['100', '0']);
    const wait = Number(post.headers.get('x-rate-limit-reset')) - Math.ceil(Date.now() / 1000);
    expect(wait).toBeGreaterThanOrEqual(6);
    expect(wait).toBeLessThanOrEqual(7);
    expect(post.headers.get('retry-after')).toBeNull();
    expect(post.headers.get('x-user-limit-24hour-limit')).toBe('100');
    const me = await call(`${base}/2/users/me`, { token: X.northwind.token });
    expect(headers(me.headers, 'x-rate-limit')).toEqual(['75', '0']);
    expect(await admin.effects()).toHaveLength(0);
  });
});

test.describe('sandbox X API v2 duplicate posts', () => {
  const DUPLICATE = { detail: 'You are not allowed to create a Tweet with duplicate content.', type: 'about:blank', title: 'Forbidden', status: 403 };

  test('should refuse the same author posting the same text again, and nobody else', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const first = await tweet(base, 'Fresh rye at 7');
    expect(first.status).toBe(201);
    const again = await tweet(base, 'Fresh rye at 7');
    expect(again.status).toBe(403);
    expect(again.json).toEqual(DUPLICATE);
    // A reply with a text the author already posted is a duplicate too.
    const reply = await call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'Fresh rye at 7', reply: { in_reply_to_tweet_id: '1860000000000000101' } } });
    expect(reply.json).toEqual(DUPLICATE);
    expect((await tweet(base, 'Fresh rye at 7', X.lumen.token)).status).toBe(201);
    expect((await tweet(base, 'Fresh rye at 8')).status).toBe(201);
    // Once deleted, the text may be posted again.
    await call(`${base}/2/tweets/${first.json.data.id}`, { method: 'DELETE', token: X.northwind.token });
    expect((await tweet(base, 'Fresh rye at 7')).status).toBe(201);
    expect((await admin.effects({ kind: 'publish' })).map((e) => [e.account.handle, e.text])).toEqual([
      [X.northwind.handle, 'Fresh rye at 7'],
      [X.lumen.handle, 'Fresh rye at 7'],
      [X.northwind.handle, 'Fresh rye at 8'],
      [X.northwind.handle, 'Fresh rye at 7'],
    ]);
  });

  test('should answer a blind retry after a lost acknowledgement with 403 duplicate, leaving one post', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    await admin.fault({ kind: 'ack_lost', platform: 'x', action: 'publish' });
    await expect(tweet(base, 'did it post?')).rejects.toThrow();
    const retry = await tweet(base, 'did it post?');
    expect(retry.status).toBe(403);
    expect(retry.json).toEqual(DUPLICATE);
    expect(await admin.effects({ platform: 'x' })).toHaveLength(1);
  });

  test('should accept the text again after a phantom success, which applied nothing', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    await admin.fault({ kind: 'phantom_success', platform: 'x', action: 'publish' });
    expect((await tweet(base, 'really posted?')).status).toBe(201);
    expect((await tweet(base, 'really posted?')).status).toBe(201);
    expect(await admin.effects({ platform: 'x' })).toHaveLength(1);
  });
});
