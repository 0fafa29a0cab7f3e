import { metaJson } from '../../sandbox/index.js';
import { call, expect, IG, eventually, igThread } from './fixtures.js';
import { SECRET, signatureValid, test } from './meta-receiver.js';

test.describe('sandbox webhooks', () => {
  test('should perform the GET verification handshake on subscription', async ({ admin, receiver }) => {
    const res = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    expect(res.status).toBe(201);
    const [get] = receiver.received;
    expect(get!.method).toBe('GET');
    expect(get!.url.searchParams.get('hub.mode')).toBe('subscribe');
    expect(get!.url.searchParams.get('hub.verify_token')).toBe('verify-me');
    expect(get!.url.searchParams.get('hub.challenge')).toMatch(/^[1-9]\d{8,9}$/);
  });

  test('should refuse a subscription whose callback does not echo the challenge, or is not on loopback', async ({ admin, receiver }) => {
    const wrong = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'other', app_secret: SECRET });
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toContain('HTTP 403');
    const remote = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: 'https://example.com/hook', verify_token: 'v', app_secret: SECRET });
    expect(remote.status).toBe(400);
    expect(remote.json.message).toContain('loopback');
    const missing = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'v' });
    expect(missing.json.message).toContain('app_secret is required');
  });

  test('should deliver a signed Meta-format messaging webhook when an audience account DMs', async ({ admin, receiver }) => {
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    const out = await admin.dm(IG.ana.handle, IG.northwind.handle, 'Hola! ¿Tienen pan sin gluten?');
    const [post] = receiver.posts();
    expect(signatureValid(post!.body, post!.headers['x-hub-signature-256'])).toBe(true);
    expect(post!.headers['content-type']).toContain('application/json');
    const body = JSON.parse(post!.body);
    expect(body.object).toBe('instagram');
    expect(body.entry[0].id).toBe(IG.northwind.id);
    const event = body.entry[0].messaging[0];
    expect(event).toMatchObject({ sender: { id: IG.ana.id }, recipient: { id: IG.northwind.id }, message: { mid: out.message.id, text: 'Hola! ¿Tienen pan sin gluten?' } });
    expect(typeof event.timestamp).toBe('number');
    expect(event.message.is_echo).toBeUndefined();
    expect(signatureValid(post!.body.replace('Hola', 'Hole'), post!.headers['x-hub-signature-256'])).toBe(false);
    expect(await admin.effects()).toHaveLength(0); // audience messages are world events, not side effects
  });

  test('should retry non-2xx deliveries with backoff and stop after the bounded number of attempts', async ({ admin, receiver }) => {
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    receiver.statuses = [500, 503];
    await admin.dm(IG.ana.handle, IG.northwind.handle, 'retry me');
    const delivered = await eventually(() => admin.request('GET', '/__sandbox/webhooks'), (r) => r.json.deliveries[0].state !== 'pending');
    expect(delivered.json.deliveries[0]).toMatchObject({ state: 'delivered' });
    expect(delivered.json.deliveries[0].attempts.map((a: { status: number }) => a.status)).toEqual([500, 503, 200]);
    const bodies = receiver.posts().map((p) => p.body);
    expect(new Set(bodies).size).toBe(1);

    receiver.statuses = [500, 500, 500, 500, 500];
    await admin.dm(IG.ana.handle, IG.northwind.handle, 'never lands');
    const failed = await eventually(() => admin.request('GET', '/__sandbox/webhooks'), (r) => r.json.deliveries[1].state !== 'pending');
    expect(failed.json.deliveries[1].state).toBe('failed');
    expect(failed.json.deliveries[1].attempts).toHaveLength(3); // maxAttempts of the test fixture
  });

  test('should send duplicate deliveries when asked', async ({ admin, receiver }) => {
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    await admin.dm(IG.marco.handle, IG.northwind.handle, 'dup', { duplicates: 2 });
    const posts = receiver.posts();
    expect(posts).toHaveLength(3);
    const mids = posts.map((p) => JSON.parse(p.body).entry[0].messaging[0].message.mid);
    expect(new Set(mids).size).toBe(1);
  });

  test('should send is_echo events for messages the business account sends when echoes are on', async ({ sandbox, admin, receiver }) => {
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET, echoes: true });
    await admin.dm(IG.ana.handle, IG.northwind.handle, 'hi');
    const sent = await call(`${sandbox.platforms.instagram}/v21.0/me/messages`, { method: 'POST', token: IG.northwind.token, body: { recipient: { id: IG.ana.id }, message: { text: 'hello back' } } });
    const posts = await eventually(async () => receiver.posts(), (p) => p.length >= 2);
    const echo = JSON.parse(posts[1]!.body).entry[0].messaging[0];
    expect(echo).toMatchObject({ sender: { id: IG.northwind.id }, recipient: { id: IG.ana.id }, message: { mid: sent.json.message_id, text: 'hello back', is_echo: true } });
    expect(signatureValid(posts[1]!.body, posts[1]!.headers['x-hub-signature-256'])).toBe(true);
  });

  test('should deliver a comments change when an audience account comments', async ({ admin, receiver }) => {
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    const res = await admin.request('POST', '/__sandbox/comment', { from: IG.marco.handle, post_id: '17900000000000001', text: 'PRICE?' });
    expect(res.status).toBe(201);
    const change = JSON.parse(receiver.posts()[0]!.body).entry[0].changes[0];
    expect(change).toMatchObject({ field: 'comments', value: { id: res.json.comment.id, text: 'PRICE?', from: { id: IG.marco.id, username: IG.marco.handle }, media: { id: '17900000000000001' } } });
  });

  test('should sign the bytes Meta sends: non-ASCII as lowercase \\u escapes (emoji as surrogate pairs) and "/" as \\/, so a re-serialised body fails the check', async ({ admin, receiver }) => {
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    const text = 'Café crème? 😀 see https://northwind.example/menu';
    await admin.dm(IG.ana.handle, IG.northwind.handle, text);
    const [post] = receiver.posts();
    const raw = post!.body;
    // Pure ASCII on the wire: é and è escaped, the emoji as its UTF-16 pair, every slash escaped.
    expect(raw).toMatch(/^[\x20-\x7e]+$/);
    expect(raw).toContain('Caf\\u00e9 cr\\u00e8me? \\ud83d\\ude00 see https:\\/\\/northwind.example\\/menu');
    expect(raw).not.toMatch(/[^\\]\//);
    expect(JSON.parse(raw).entry[0].messaging[0].message.text).toBe(text);
    // The receiver that checks the raw bytes accepts; the one that re-serialises the parsed body does not.
    expect(signatureValid(Buffer.from(raw, 'latin1'), post!.headers['x-hub-signature-256'])).toBe(true);
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    expect(signatureValid(reserialised, post!.headers['x-hub-signature-256'])).toBe(false);

    // A single "é" is enough, and the comments change is encoded the same way.
    await admin.dm(IG.marco.handle, IG.northwind.handle, 'é');
    const second = receiver.posts()[1]!;
    expect(second.body).toContain('"text":"\\u00e9"');
    expect(signatureValid(second.body, second.headers['x-hub-signature-256'])).toBe(true);
    expect(signatureValid(JSON.stringify(JSON.parse(second.body)), second.headers['x-hub-signature-256'])).toBe(false);
    await admin.request('POST', '/__sandbox/comment', { from: IG.marco.handle, post_id: '17900000000000001', text: 'Ñam 🥐' });
    const comment = receiver.posts()[2]!;
    expect(comment.body).toContain('"text":"\\u00d1am \\ud83e\\udd50"');
    expect(signatureValid(comment.body, comment.headers['x-hub-signature-256'])).toBe(true);
  });

  test('should export metaJson, the encoder of those bytes', () => {
    expect(metaJson({ a: 'é/😀', b: [1, null, true], 'ключ': 'x' })).toBe('{"a":"\\u00e9\\/\\ud83d\\ude00","b":[1,null,true],"\\u043a\\u043b\\u044e\\u0447":"x"}');
    // JSON's own escapes stay as JSON.stringify writes them (lowercase hex for control characters).
    expect(metaJson('tab\there "q" \\ \u0001 \u007f')).toBe('"tab\\there \\"q\\" \\\\ \\u0001 \u007f"');
    // U+2028 and a lone surrogate are escaped too; everything parses back to the same value.
    const odd = { s: '\u2028\ud800x', n: 1.5 };
    expect(metaJson(odd)).toBe('{"s":"\\u2028\\ud800x","n":1.5}');
    expect(JSON.parse(metaJson(odd))).toEqual(odd);
  });

  test('should send an integer hub.challenge and refuse a callback that does not echo it exactly', async ({ admin, receiver }) => {
    receiver.challengeReply = (c) => `${c}\n`;
    const newline = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    expect(newline.status).toBe(400);
    expect(newline.json.message).toContain('did not echo hub.challenge exactly');
    receiver.challengeReply = (c) => JSON.stringify({ 'hub.challenge': c });
    expect((await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET })).status).toBe(400);
    receiver.challengeReply = (c) => c;
    expect((await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET })).status).toBe(201);
    const challenges = receiver.received.filter((r) => r.method === 'GET').map((r) => r.url.searchParams.get('hub.challenge')!);
    expect(challenges).toHaveLength(3);
    for (const c of challenges) expect(Number.isSafeInteger(Number(c)) && String(Number(c)) === c && c.length >= 9 && c.length <= 10).toBe(true);
    expect(new Set(challenges).size).toBe(3);
  });

  test('should send echoes by default for what the business account sends, through the API and the UI', async ({ sandbox, admin, receiver, request }) => {
    const sub = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    expect(sub.json.echoes).toBe(true);
    await admin.dm(IG.ana.handle, IG.northwind.handle, 'open today?');
    const api = await call(`${sandbox.platforms.instagram}/v21.0/me/messages`, { method: 'POST', token: IG.northwind.token, body: { recipient: { id: IG.ana.id }, message: { text: 'Until 6/7 pm' } } });
    expect(api.status).toBe(200);
    const base = sandbox.platforms.instagram;
    expect((await request.post(`${base}/accounts/login/`, { form: { username: IG.northwind.handle, password: IG.northwind.password }, maxRedirects: 0 })).status()).toBe(303);
    const ui = await request.post(`${base}${igThread(IG.ana.id)}`, { form: { text: 'Sent from the app ✓' }, maxRedirects: 0 });
    expect(ui.status()).toBe(303);
    // The page never names the message (no ?sent=): its id is the ground truth's.
    const uiMid = (await admin.effects({ platform: 'instagram', kind: 'dm_send' })).find((e) => e.via === 'ui')!.object_id!;
    const posts = await eventually(async () => receiver.posts(), (p) => p.length >= 3);
    const echoOf = (mid: string) => posts.map((p) => ({ raw: p.body, entry: JSON.parse(p.body).entry[0] })).find((e) => e.entry.messaging[0].message.mid === mid)!;
    const fromApi = echoOf(api.json.message_id);
    const fromUi = echoOf(uiMid);
    expect([fromApi.entry.id, fromUi.entry.id]).toEqual([IG.northwind.id, IG.northwind.id]);
    expect(fromApi.entry.messaging[0]).toEqual({ sender: { id: IG.northwind.id }, recipient: { id: IG.ana.id }, timestamp: expect.any(Number), message: { mid: api.json.message_id, text: 'Until 6/7 pm', is_echo: true } });
    expect(fromUi.entry.messaging[0]).toEqual({ sender: { id: IG.northwind.id }, recipient: { id: IG.ana.id }, timestamp: expect.any(Number), message: { mid: uiMid, text: 'Sent from the app ✓', is_echo: true } });
    expect(fromUi.raw).toContain('\\u2713');
    for (const p of posts) expect(signatureValid(p.body, p.headers['x-hub-signature-256'])).toBe(true);
    // Turned off on request, as before.
    await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET, echoes: false });
    await call(`${sandbox.platforms.instagram}/v21.0/me/messages`, { method: 'POST', token: IG.northwind.token, body: { recipient: { id: IG.ana.id }, message: { text: 'no echo' } } });
    await admin.quiesce();
    expect(receiver.posts()).toHaveLength(3);
  });
});
