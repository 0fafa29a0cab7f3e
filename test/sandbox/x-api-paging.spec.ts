import { test, expect, call, X } from './fixtures.js';

const SEED_POST = '1860000000000000001';
const SEED_REPLY = '1860000000000000101';

/** Posts `n` distinct texts as northwind; returns their ids, oldest first. */
async function postMany(base: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: `Batch ${i}` } })).json.data.id);
  return ids;
}

test.describe('sandbox X API v2 timelines and paging', () => {
  test('should page a user timeline with next_token and previous_token', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const ids = await postMany(base, 12);
    const newestFirst = [...ids].reverse().concat(SEED_POST);
    const timeline = (query: string) => call(`${base}/2/users/${X.northwind.id}/tweets?${query}`, { token: X.northwind.token });

    const first = await timeline('max_results=5');
    expect(first.json.data.map((t: { id: string }) => t.id)).toEqual(newestFirst.slice(0, 5));
    expect(first.json.meta).toEqual({ result_count: 5, newest_id: newestFirst[0], oldest_id: newestFirst[4], next_token: expect.any(String) });
    const second = await timeline(`max_results=5&pagination_token=${first.json.meta.next_token}`);
    expect(second.json.data.map((t: { id: string }) => t.id)).toEqual(newestFirst.slice(5, 10));
    expect(second.json.meta).toMatchObject({ result_count: 5, next_token: expect.any(String), previous_token: expect.any(String) });
    const third = await timeline(`max_results=5&pagination_token=${second.json.meta.next_token}`);
    expect(third.json.data.map((t: { id: string }) => t.id)).toEqual(newestFirst.slice(10));
    expect(third.json.meta.next_token).toBeUndefined();
    const back = await timeline(`max_results=5&pagination_token=${second.json.meta.previous_token}`);
    expect(back.json.data.map((t: { id: string }) => t.id)).toEqual(newestFirst.slice(0, 5));
    expect(back.json.meta.previous_token).toBeUndefined();

    // A client that follows next_token until it stops sees every post once (twitter-api-v2's paginator does).
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await timeline(`max_results=5${token ? `&pagination_token=${token}` : ''}`);
      seen.push(...page.json.data.map((t: { id: string }) => t.id));
      token = page.json.meta.next_token;
    } while (token);
    expect(seen).toEqual(newestFirst);
  });

  test('should honour since_id, until_id, start_time and end_time', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const ids = await postMany(base, 4);
    const get = async (query: string) => ((await call(`${base}/2/users/${X.northwind.id}/tweets?${query}`, { token: X.northwind.token })).json.data ?? []).map((t: { id: string }) => t.id);
    // Both ids are exclusive.
    expect(await get(`since_id=${ids[1]}`)).toEqual([ids[3], ids[2]]);
    expect(await get(`until_id=${ids[1]}`)).toEqual([ids[0], SEED_POST]);
    expect(await get(`since_id=${ids[0]}&until_id=${ids[3]}`)).toEqual([ids[2], ids[1]]);
    // Both times are inclusive, to the second; the seeded post is from 2025-01-06T09:00:00Z.
    expect(await get('end_time=2025-01-06T09:00:00Z')).toEqual([SEED_POST]);
    expect(await get('start_time=2025-01-06T09:00:01Z')).toEqual([...ids].reverse());
    const none = await call(`${base}/2/users/${X.northwind.id}/tweets?end_time=2020-01-01T00:00:00Z`, { token: X.northwind.token });
    expect(none.json).toEqual({ meta: { result_count: 0 } });
  });

  test('should refuse max_results outside 5–100 and malformed ids and times with X’s error naming them', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const timeline = (query: string) => call(`${base}/2/users/${X.northwind.id}/tweets?${query}`, { token: X.northwind.token });
    for (const value of ['4', '101', 'ten']) {
      const res = await timeline(`max_results=${value}`);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        errors: [{ parameters: { max_results: [value] }, message: `The \`max_results\` query parameter value [${value}] is not between 5 and 100` }],
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
      });
    }
    expect((await timeline('max_results=5')).status).toBe(200);
    expect((await timeline('max_results=100')).status).toBe(200);
    const bad = await timeline('since_id=abc&start_time=yesterday&pagination_token=zz!');
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { parameters: Record<string, string[]> }) => Object.keys(e.parameters)[0]).sort()).toEqual(['pagination_token', 'since_id', 'start_time']);
    // DM events take 1–100.
    const dm = await call(`${base}/2/dm_conversations/with/${X.ana.id}/dm_events?max_results=0`, { token: X.northwind.token });
    expect(dm.json.errors[0].message).toBe('The `max_results` query parameter value [0] is not between 1 and 100');
  });

  test('should leave replies out with exclude=replies and list mentions', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const anaTimeline = await call(`${base}/2/users/${X.ana.id}/tweets`, { token: X.northwind.token });
    expect(anaTimeline.json.data.map((t: { id: string }) => t.id)).toEqual([SEED_REPLY]);
    const withoutReplies = await call(`${base}/2/users/${X.ana.id}/tweets?exclude=replies`, { token: X.northwind.token });
    expect(withoutReplies.json).toEqual({ meta: { result_count: 0 } });
    expect((await call(`${base}/2/users/${X.ana.id}/tweets?exclude=likes`, { token: X.northwind.token })).json.errors[0].parameters).toEqual({ exclude: ['likes'] });

    const shoutout = await call(`${base}/2/tweets`, { method: 'POST', token: X.lumen.token, body: { text: 'Best rye in town: @NorthwindBakery' } });
    await call(`${base}/2/tweets`, { method: 'POST', token: X.lumen.token, body: { text: 'Nothing about @northwindbakeryx here' } });
    const mentions = await call(`${base}/2/users/${X.northwind.id}/mentions?tweet.fields=author_id`, { token: X.northwind.token });
    expect(mentions.json.data.map((t: { id: string; author_id: string }) => [t.id, t.author_id])).toEqual([
      [shoutout.json.data.id, X.lumen.id],
      [SEED_REPLY, X.ana.id],
    ]);
    expect(mentions.json.meta).toMatchObject({ result_count: 2, newest_id: shoutout.json.data.id, oldest_id: SEED_REPLY });
  });

  test('should page DM events', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const sent = [];
    for (const text of ['one', 'two']) sent.push((await call(`${base}/2/dm_conversations/with/${X.ana.id}/messages`, { method: 'POST', token: X.northwind.token, body: { text } })).json.data.dm_event_id);
    const events = (query: string) => call(`${base}/2/dm_conversations/with/${X.ana.id}/dm_events?${query}`, { token: X.northwind.token });
    const first = await events('max_results=2');
    expect(first.json.data.map((e: { text: string }) => e.text)).toEqual(['two', 'one']);
    expect(first.json.meta).toMatchObject({ result_count: 2, newest_id: sent[1], oldest_id: sent[0], next_token: expect.any(String) });
    const rest = await events(`max_results=2&pagination_token=${first.json.meta.next_token}`);
    expect(rest.json.data.map((e: { text: string }) => e.text)).toEqual(['Do you take custom cake orders?']);
    expect(rest.json.meta.next_token).toBeUndefined();
  });
});
