import { X_APP_BEARER_TOKEN } from '../../sandbox/x/api-limits.js';
import { test, expect, call, X } from './fixtures.js';

const TWEETS = ['1860000000000000001', '1860000000000000002', '1860000000000000003', '1860000000000000101', '1860000000000000102', '1860000000000000103'];

test.describe('sandbox X API v2 likes lookup and request ids', () => {
  test('should list a user\'s liked posts most recently liked first, paged with next_token', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const t = X.northwind.token;
    // Liked in an order that is not the ids' order: the list follows the likes.
    const order = [TWEETS[3]!, TWEETS[0]!, TWEETS[5]!, TWEETS[1]!, TWEETS[4]!, TWEETS[2]!];
    for (const id of order) expect((await call(`${base}/2/users/${X.northwind.id}/likes`, { method: 'POST', token: t, body: { tweet_id: id } })).status).toBe(200);
    const liked = (query: string, token: string = t) => call(`${base}/2/users/${X.northwind.id}/liked_tweets?${query}`, { token });

    const first = await liked('max_results=5&tweet.fields=public_metrics');
    expect(first.status).toBe(200);
    expect(first.json.data.map((p: { id: string }) => p.id)).toEqual([...order].reverse().slice(0, 5));
    expect(first.json.data[0].public_metrics.like_count).toBeGreaterThan(0);
    expect(first.json.meta).toEqual({ result_count: 5, next_token: expect.any(String) });
    const second = await liked(`max_results=5&pagination_token=${first.json.meta.next_token}`);
    expect(second.json.data.map((p: { id: string }) => p.id)).toEqual([order[0]]);
    expect(second.json.meta).toEqual({ result_count: 1, previous_token: expect.any(String) });
    // Default 100; the app-only Bearer reads it too (per-app limit), with its own window of 75.
    const all = await liked('', X_APP_BEARER_TOKEN);
    expect(all.json.data).toHaveLength(6);
    expect(all.headers.get('x-rate-limit-limit')).toBe('75');
    // max_results outside 5–100 is refused as X refuses it.
    const bad = await liked('max_results=4');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].message).toBe('The `max_results` query parameter value [4] is not between 5 and 100');
    // An account that liked nothing: only meta.
    const none = await call(`${base}/2/users/${X.lumen.id}/liked_tweets`, { token: t });
    expect(none.json).toEqual({ meta: { result_count: 0 } });
  });

  test('should send an x-transaction-id with every answer, refusals included', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const ok = await call(`${base}/2/users/me`, { token: X.northwind.token });
    const refused = await call(`${base}/2/users/me`, { token: 'not-a-token' });
    expect(refused.status).toBe(401);
    const ids = [ok.headers.get('x-transaction-id'), refused.headers.get('x-transaction-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });
});
