import { test, expect, call, eventually, IG, type AdminClient } from './fixtures.js';

// The Graph reads that verify a DM and a comment reply: Conversations API (messages by id, the
// conversation with one user, its 20 most recent messages) and IG Comment Replies with paging.

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;
const SEEDED_COMMENT = '18000000000000001';

/** Marco writes to Northwind (opening the 24 h window), Northwind answers through the Send API. */
async function exchange(base: string, admin: AdminClient, text: string): Promise<{ inbound: string; sent: string }> {
  const inbound = (await admin.dm(IG.marco.handle, IG.northwind.handle, 'Open on Sunday?')).message.id as string;
  const res = await call(g(base, '/me/messages'), { method: 'POST', token, body: { recipient: { id: IG.marco.id }, message: { text } } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return { inbound, sent: res.json.message_id };
}

const conversationWith = async (base: string, user: string, t: string = token) => call(g(base, `/me/conversations?platform=instagram&user_id=${user}`), { token: t });

const expectRefused = (res: { status: number; json: any }) => {
  expect(res.status).toBe(400);
  expect(res.json.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
};

test.describe('sandbox Graph messaging reads', () => {
  test('should answer a message by id, the conversation with a user and its messages in Meta\'s shapes', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const { inbound, sent } = await exchange(base, admin, 'Yes, 8 to 12!');

    const full = await call(g(base, `/${sent}?fields=id,created_time,from,to,message`), { token });
    expect(full.status).toBe(200);
    expect(full.json).toEqual({
      id: sent,
      created_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/),
      from: { username: IG.northwind.handle, id: IG.northwind.id },
      to: { data: [{ username: IG.marco.handle, id: IG.marco.id }] },
      message: 'Yes, 8 to 12!',
    });
    expect(Object.keys((await call(g(base, `/${inbound}`), { token })).json).sort()).toEqual(['created_time', 'id']);
    const badField = await call(g(base, `/${sent}?fields=caption`), { token });
    expect(badField.json.error.message).toContain('nonexisting field (caption) on node type (IGMessage)');

    const list = await conversationWith(base, IG.marco.id);
    expect(list.json.data).toHaveLength(1);
    expect(list.json.data[0]).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]+$/), updated_time: full.json.created_time });
    const conversation = list.json.data[0].id as string;
    expect((await call(g(base, `/me/conversations?user_id=6100000000000003`), { token })).json).toEqual({ data: [] });
    const messenger = await call(g(base, `/me/conversations?platform=messenger`), { token });
    expect(messenger.json.error).toMatchObject({ code: 100 });
    expect(messenger.json.error.message).toContain('platform');

    const withMessages = await call(g(base, `/${conversation}?fields=messages`), { token });
    expect(withMessages.json.id).toBe(conversation);
    const ids = withMessages.json.messages.data.map((m: { id: string }) => m.id);
    expect(ids.slice(0, 2)).toEqual([sent, inbound]);
    expect(Object.keys(withMessages.json.messages.data[0]).sort()).toEqual(['created_time', 'id']);

    const edge = await call(g(base, `/${conversation}/messages?fields=id,from,message`), { token });
    expect(edge.json.data[0]).toEqual({ id: sent, from: { username: IG.northwind.handle, id: IG.northwind.id }, message: 'Yes, 8 to 12!' });
    expect(edge.json.data[1]).toMatchObject({ id: inbound, from: { id: IG.marco.id } });

    // One call, with Graph's field expansion on the listing.
    const expanded = await call(g(base, `/me/conversations?platform=instagram&user_id=${IG.marco.id}&fields=messages{id,from,message}`), { token });
    expect(expanded.json.data[0].messages.data[0]).toEqual(edge.json.data[0]);
    expect(await admin.effects({ kind: 'dm_send' })).toHaveLength(1);
  });

  test('should refuse another account\'s message and conversation with 100/33', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const { sent } = await exchange(base, admin, 'Only for Marco');
    const conversation = (await conversationWith(base, IG.marco.id)).json.data[0].id as string;
    const other = IG.lumen.token;
    expectRefused(await call(g(base, `/${sent}?fields=id,message`), { token: other }));
    expectRefused(await call(g(base, `/${conversation}?fields=messages`), { token: other }));
    expectRefused(await call(g(base, `/${conversation}/messages`), { token: other }));
    expectRefused(await call(g(base, `/${IG.northwind.id}/conversations?user_id=${IG.marco.id}`), { token: other }));
    expect((await conversationWith(base, IG.marco.id, other)).json).toEqual({ data: [] });
    expectRefused(await call(g(base, '/aWdfZAG1faXRlbTpzYng6OTk5OTk'), { token }));
  });

  test('should serve only the 20 most recent messages of a conversation, by listing and by id', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const inbound: string[] = [];
    for (let i = 0; i < 23; i++) inbound.push((await admin.dm(IG.marco.handle, IG.northwind.handle, `message ${i}`)).message.id);
    const conversation = (await conversationWith(base, IG.marco.id)).json.data[0].id as string;
    const listed = (await call(g(base, `/${conversation}?fields=messages{id,message}`), { token })).json.messages.data;
    expect(listed).toHaveLength(20);
    expect(listed[0]).toEqual({ id: inbound[22], message: 'message 22' });
    expect(listed.map((m: { id: string }) => m.id)).toEqual(inbound.slice(3).reverse());
    expect((await call(g(base, `/${conversation}/messages?limit=100`), { token })).json.data).toHaveLength(20);
    expect((await call(g(base, `/${inbound[3]}`), { token })).status).toBe(200);
    expectRefused(await call(g(base, `/${inbound[2]}`), { token }));
    expectRefused(await call(g(base, `/${inbound[0]}?fields=id,message`), { token }));
  });

  test('should page the replies to a comment with cursors and absolute links, newest first', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(g(base, `/${SEEDED_COMMENT}/replies`), { method: 'POST', token, form: { message: `reply ${i}` } });
      expect(r.status).toBe(200);
      ids.push(r.json.id);
    }
    const order = [...ids].reverse();
    const all = (await call(g(base, `/${SEEDED_COMMENT}/replies?fields=id,text,timestamp,username`), { token })).json;
    expect(all.data).toHaveLength(5);
    expect(all.data[0]).toEqual({ id: order[0], text: 'reply 4', timestamp: expect.stringMatching(/\+0000$/), username: IG.northwind.handle });
    expect(all.paging.next).toBeUndefined();
    expect(Object.keys((await call(g(base, `/${SEEDED_COMMENT}/replies`), { token })).json.data[0]).sort()).toEqual(['id', 'text', 'timestamp']);

    const first = (await call(g(base, `/${SEEDED_COMMENT}/replies?fields=id&limit=2`), { token })).json;
    expect(first.data.map((r: { id: string }) => r.id)).toEqual(order.slice(0, 2));
    expect(first.paging.previous).toBeUndefined();
    const next = new URL(first.paging.next);
    expect(`${next.origin}${next.pathname}`).toBe(g(base, `/${SEEDED_COMMENT}/replies`));
    expect(next.searchParams.get('fields')).toBe('id');
    const second = (await call(first.paging.next, { token })).json;
    expect(second.data.map((r: { id: string }) => r.id)).toEqual(order.slice(2, 4));
    const third = (await call(second.paging.next, { token })).json;
    expect(third.data.map((r: { id: string }) => r.id)).toEqual(order.slice(4));
    expect(third.paging.next).toBeUndefined();
    const back = (await call(second.paging.previous, { token })).json;
    expect(back.data.map((r: { id: string }) => r.id)).toEqual(order.slice(0, 2));
    expect((await call(g(base, `/${SEEDED_COMMENT}/replies?after=nope`), { token })).json.error).toMatchObject({ code: 100 });

    expectRefused(await call(g(base, `/${SEEDED_COMMENT}/replies`), { token: IG.lumen.token }));
    expectRefused(await call(g(base, '/18000000009999999/replies'), { token }));
    expect(await admin.effects({ kind: 'reply' })).toHaveLength(5);
  });

  test('should answer the messaging reads through the fault gate: a rate limit on a read is Graph\'s 400 code 4', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const { sent } = await exchange(base, admin, 'Throttled look');
    for (const path of [`/${sent}`, `/me/conversations?user_id=${IG.marco.id}`, `/${SEEDED_COMMENT}/replies`]) {
      await admin.fault({ kind: 'rate_limit', platform: 'instagram', lane: 'api', account: IG.northwind.handle, retry_after_s: 60 });
      const res = await call(g(base, path), { token });
      expect(res.status, path).toBe(400);
      expect(res.json.error).toMatchObject({ code: 4, is_transient: true });
      expect(res.headers.get('x-business-use-case-usage')).toContain('"call_count":100');
      expect((await call(g(base, path), { token })).status, path).toBe(200);
    }
  });
});

test.describe('sandbox Graph messaging reads under read-after-write lag, by id first', () => {
  test.use({ sandboxOptions: { containerDelayMs: 50, lag: { byIdFirst: true, lists: { baseMs: 1500 }, inbox: { baseMs: 0 } } } });

  test('should show a sent message by id once it is on its first listing, in the thread only after its lag', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const { sent } = await exchange(base, admin, 'Lagging reply');
    // The inbox has no lag: the message shows by id at once, the thread lags.
    expect((await call(g(base, `/${sent}?fields=id,message`), { token })).json).toEqual({ id: sent, message: 'Lagging reply' });
    const conversation = (await conversationWith(base, IG.marco.id)).json.data[0].id as string;
    const early = (await call(g(base, `/${conversation}/messages`), { token })).json.data.map((m: { id: string }) => m.id);
    expect(early).not.toContain(sent);
    const later = await eventually(() => call(g(base, `/${conversation}/messages`), { token }), (r) => r.json.data[0]?.id === sent);
    expect(later.json.data[0].id).toBe(sent);
  });

  test('should list a new reply only after its comments lag', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const reply = (await call(g(base, `/${SEEDED_COMMENT}/replies`), { method: 'POST', token, form: { message: 'lagging' } })).json.id as string;
    expect((await call(g(base, `/${SEEDED_COMMENT}/replies`), { token })).json.data.map((r: { id: string }) => r.id)).not.toContain(reply);
    const later = await eventually(() => call(g(base, `/${SEEDED_COMMENT}/replies`), { token }), (r) => r.json.data.some((x: { id: string }) => x.id === reply));
    expect(later.json.data[0]).toMatchObject({ id: reply, text: 'lagging' });
  });
});

test.describe('sandbox Graph messaging reads under read-after-write lag, by id last', () => {
  test.use({ sandboxOptions: { lag: { byIdFirst: false, inbox: { baseMs: 0 }, thread: { baseMs: 1500 } } } });

  test('should refuse a message by id until it is listed everywhere', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const { sent } = await exchange(base, admin, 'Not yet');
    expectRefused(await call(g(base, `/${sent}`), { token }));
    const later = await eventually(() => call(g(base, `/${sent}`), { token }), (r) => r.status === 200);
    expect(later.json.id).toBe(sent);
  });
});
