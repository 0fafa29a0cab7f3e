import { test, expect, call, IG, eventually } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;

/** Publishes `n` posts through the API; with the seeded post the account then has n + 1, newest first. */
async function publishMany(base: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = (await call(g(base, '/me/media'), { method: 'POST', token, body: { image_url: `https://cdn.example.com/${i}.jpg`, caption: `post ${i}` } })).json.id;
    await eventually(() => call(g(base, `/${c}?fields=status_code`), { token }), (r) => r.json.status_code === 'FINISHED');
    const pub = await call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id: c } });
    expect(pub.status).toBe(200);
    ids.push(pub.json.id);
  }
  return ids;
}

test.describe('sandbox Graph media listing (cursor paging, fields)', () => {
  test.use({ sandboxOptions: { containerDelayMs: 0 } });

  test('should page with opaque cursors, absolute next/previous links, and honour limit, after and before', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    await publishMany(base, 4);
    const all = (await call(g(base, `/${IG.northwind.id}/media?limit=100`), { token })).json;
    expect(all.data).toHaveLength(5);
    expect(all.paging.next).toBeUndefined();
    expect(all.paging.previous).toBeUndefined();
    const order = all.data.map((m: { id: string }) => m.id);

    const first = (await call(g(base, `/${IG.northwind.id}/media?limit=2`), { token })).json;
    expect(first.data.map((m: { id: string }) => m.id)).toEqual(order.slice(0, 2));
    const { before, after } = first.paging.cursors;
    for (const cursor of [before, after]) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(order).not.toContain(cursor);
    }
    expect(first.paging.previous).toBeUndefined();
    const next = new URL(first.paging.next);
    expect(`${next.origin}${next.pathname}`).toBe(g(base, `/${IG.northwind.id}/media`));
    expect(next.searchParams.get('limit')).toBe('2');
    expect(next.searchParams.get('after')).toBe(after);

    const second = (await call(first.paging.next, { token })).json;
    expect(second.data.map((m: { id: string }) => m.id)).toEqual(order.slice(2, 4));
    expect(second.paging.previous).toBeDefined();
    const third = (await call(second.paging.next, { token })).json;
    expect(third.data.map((m: { id: string }) => m.id)).toEqual(order.slice(4));
    expect(third.paging.next).toBeUndefined();
    expect(third.paging.cursors).toBeDefined();

    const back = (await call(second.paging.previous, { token })).json;
    expect(back.data.map((m: { id: string }) => m.id)).toEqual(order.slice(0, 2));
    expect(back.paging.previous).toBeUndefined();

    const viaParam = (await call(g(base, `/me/media?limit=3&after=${encodeURIComponent(after)}`), { token })).json;
    expect(viaParam.data.map((m: { id: string }) => m.id)).toEqual(order.slice(2, 5));
    const beforeParam = (await call(g(base, `/me/media?limit=1&before=${encodeURIComponent(second.paging.cursors.before)}`), { token })).json;
    expect(beforeParam.data.map((m: { id: string }) => m.id)).toEqual(order.slice(1, 2));

    const past = (await call(g(base, `/me/media?after=${encodeURIComponent(third.paging.cursors.after)}`), { token })).json;
    expect(past).toEqual({ data: [] });
  });

  test('should keep paging across a deleted boundary item and carry access_token given in the query', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    await publishMany(base, 3);
    const order = (await call(g(base, '/me/media'), { token })).json.data.map((m: { id: string }) => m.id);
    const first = (await call(g(base, `/me/media?limit=2&access_token=${token}`))).json;
    expect(new URL(first.paging.next).searchParams.get('access_token')).toBe(token);
    expect((await call(g(base, `/${order[1]}`), { method: 'DELETE', token })).json).toEqual({ success: true });
    const rest = (await call(first.paging.next)).json;
    expect(rest.data.map((m: { id: string }) => m.id)).toEqual(order.slice(2));
  });

  test('should answer only id by default and the requested fields, refusing unknown ones', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const [id] = await publishMany(base, 1);
    const bare = (await call(g(base, '/me/media'), { token })).json;
    for (const m of bare.data) expect(Object.keys(m)).toEqual(['id']);
    const fields = 'id,caption,media_type,media_product_type,permalink,timestamp,shortcode,like_count,comments_count,username,media_url';
    const rich = (await call(g(base, `/me/media?fields=${fields}`), { token })).json.data[0];
    expect(rich).toMatchObject({ id, caption: 'post 0', media_type: 'IMAGE', media_product_type: 'FEED', like_count: 0, comments_count: 0, username: IG.northwind.handle });
    expect(rich.permalink).toBe(`${base}/p/${rich.shortcode}/`);
    expect(rich.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect(rich.children).toBeUndefined();
    const unknown = await call(g(base, '/me/media?fields=id,nope'), { token });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: 100 });
    expect(unknown.json.error.message).toContain('nonexisting field (nope)');
    const syntax = await call(g(base, '/me/media?fields=children{id'), { token });
    expect(syntax.json.error.message).toContain('fields');
  });

  test('should validate paging parameters and name the field', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const zero = await call(g(base, '/me/media?limit=0'), { token });
    expect(zero.json.error.code).toBe(100);
    expect(zero.json.error.message).toContain('limit');
    const word = await call(g(base, '/me/media?limit=many'), { token });
    expect(word.json.error.message).toContain('limit');
    const cursor = await call(g(base, '/me/media?after=not-a-cursor'), { token });
    expect(cursor.json.error.message).toContain('after');
    const both = await call(g(base, '/me/media?after=a&before=b'), { token });
    expect(both.json.error.message).toContain('before');
    const capped = await call(g(base, '/me/media?limit=5000'), { token });
    expect(capped.status).toBe(200);
  });
});
