import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as base } from './fixtures.js';

/** What a loopback webhook receiver got: the raw body bytes as text, untouched. */
export interface Received {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** One item of a delivered body: a `messaging` event or a `changes` entry, with the entry's account. */
export interface DeliveredItem {
  entry: string;
  field: 'messaging' | 'changes';
  item: any;
}

/**
 * A Meta webhook receiver on loopback: answers the GET handshake (echoing `hub.challenge`, or what
 * `challengeReply` makes of it) and each POST with the next scripted status (200 when none is left).
 */
export class MetaReceiver {
  readonly received: Received[] = [];
  statuses: number[] = [];
  challengeReply: (challenge: string) => string = (c) => c;
  private constructor(private readonly server: Server, readonly verifyToken: string) {}

  static async start(verifyToken = 'verify-me'): Promise<MetaReceiver> {
    let self!: MetaReceiver;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        self.received.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        if (req.method === 'GET') {
          const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === self.verifyToken;
          return ok ? res.writeHead(200).end(self.challengeReply(url.searchParams.get('hub.challenge') ?? '')) : res.writeHead(403).end('bad token');
        }
        res.writeHead(self.statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    self = new MetaReceiver(server, verifyToken);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/meta`;
  }

  posts(): Received[] {
    return this.received.filter((r) => r.method === 'POST');
  }

  /** Every messaging event and change of every POST, in arrival order. */
  items(): DeliveredItem[] {
    return this.posts().flatMap((p) => bodyItems(p.body));
  }

  close(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

export function bodyItems(raw: string): DeliveredItem[] {
  const body = JSON.parse(raw) as { entry: { id: string; messaging?: unknown[]; changes?: unknown[] }[] };
  return body.entry.flatMap((e) => [
    ...(e.messaging ?? []).map((item) => ({ entry: e.id, field: 'messaging' as const, item })),
    ...(e.changes ?? []).map((item) => ({ entry: e.id, field: 'changes' as const, item })),
  ]);
}

export const SECRET = 'app-secret-for-tests';

/** Independent check of X-Hub-Signature-256 over the given bytes, as a product endpoint would do it. */
export function signatureValid(raw: string | Buffer, header: string | string[] | undefined, secret = SECRET): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The sandbox test fixtures plus a receiver, closed after the test. */
export const test = base.extend<{ receiver: MetaReceiver }>({
  receiver: async ({}, use) => {
    const receiver = await MetaReceiver.start('verify-me');
    await use(receiver);
    await receiver.close();
  },
});
