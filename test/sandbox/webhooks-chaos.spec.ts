import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type SandboxOptions } from '../../sandbox/index.js';
import { test, expect, IG, eventually, AdminClient } from './fixtures.js';

const SECRET = 'chaos-secret';

/** A webhook receiver on loopback that records each POST with its arrival time. */
async function receiver(): Promise<{ url: string; posts: { at: number; body: string; signature: string }[]; close(): Promise<void> }> {
  const posts: { at: number; body: string; signature: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET') return res.writeHead(200).end(url.searchParams.get('hub.challenge'));
      posts.push({ at: Date.now(), body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-hub-signature-256'] ?? '') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts, close: () => new Promise((ok) => server.close(() => ok())) };
}

function signatureValid(raw: string, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw, 'utf8').digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const FAULTS = { delay: { baseMs: 200, jitterMs: 400 }, batch_window_ms: 3000, batch_max: 4, reorder: true };

/** Emits six audience DMs to two business accounts and waits until every one arrived. */
async function episode(options: SandboxOptions) {
  const hook = await receiver();
  const sandbox = await startSandbox({ webhook: { maxAttempts: 2, baseMs: 50, timeoutMs: 2000 }, ...options });
  try {
    const admin = new AdminClient(sandbox);
    expect((await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: hook.url, verify_token: 'v', app_secret: SECRET })).status).toBe(201);
    const emitted: { mid: string; at: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await admin.dm(i % 2 ? IG.marco.handle : IG.ana.handle, i % 3 ? IG.northwind.handle : IG.lumen.handle, `m${i}`);
      expect(out.deliveries).toEqual([]);
      expect(out.queued).toHaveLength(1);
      emitted.push({ mid: out.message.id, at: Date.now() });
    }
    const mids = (p: { body: string }) => (JSON.parse(p.body).entry as any[]).flatMap((e) => e.messaging.map((m: any) => m.message.mid as string));
    await eventually(async () => hook.posts.flatMap(mids).length, (n) => n >= 6, 10_000);
    const log = (await admin.request('GET', '/__sandbox/webhooks/faults')).json.events as any[];
    const deliveries = (await admin.request('GET', '/__sandbox/webhooks')).json.deliveries as any[];
    const fired = (await admin.request('GET', '/__sandbox/faults/fired')).json.counts;
    return { hook, emitted, posts: hook.posts.map((p) => ({ ...p, mids: mids(p) })), log, deliveries, fired };
  } finally {
    await sandbox.close();
    await hook.close();
  }
}

test('should deliver webhooks late, re-ordered and re-batched, each POST signed over its own bytes', async () => {
  const { emitted, posts, log, deliveries, fired } = await episode({ seed: 5, webhookFaults: FAULTS });
  const received = posts.flatMap((p) => p.mids);
  expect([...received].sort()).toEqual(emitted.map((e) => e.mid).sort());
  for (const p of posts) expect(signatureValid(p.body, p.signature)).toBe(true);
  // Late: every event arrives no earlier than its own seeded delay after it was emitted.
  for (const e of log) {
    expect(e.delay_ms).toBeGreaterThanOrEqual(200);
    expect(e.delay_ms).toBeLessThanOrEqual(600);
  }
  for (const [i, e] of emitted.entries()) {
    const post = posts.find((p) => p.mids.includes(e.mid))!;
    expect(post.at - e.at).toBeGreaterThanOrEqual(log[i].delay_ms - 50);
  }
  // Re-batched: fewer POSTs than events, and same-account events share one entry.
  expect(posts.length).toBeLessThan(6);
  const merged = posts.some((p) => (JSON.parse(p.body).entry as any[]).some((e) => e.messaging.length > 1));
  expect(merged).toBe(true);
  expect(deliveries.every((d) => Array.isArray(d.events) && d.events.length >= 1)).toBe(true);
  // Re-ordered: the arrival order is not the emission order.
  expect(received).not.toEqual(emitted.map((e) => e.mid));
  expect(fired.webhook_delay).toBe(6);
  expect(fired.webhook_rebatch).toBeGreaterThan(0);
  expect(fired.webhook_reorder).toBeGreaterThan(0);
});

test('should repeat the same delays, order and batches for the same seed', async () => {
  const shape = (r: Awaited<ReturnType<typeof episode>>) => ({
    delays: r.log.map((e) => e.delay_ms),
    batches: r.deliveries.map((d) => d.events),
    order: r.posts.map((p) => p.mids.map((m) => r.emitted.findIndex((e) => e.mid === m))),
  });
  const a = shape(await episode({ seed: 9, webhookFaults: FAULTS }));
  const b = shape(await episode({ seed: 9, webhookFaults: FAULTS }));
  const c = shape(await episode({ seed: 10, webhookFaults: FAULTS }));
  expect(b).toEqual(a);
  expect(c.delays).not.toEqual(a.delays);
});

test('should set, validate and clear webhook faults through the admin API', async ({ admin }) => {
  const bad = await admin.request('POST', '/__sandbox/webhooks/faults', { batch_max: 0 });
  expect(bad.status).toBe(400);
  expect(bad.json.message).toContain('batch_max');
  const delay = await admin.request('POST', '/__sandbox/webhooks/faults', { delay: { baseMs: 'soon' } });
  expect(delay.json.message).toContain('delay.baseMs');
  const ok = await admin.request('POST', '/__sandbox/webhooks/faults', { delay: { baseMs: 100 }, reorder: true });
  expect(ok.json).toMatchObject({ enabled: true, config: { delay: { baseMs: 100, jitterMs: 0 }, batch_window_ms: 0, batch_max: 1, reorder: true } });
  expect((await admin.request('DELETE', '/__sandbox/webhooks/faults')).json.enabled).toBe(false);
});
