import { test, expect, call, X, sha256 } from './fixtures.js';

test.describe('sandbox X API v2', () => {
  test('should answer /2/users/me and user lookups with rate-limit headers', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const me = await call(`${base}/2/users/me?user.fields=profile_image_url,public_metrics`, { token: X.northwind.token });
    expect(me.json.data).toMatchObject({ id: X.northwind.id, username: X.northwind.handle, name: 'Northwind Bakery' });
    expect(me.json.data.public_metrics.followers_count).toBe(1);
    // GET /2/users/me: 75 requests per 15 minutes per user.
    expect(me.headers.get('x-rate-limit-limit')).toBe('75');
    expect(me.headers.get('x-rate-limit-remaining')).toBe('74');
    expect(Number(me.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const byName = await call(`${base}/2/users/by/username/${X.ana.handle}`, { token: X.northwind.token });
    expect(byName.json.data.id).toBe(X.ana.id);
    const byId = await call(`${base}/2/users/${X.ana.id}`, { token: X.northwind.token });
    expect(byId.json.data.username).toBe(X.ana.handle);
  });

  test('should answer 401 without a valid bearer token', async ({ sandbox }) => {
    const res = await call(`${sandbox.platforms.x}/2/users/me`, { token: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ title: 'Unauthorized', status: 401 });
  });

  test('should create, read, list and delete tweets and log the effects', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const created = await call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'Fresh rye today' } });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ text: 'Fresh rye today', edit_history_tweet_ids: [created.json.data.id] });
    const id = created.json.data.id;
    expect((await call(`${base}/2/tweets/${id}?tweet.fields=author_id`, { token: X.northwind.token })).json.data).toMatchObject({ id, author_id: X.northwind.id });
    const list = await call(`${base}/2/users/${X.northwind.id}/tweets?max_results=5`, { token: X.northwind.token });
    expect(list.json.data[0].id).toBe(id);
    expect(list.json.meta).toMatchObject({ newest_id: id });
    const reply = await call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'And rolls', reply: { in_reply_to_tweet_id: id } } });
    expect(reply.status).toBe(201);
    const del = await call(`${base}/2/tweets/${id}`, { method: 'DELETE', token: X.northwind.token });
    expect(del.json).toEqual({ data: { deleted: true } });
    const gone = await call(`${base}/2/tweets/${id}`, { token: X.northwind.token });
    expect(gone.json.errors[0]).toMatchObject({ title: 'Not Found Error', resource_id: id });
    const effects = await admin.effects({ platform: 'x' });
    expect(effects.map((e) => [e.kind, e.object_id, e.payload_sha256, e.via])).toEqual([
      ['publish', id, sha256('Fresh rye today'), 'api'],
      ['reply', reply.json.data.id, sha256('And rolls'), 'api'],
      ['delete', id, sha256(id), 'api'],
    ]);
  });

  test('should refuse deleting another account’s tweet', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const res = await call(`${base}/2/tweets/1860000000000000002`, { method: 'DELETE', token: X.northwind.token });
    expect(res.status).toBe(403);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should like, follow and send DMs', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const like = await call(`${base}/2/users/${X.northwind.id}/likes`, { method: 'POST', token: X.northwind.token, body: { tweet_id: '1860000000000000002' } });
    expect(like.json).toEqual({ data: { liked: true } });
    const follow = await call(`${base}/2/users/${X.northwind.id}/following`, { method: 'POST', token: X.northwind.token, body: { target_user_id: X.lumen.id } });
    expect(follow.json).toEqual({ data: { following: true, pending_follow: false } });
    const dm = await call(`${base}/2/dm_conversations/with/${X.ana.id}/messages`, { method: 'POST', token: X.northwind.token, body: { text: 'Yes, we do cakes!' } });
    expect(dm.status).toBe(201);
    expect(dm.json.data.dm_conversation_id).toBe(`${X.northwind.id}-${X.ana.id}`);
    const events = await call(`${base}/2/dm_conversations/with/${X.ana.id}/dm_events?dm_event.fields=sender_id`, { token: X.northwind.token });
    expect(events.json.data[0]).toEqual({ id: dm.json.data.dm_event_id, event_type: 'MessageCreate', text: 'Yes, we do cakes!', sender_id: X.northwind.id });
    expect((await admin.effects({ platform: 'x' })).map((e) => [e.kind, e.object_id, e.target_id])).toEqual([
      ['like', '1860000000000000002', '1860000000000000002'],
      ['follow', X.lumen.id, X.lumen.id],
      ['dm_send', dm.json.data.dm_event_id, X.ana.id],
    ]);
    // Liking twice is a no-op, as on the real platform.
    await call(`${base}/2/users/${X.northwind.id}/likes`, { method: 'POST', token: X.northwind.token, body: { tweet_id: '1860000000000000002' } });
    expect(await admin.effects({ kind: 'like' })).toHaveLength(1);
  });

  test('should validate bodies and name the field', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const res = await call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'x'.repeat(281) } });
    expect(res.status).toBe(400);
    expect(res.json.title).toBe('Invalid Request');
    expect(Object.keys(res.json.errors[0].parameters)).toEqual(['text']);
    expect(res.json.errors[0].message).toContain('Your Tweet text is too long');
    const missing = await call(`${base}/2/dm_conversations/with/${X.ana.id}/messages`, { method: 'POST', token: X.northwind.token, body: {} });
    expect(missing.json.errors[0].message).toContain('`text` field is required');
  });

  test.describe('with a rate limit of two', () => {
    test.use({ sandboxOptions: { xRateLimit: 2 } });
    test('should answer 429 with x-rate-limit-reset once the window is used up', async ({ sandbox }) => {
      const base = sandbox.platforms.x;
      await call(`${base}/2/users/me`, { token: X.northwind.token });
      const second = await call(`${base}/2/users/me`, { token: X.northwind.token });
      expect(second.headers.get('x-rate-limit-remaining')).toBe('0');
      const third = await call(`${base}/2/users/me`, { token: X.northwind.token });
      expect(third.status).toBe(429);
      expect(third.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(Number(third.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
    });
  });
});
