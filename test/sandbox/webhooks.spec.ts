import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as base, expect, call, IG, eventually } from './fixtures.js';

interface Received {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on loopback: answers the handshake and POSTs with scripted statuses. */
class Receiver {
  readonly received: Received[] = [];
  statuses: number[] = [];
  private constructor(private readonly server: Server, readonly verifyToken: string) {}

  static async start(verifyToken: string): Promise<Receiver> {
    let self!: Receiver;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        self.received.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.method === 'GET') {
          const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === self.verifyToken;
          return ok ? res.writeHead(200).end(url.searchParams.get('hub.challenge')) : res.writeHead(403).end('bad token');
        }
        res.writeHead(self.statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    self = new Receiver(server, verifyToken);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/meta`;
  }

  posts(): Received[] {
    return this.received.filter((r) => r.method === 'POST');
  }

  close(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

const test = base.extend<{ receiver: Receiver }>({
  receiver: async ({}, use) => {
    const receiver = await Receiver.start('verify-me');
    await use(receiver);
    await receiver.close();
  },
});

const SECRET = 'app-secret-for-tests';

/** Independent check of X-Hub-Signature-256, as a product endpoint would do it. */
function signatureValid(raw: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw, 'utf8').digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

test.describe('sandbox webhooks', () => {
  test('should perform the GET verification handshake on subscription', async ({ admin, receiver }) => {
    const res = await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: receiver.url, verify_token: 'verify-me', app_secret: SECRET });
    expect(res.status).toBe(201);
    const [get] = receiver.received;
    expect(get!.method).toBe('GET');
    expect(get!.url.searchParams.get('hub.mode')).toBe('subscribe');
    expect(get!.url.searchParams.get('hub.verify_token')).toBe('verify-me');
    expect(get!.url.searchParams.get('hub.challenge')).toMatch(/^[0-9a-f]{24}$/);
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
});
