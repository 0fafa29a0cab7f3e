import { call, eventually, expect, IG, X } from './fixtures.js';
import { SECRET, signatureValid, test, type MetaReceiver } from './meta-receiver.js';
import type { AdminClient } from './fixtures.js';

// Instagram messaging events beyond text, in the shapes of Meta's Instagram Messaging webhooks:
// attachments, reactions, read receipts (messaging_seen), unsends and edits, each triggered
// through the admin API as an audience account's action.

const g = (base: string, path: string) => `${base}/v21.0${path}`;

async function subscribe(admin: AdminClient, receiver: MetaReceiver): Promise<void> {
  const res = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
  expect(res.status).toBe(201);
}

/** Northwind answers through the Send API; resolves once the message's echo has arrived (echoes are on by default). */
async function reply(base: string, receiver: MetaReceiver, to: string, text: string): Promise<string> {
  const sent = await call(g(base, '/me/messages'), { method: 'POST', token: IG.northwind.token, body: { recipient: { id: to }, message: { text } } });
  expect(sent.status, JSON.stringify(sent.json)).toBe(200);
  const mid = sent.json.message_id as string;
  await eventually(async () => receiver.items(), (items) => items.some((i) => i.item.message?.mid === mid && i.item.message.is_echo));
  return mid;
}

/** The one messaging event of the last POST, after checking its envelope and signature. */
function lastEvent(receiver: MetaReceiver, business: string = IG.northwind.id): any {
  const post = receiver.posts().at(-1)!;
  expect(signatureValid(post.body, post.headers['x-hub-signature-256'])).toBe(true);
  const body = JSON.parse(post.body);
  expect(body.object).toBe('instagram');
  expect(body.entry).toHaveLength(1);
  expect(body.entry[0].id).toBe(business);
  expect(body.entry[0].messaging).toHaveLength(1);
  return body.entry[0].messaging[0];
}

test.describe('sandbox Instagram messaging events', () => {
  test('should deliver a message with attachments and no text, in Meta\'s attachments shape', async ({ sandbox, admin, receiver }) => {
    await subscribe(admin, receiver);
    const res = await admin.request('POST', '/__sandbox/dm', {
      from: IG.ana.handle,
      to: IG.northwind.handle,
      attachments: [{ type: 'image', url: 'https://cdn.example/a/photo.jpg' }, { type: 'share' }, { type: 'story_mention' }, { type: 'video' }, { type: 'audio' }],
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const out = res.json;
    const event = lastEvent(receiver);
    expect(event).toEqual(out.event);
    expect(event).toEqual({
      sender: { id: IG.ana.id },
      recipient: { id: IG.northwind.id },
      timestamp: expect.any(Number),
      message: {
        mid: out.message.id,
        attachments: [
          { type: 'image', payload: { url: 'https://cdn.example/a/photo.jpg' } },
          { type: 'share', payload: { url: expect.stringMatching(/^https:\/\/lookaside\.fbsbx\.com\/ig_messaging_cdn\/\?asset_id=\d+&signature=[\w-]+$/) } },
          { type: 'story_mention', payload: { url: expect.any(String) } },
          { type: 'video', payload: { url: expect.any(String) } },
          { type: 'audio', payload: { url: expect.any(String) } },
        ],
      },
    });
    expect('text' in event.message).toBe(false);
    expect(receiver.posts().at(-1)!.body).toContain('"url":"https:\\/\\/cdn.example\\/a\\/photo.jpg"');
    // The message opens the 24 h window like any other, and has no text by id.
    const byId = await call(g(sandbox.platforms.instagram, `/${out.message.id}?fields=id,message`), { token: IG.northwind.token });
    expect(byId.json).toEqual({ id: out.message.id, message: '' });
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should deliver reactions and unreactions to a message, with Meta\'s reaction names and emoji', async ({ sandbox, admin, receiver }) => {
    await subscribe(admin, receiver);
    await admin.dm(IG.ana.handle, IG.northwind.handle, 'hi');
    const mid = await reply(sandbox.platforms.instagram, receiver, IG.ana.id, 'Hello Ana!');

    const love = await admin.request('POST', '/__sandbox/dm/react', { from: IG.ana.handle, mid });
    expect(love.status).toBe(201);
    const event = lastEvent(receiver);
    expect(event).toEqual(love.json.event);
    expect(event).toEqual({ sender: { id: IG.ana.id }, recipient: { id: IG.northwind.id }, timestamp: expect.any(Number), reaction: { mid, action: 'react', reaction: 'love', emoji: '❤️' } });
    expect(receiver.posts().at(-1)!.body).toContain('"emoji":"\\u2764\\ufe0f"');

    await admin.request('POST', '/__sandbox/dm/react', { from: IG.ana.handle, mid, reaction: 'laugh' });
    expect(lastEvent(receiver).reaction).toEqual({ mid, action: 'react', reaction: 'laugh', emoji: '😆' });
    await admin.request('POST', '/__sandbox/dm/react', { from: IG.ana.handle, mid, reaction: 'other', emoji: '🥐' });
    expect(lastEvent(receiver).reaction).toEqual({ mid, action: 'react', reaction: 'other', emoji: '🥐' });
    const unreact = await admin.request('POST', '/__sandbox/dm/react', { from: IG.ana.handle, mid, action: 'unreact' });
    expect(unreact.status).toBe(201);
    expect(lastEvent(receiver).reaction).toEqual({ mid, action: 'unreact' });

    // Duplicates are the same bytes again.
    const before = receiver.posts().length;
    await admin.request('POST', '/__sandbox/dm/react', { from: IG.ana.handle, mid, reaction: 'wow', duplicates: 2 });
    const copies = receiver.posts().slice(before).map((p) => p.body);
    expect(copies).toHaveLength(3);
    expect(new Set(copies).size).toBe(1);
    // Only the business account's own message counts as an effect; reactions are world events.
    expect((await admin.effects()).map((e) => e.kind)).toEqual(['dm_send']);
  });

  test('should deliver a read receipt for the message the audience account read', async ({ sandbox, admin, receiver }) => {
    await subscribe(admin, receiver);
    await admin.dm(IG.marco.handle, IG.northwind.handle, 'price?');
    const mid = await reply(sandbox.platforms.instagram, receiver, IG.marco.id, '12 €');
    const read = await admin.request('POST', '/__sandbox/dm/read', { from: IG.marco.handle, mid, duplicates: 1 });
    expect(read.status).toBe(201);
    expect(read.json.deliveries).toHaveLength(2);
    expect(lastEvent(receiver)).toEqual({ sender: { id: IG.marco.id }, recipient: { id: IG.northwind.id }, timestamp: expect.any(Number), read: { mid } });
    expect((await admin.effects()).map((e) => e.kind)).toEqual(['dm_send']);
  });

  test('should deliver an unsend as message.is_deleted and take the message out of the thread', async ({ sandbox, admin, receiver }) => {
    await subscribe(admin, receiver);
    const base = sandbox.platforms.instagram;
    const out = await admin.dm(IG.ana.handle, IG.northwind.handle, 'oops, wrong chat');
    expect((await call(g(base, `/${out.message.id}`), { token: IG.northwind.token })).status).toBe(200);
    const unsend = await admin.request('POST', '/__sandbox/dm/unsend', { from: IG.ana.handle, mid: out.message.id });
    expect(unsend.status).toBe(201);
    expect(lastEvent(receiver)).toEqual({ sender: { id: IG.ana.id }, recipient: { id: IG.northwind.id }, timestamp: expect.any(Number), message: { mid: out.message.id, is_deleted: true } });
    // Gone from every surface: by id and in the conversation.
    const byId = await call(g(base, `/${out.message.id}`), { token: IG.northwind.token });
    expect(byId.json.error).toMatchObject({ code: 100, error_subcode: 33 });
    const conversation = (await call(g(base, `/me/conversations?platform=instagram&user_id=${IG.ana.id}&fields=messages{id}`), { token: IG.northwind.token })).json.data[0];
    expect(conversation.messages.data.map((m: { id: string }) => m.id)).not.toContain(out.message.id);
    // A second unsend finds nothing; only the sender can unsend.
    expect((await admin.request('POST', '/__sandbox/dm/unsend', { from: IG.ana.handle, mid: out.message.id })).status).toBe(404);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should deliver edits as message_edit with the new text and the edit count', async ({ sandbox, admin, receiver }) => {
    await subscribe(admin, receiver);
    const out = await admin.dm(IG.ana.handle, IG.northwind.handle, 'Do you have rye bread?');
    const first = await admin.request('POST', '/__sandbox/dm/edit', { from: IG.ana.handle, mid: out.message.id, text: 'Do you have rye bréad?' });
    expect(first.status).toBe(201);
    expect(lastEvent(receiver)).toEqual({ sender: { id: IG.ana.id }, recipient: { id: IG.northwind.id }, timestamp: expect.any(Number), message_edit: { mid: out.message.id, text: 'Do you have rye bréad?', num_edit: 1 } });
    await admin.request('POST', '/__sandbox/dm/edit', { from: IG.ana.handle, mid: out.message.id, text: 'Rye bread today?' });
    expect(lastEvent(receiver).message_edit).toEqual({ mid: out.message.id, text: 'Rye bread today?', num_edit: 2 });
    const byId = await call(g(sandbox.platforms.instagram, `/${out.message.id}?fields=message`), { token: IG.northwind.token });
    expect(byId.json.message).toBe('Rye bread today?');
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should validate the event routes and name the field', async ({ sandbox, admin, receiver }) => {
    await subscribe(admin, receiver);
    const inbound = (await admin.dm(IG.ana.handle, IG.northwind.handle, 'hi')).message.id as string;
    const sent = await reply(sandbox.platforms.instagram, receiver, IG.ana.id, 'yo');
    const posted = receiver.posts().length;
    const expect400 = async (path: string, body: unknown, field: string) => {
      const res = await admin.request('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json.error).toBe('invalid_request');
      expect(res.json.issues.map((i: { field: string }) => i.field)).toContain(field);
      expect(res.json.message).toContain(field);
    };
    await expect400('/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle, text: 'x', attachments: [{ type: 'image' }] }, 'attachments');
    await expect400('/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle, attachments: [{ type: 'gif' }] }, 'attachments.0.type');
    await expect400('/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle, attachments: [] }, 'attachments');
    await expect400('/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle, attachments: [{ type: 'image', url: 'not a url' }] }, 'attachments.0.url');
    await expect400('/__sandbox/dm', { platform: 'x', from: X.ana.handle, to: X.northwind.handle, attachments: [{ type: 'image' }] }, 'attachments');
    await expect400('/__sandbox/dm/react', { from: IG.ana.handle, mid: sent, reaction: 'angryish' }, 'reaction');
    await expect400('/__sandbox/dm/react', { from: IG.ana.handle, mid: sent, reaction: 'other' }, 'emoji');
    await expect400('/__sandbox/dm/react', { from: IG.ana.handle }, 'mid');
    await expect400('/__sandbox/dm/react', { from: IG.northwind.handle, mid: sent }, 'from');
    await expect400('/__sandbox/dm/read', { from: IG.ana.handle, mid: sent, extra: 1 }, '(body)');
    await expect400('/__sandbox/dm/unsend', { from: IG.ana.handle, mid: sent }, 'mid'); // not Ana's message
    await expect400('/__sandbox/dm/edit', { from: IG.ana.handle, mid: inbound }, 'text');
    await expect400('/__sandbox/dm/edit', { from: IG.ana.handle, mid: inbound, text: 'x', duplicates: 11 }, 'duplicates');
    // A message of another conversation, or none at all: 404 naming the mid.
    const other = await admin.request('POST', '/__sandbox/dm/read', { from: IG.marco.handle, mid: sent });
    expect(other.status).toBe(404);
    expect(other.json.message).toContain('mid');
    expect((await admin.request('POST', '/__sandbox/dm/react', { from: IG.ana.handle, mid: 'aWdfZAG1faXRlbTpub3BlIQ' })).status).toBe(404);
    expect(receiver.posts()).toHaveLength(posted);
  });
});
