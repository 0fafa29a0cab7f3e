import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type SandboxOptions } from '../../sandbox/index.js';
import { test, expect, IG, eventually, call, AdminClient } from './fixtures.js';
import { bodyItems, MetaReceiver, SECRET as RECEIVER_SECRET, signatureValid as validFor } from './meta-receiver.js';

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

/** JSON with object keys sorted at every depth: the identity of a delivered event, whatever its key order. */
const canon = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canon).join(',')}]` : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}` : JSON.stringify(v);

test('should deliver every event kind late, duplicated, re-ordered and re-batched: what arrives is exactly what was emitted', async () => {
  const hook = await MetaReceiver.start('v');
  const sandbox = await startSandbox({
    seed: 21,
    webhook: { maxAttempts: 2, baseMs: 50, timeoutMs: 2000 },
    webhookFaults: { delay: { baseMs: 100, jitterMs: 400 }, batch_window_ms: 400, batch_max: 5, reorder: true },
  });
  try {
    const admin = new AdminClient(sandbox);
    const ig = (path: string) => `${sandbox.platforms.instagram}/v21.0${path}`;
    expect((await admin.request('POST', '/__sandbox/webhooks/subscribe', { callback_url: hook.url, verify_token: 'v', app_secret: RECEIVER_SECRET })).status).toBe(201);
    /** What the sandbox emitted, as `<entry id>|<field>|<canonical item>`, once per copy. */
    const emitted: string[] = [];
    const echoes: string[] = [];
    const emit = (entry: string, field: 'messaging' | 'changes', item: unknown, out: { deliveries: unknown[]; queued: string[] }) => {
      expect(out.deliveries).toEqual([]);
      for (const _ of out.queued) emitted.push(`${entry}|${field}|${canon(item)}`);
    };
    const post = async (path: string, body: Record<string, unknown>) => {
      const res = await admin.request('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(res.json)}`).toBe(201);
      return res.json;
    };
    const reply = async (to: string, text: string) => {
      const res = await call(ig('/me/messages'), { method: 'POST', token: IG.northwind.token, body: { recipient: { id: to }, message: { text } } });
      expect(res.status).toBe(200);
      echoes.push(res.json.message_id);
      return res.json.message_id as string;
    };

    const text = await post('/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle, text: 'Olá! 😀 pão/bolo?', duplicates: 1 });
    emit(IG.northwind.id, 'messaging', text.event, text);
    const media = await post('/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle, attachments: [{ type: 'image' }, { type: 'share', url: 'https://www.instagram.com/p/SEED1aBc/' }], duplicates: 2 });
    emit(IG.northwind.id, 'messaging', media.event, media);
    const other = await post('/__sandbox/dm', { from: IG.marco.handle, to: IG.lumen.handle, text: 'Studio free on Sunday?' });
    emit(IG.lumen.id, 'messaging', other.event, other);
    const answer = await reply(IG.ana.id, 'Sim! Pão até às 14h.');
    for (const [body, dup] of [[{ from: IG.ana.handle, mid: answer }, 1], [{ from: IG.ana.handle, mid: answer, action: 'unreact' }, 0], [{ from: IG.ana.handle, mid: answer, reaction: 'like' }, 0]] as const) {
      const r = await post('/__sandbox/dm/react', { ...body, duplicates: dup });
      emit(IG.northwind.id, 'messaging', r.event, r);
    }
    const read = await post('/__sandbox/dm/read', { from: IG.ana.handle, mid: answer, duplicates: 1 });
    emit(IG.northwind.id, 'messaging', read.event, read);
    const edit = await post('/__sandbox/dm/edit', { from: IG.ana.handle, mid: text.message.id, text: 'Olá! pão?', duplicates: 1 });
    emit(IG.northwind.id, 'messaging', edit.event, edit);
    const comment = await post('/__sandbox/comment', { from: IG.marco.handle, post_id: '17900000000000001', text: 'Quanto custa? 🥖' });
    emit(IG.northwind.id, 'changes', { field: 'comments', value: { id: comment.comment.id, text: 'Quanto custa? 🥖', from: { id: IG.marco.id, username: IG.marco.handle }, media: { id: '17900000000000001', media_product_type: 'FEED' } } }, comment);
    const pr = await call(ig('/me/messages'), { method: 'POST', token: IG.northwind.token, body: { recipient: { comment_id: comment.comment.id }, message: { text: '5 €, Marco!' } } });
    expect(pr.status).toBe(200);
    echoes.push(pr.json.message_id);
    const unsend = await post('/__sandbox/dm/unsend', { from: IG.ana.handle, mid: media.message.id, duplicates: 1 });
    emit(IG.northwind.id, 'messaging', unsend.event, unsend);

    const total = emitted.length + echoes.length;
    expect(total).toBe(19); // 17 copies of 12 admin-triggered events, 2 echoes
    await eventually(async () => hook.items().length, (n) => n >= total, 15_000);
    await new Promise((r) => setTimeout(r, 300)); // nothing more than emitted may arrive
    const posts = hook.posts();
    for (const p of posts) expect(validFor(p.body, p.headers['x-hub-signature-256'])).toBe(true);
    const items = posts.flatMap((p) => bodyItems(p.body));
    expect(items).toHaveLength(total);

    // Every copy of every emitted event arrived once, and nothing else: the union is what was emitted.
    const echoItems = items.filter((i) => i.item.message?.is_echo);
    expect(echoItems.map((i) => i.item.message.mid).sort()).toEqual([...echoes].sort());
    for (const e of echoItems) expect(e).toMatchObject({ entry: IG.northwind.id, field: 'messaging', item: { sender: { id: IG.northwind.id } } });
    const delivered = items.filter((i) => !i.item.message?.is_echo).map((i) => `${i.entry}|${i.field}|${canon(i.item)}`);
    expect([...delivered].sort()).toEqual([...emitted].sort());

    // Batched, re-ordered and late, per the sandbox's own log.
    const log = (await admin.request('GET', '/__sandbox/webhooks/faults')).json.events as { id: string; kind: string; state: string; delay_ms: number }[];
    expect(log).toHaveLength(total);
    expect(log.every((e) => e.state === 'sent' && e.delay_ms >= 100)).toBe(true);
    expect(new Set(log.map((e) => e.kind))).toEqual(new Set(['message', 'echo', 'reaction', 'read', 'edit', 'comment', 'unsend']));
    const deliveries = (await admin.request('GET', '/__sandbox/webhooks')).json.deliveries as { events: string[] }[];
    expect(deliveries.flatMap((d) => d.events).sort()).toEqual(log.map((e) => e.id).sort());
    expect(posts.length).toBeLessThan(total);
    expect(posts.some((p) => (JSON.parse(p.body).entry as { messaging?: unknown[] }[]).some((e) => (e.messaging?.length ?? 0) > 1))).toBe(true);
    const fired = (await admin.request('GET', '/__sandbox/faults/fired')).json.counts;
    expect(fired.webhook_delay).toBe(total);
    expect(fired.webhook_rebatch).toBeGreaterThan(0);
    expect(fired.webhook_reorder).toBeGreaterThan(0);
    // Inbound events are world events: only the account's own reply and private reply are effects.
    expect((await admin.effects()).map((e) => e.kind).sort()).toEqual(['dm_send', 'private_reply']);
  } finally {
    await sandbox.close();
    await hook.close();
  }
});
