import { call, eventually, expect, IG, sha256, type AdminClient } from './fixtures.js';
import { SECRET, signatureValid, test } from './meta-receiver.js';

// Instagram Private Replies ("Send a Private Reply to a Commenter"): POST /{ig-user-id}/messages
// with recipient.comment_id. One message per comment, only on the account's own media, within
// 7 days of the comment; the reply opens no 24-hour window.

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;
const NORTHWIND_POST = '17900000000000001';
const SEEDED_COMMENT = '18000000000000001'; // Ana on Northwind's post, seeded in January 2025
const LUMEN_COMMENT = '18000000000000002'; // Marco on Lumen's post
const DAY = 86_400_000;

async function comment(admin: AdminClient, from: string, text: string, createdAt?: Date): Promise<string> {
  const res = await admin.request('POST', '/__sandbox/comment', { from, post_id: NORTHWIND_POST, text, ...(createdAt ? { created_at: createdAt.toISOString() } : {}) });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.comment.id as string;
}

const privateReply = (base: string, commentId: string, text: string, t: string = token) =>
  call(g(base, '/me/messages'), { method: 'POST', token: t, body: { recipient: { comment_id: commentId }, message: { text } } });

test.describe('sandbox Instagram private replies', () => {
  test('should send one private reply to a comment on own media, into the commenter\'s thread, as one private_reply effect', async ({ sandbox, admin, receiver }) => {
    const base = sandbox.platforms.instagram;
    expect((await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET })).status).toBe(201);
    const commentId = await comment(admin, IG.marco.handle, 'PRICE?');

    const res = await privateReply(base, commentId, 'Hi Marco! The loaf is 6 €.');
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toEqual({ recipient_id: IG.marco.id, message_id: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    const mid = res.json.message_id as string;

    // The ground truth: exactly one private_reply, naming the comment and the commenter; no dm_send.
    const effects = await admin.effects();
    expect(effects).toEqual([
      expect.objectContaining({
        kind: 'private_reply', action_type: 'dm_send', object_id: mid, target_id: commentId, recipient_id: IG.marco.id,
        payload_sha256: sha256('Hi Marco! The loaf is 6 €.'), text: 'Hi Marco! The loaf is 6 €.', via: 'api', account: { id: IG.northwind.id, handle: IG.northwind.handle },
      }),
    ]);
    expect(await admin.effects({ kind: 'private_reply' })).toHaveLength(1);
    expect(await admin.effects({ kind: 'dm_send' })).toHaveLength(0);

    // It lands in the DM thread between the account and the commenter.
    const byId = await call(g(base, `/${mid}?fields=id,from,to,message`), { token });
    expect(byId.json).toEqual({ id: mid, from: { username: IG.northwind.handle, id: IG.northwind.id }, to: { data: [{ username: IG.marco.handle, id: IG.marco.id }] }, message: 'Hi Marco! The loaf is 6 €.' });
    const conversation = (await call(g(base, `/me/conversations?platform=instagram&user_id=${IG.marco.id}&fields=messages{id}`), { token })).json.data[0];
    expect(conversation.messages.data.map((m: { id: string }) => m.id)).toEqual([mid]);

    // Its echo comes with the messages field, signed over Meta's bytes.
    const echo = await eventually(async () => receiver.items().find((i) => i.item.message?.mid === mid), (i) => i !== undefined);
    expect(echo).toEqual({ entry: IG.northwind.id, field: 'messaging', item: { sender: { id: IG.northwind.id }, recipient: { id: IG.marco.id }, timestamp: expect.any(Number), message: { mid, text: 'Hi Marco! The loaf is 6 €.', is_echo: true } } });
    for (const p of receiver.posts()) expect(signatureValid(p.body, p.headers['x-hub-signature-256'])).toBe(true);

    // Once per comment: the second is Graph's 10900, and nothing more is sent or recorded.
    const again = await privateReply(base, commentId, 'Hi again!');
    expect(again.status).toBe(400);
    expect(again.json.error).toEqual({ message: '(#10900) Activity already replied to', type: 'OAuthException', code: 10900, fbtrace_id: expect.any(String) });
    expect(again.headers.get('x-fb-trace-id')).toBe(again.json.error.fbtrace_id);
    expect(await admin.effects()).toHaveLength(1);
    // Another comment by the same person is a new activity: one more reply is allowed.
    const second = await comment(admin, IG.marco.handle, 'And the rye?');
    expect((await privateReply(base, second, 'Rye is 7 €.')).status).toBe(200);
    expect(await admin.effects({ kind: 'private_reply' })).toHaveLength(2);
  });

  test('should refuse comments older than 7 days, on another account\'s media, unknown ones and the account\'s own', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    // Older than 7 days: Meta's closed-window error; just inside the window it goes through.
    const old = await comment(admin, IG.ana.handle, 'old question', new Date(Date.now() - 7 * DAY - 60_000));
    const late = await privateReply(base, old, 'Sorry for the wait');
    expect(late.status).toBe(400);
    expect(late.json.error).toMatchObject({ code: 10, error_subcode: 2534022, message: '(#10) This message is sent outside of allowed window.' });
    const seeded = await privateReply(base, SEEDED_COMMENT, 'Yes we ship!');
    expect(seeded.json.error).toMatchObject({ code: 10, error_subcode: 2534022 });
    const recent = await comment(admin, IG.ana.handle, 'six days ago', new Date(Date.now() - 7 * DAY + 60 * 60_000));
    expect((await privateReply(base, recent, 'Still in time')).status).toBe(200);

    // Another account's media, an unknown comment: the object the caller cannot load (100/33).
    for (const id of [LUMEN_COMMENT, '18000000099999999']) {
      const res = await privateReply(base, id, 'hello');
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    }
    // Lumen may answer its own commenter; Northwind's token may not.
    expect((await privateReply(base, LUMEN_COMMENT, 'hello', IG.lumen.token)).status).toBe(400); // seeded, so older than 7 days
    // The account's own reply to a comment has no one to reply to privately.
    const own = await call(g(base, `/${recent}/replies`), { method: 'POST', token, body: { message: 'Thanks!' } });
    const self = await privateReply(base, own.json.id, 'to myself');
    expect(self.json.error).toMatchObject({ code: 100, error_subcode: 2018001 });
    // recipient names exactly one of id and comment_id.
    const both = await call(g(base, '/me/messages'), { method: 'POST', token, body: { recipient: { id: IG.ana.id, comment_id: recent }, message: { text: 'x' } } });
    expect(both.json.error).toMatchObject({ code: 100 });
    expect(both.json.error.message).toContain('recipient');
    const none = await call(g(base, '/me/messages'), { method: 'POST', token, body: { recipient: {}, message: { text: 'x' } } });
    expect(none.json.error.message).toContain('recipient');

    expect((await admin.effects()).map((e) => [e.kind, e.target_id])).toEqual([['private_reply', recent], ['reply', recent]]);
  });

  test('should open no 24-hour window: a normal message to the commenter is refused until they write', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const commentId = await comment(admin, IG.marco.handle, 'Do you deliver?');
    expect((await privateReply(base, commentId, 'We do! Where to?')).status).toBe(200);
    const follow = { recipient: { id: IG.marco.id }, message: { text: 'Any news?' } };
    const refused = await call(g(base, '/me/messages'), { method: 'POST', token, body: follow });
    expect(refused.json.error).toMatchObject({ code: 10, error_subcode: 2534022 });
    await admin.dm(IG.marco.handle, IG.northwind.handle, 'To the harbour please');
    expect((await call(g(base, '/me/messages'), { method: 'POST', token, body: follow })).status).toBe(200);
    expect((await admin.effects()).map((e) => e.kind)).toEqual(['private_reply', 'dm_send']);
  });

  test('should take commit faults as their own action: after an error after commit, the retry is 10900 and the log holds one reply', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const commentId = await comment(admin, IG.ana.handle, 'Gluten free?');
    // A dm_send rule does not touch private replies.
    await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', lane: 'api', action: 'dm_send' });
    await admin.fault({ kind: 'error_after_commit', platform: 'instagram', lane: 'api', action: 'private_reply' });
    const first = await privateReply(base, commentId, 'Yes, on Fridays.');
    expect(first.status).toBe(400);
    expect(first.json.error).toMatchObject({ code: 4, error_subcode: 2207051 });
    const retry = await privateReply(base, commentId, 'Yes, on Fridays.');
    expect(retry.json.error).toMatchObject({ code: 10900 });
    expect(await admin.effects({ kind: 'private_reply' })).toHaveLength(1);

    // A phantom success answers like a success and applies nothing: the comment can still be answered.
    const other = await comment(admin, IG.ana.handle, 'Vegan?');
    await admin.fault({ kind: 'phantom_success', platform: 'instagram', lane: 'api', action: 'private_reply' });
    const phantom = await privateReply(base, other, 'Some are.');
    expect(phantom.status).toBe(200);
    expect((await call(g(base, `/${phantom.json.message_id}`), { token })).json.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(await admin.effects({ kind: 'private_reply' })).toHaveLength(1);
    expect((await privateReply(base, other, 'Some are.')).status).toBe(200);
    expect(await admin.effects({ kind: 'private_reply' })).toHaveLength(2);
  });
});
