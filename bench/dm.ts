import { createHmac, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { startApi } from '../api/index.js';
import { resolveConfig } from '../config/index.js';
import { createDmService, verifyMetaSignature } from '../dm/index.js';
import { createServices } from '../runners/index.js';
import { percentile, type BenchEntry } from './report.js';

const SECRET = 'bench-app-secret';
const EVENTS = 300;
const WARMUP = 20;
const TEXTS = [
  'hola! cuanto cuesta el programa completo?', 'can you send me the link to the course pls', 'where can i watch the replay of yesterday’s live?',
  'wat times r u availble on weekends', 'no puedo entrar en la plataforma, me ayudas?', 'merci pour la vidéo 😍', 'ya no aguanto mas, gracias por todo',
  'my lawyer will hear about this', 'loved your last reel 🔥🔥', '??',
];

/** Meta's bytes: non-ASCII as \uXXXX with lowercase hex, "/" as "\/". */
const metaBytes = (value: unknown) => JSON.stringify(value).replace(/\//g, '\\/').replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function body(ig: string, i: number): string {
  return metaBytes({
    object: 'instagram',
    entry: [{ id: ig, time: Date.now(), messaging: [{ sender: { id: String(7000 + (i % 40)) }, recipient: { id: ig }, timestamp: Date.now(), message: { mid: `m_bench_${i}_${randomUUID()}`, text: TEXTS[i % TEXTS.length] } }] }],
  });
}

async function send(url: string, dispatcher: Agent, raw: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', dispatcher, body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
}

/**
 * `dm`: a signed Instagram DM webhook until its evidence bundles are written — signature over
 * the raw bytes, the durable inbox, the event store, triage, draft, panel (5–20 seats),
 * private and public bundles signed with ed25519, the decision in the queue — one event at a
 * time, against a bare Express handler that only verifies the signature and answers 200.
 */
export async function benchDm(dir: string): Promise<BenchEntry> {
  const config = resolveConfig({ dataDir: join(dir, 'data'), logLevel: 'warn', metaAppSecret: SECRET, metaVerifyToken: 'bench' }, {});
  const services = createServices(config);
  const now = new Date().toISOString();
  const client = await services.store.clients.create({ client_id: 'bench-dm', name: 'Bench DM', created_at: now });
  await services.store.policies.put({
    client_id: client.client_id, created_by: 'bench', autonomy: 'manual', allowed_actions: { instagram: ['dm_send'] },
    dm: { links: { book_link: 'https://book.example.com/b', course_link: 'https://learn.example.com/c', video_link: 'https://video.example.com/v', price_link: 'https://learn.example.com/p', support_email: 'help@example.com' } },
  });
  const ig = '17841400000999001';
  await services.store.accounts.create({
    platform_account_id: 'bench-dm-ig', client_id: client.client_id, platform: 'instagram',
    fingerprint: { platform_user_id: ig, handle: 'bench.dm', display_name: 'Bench', extra: {} }, timezone: 'Europe/Madrid',
    state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
  });
  const dm = createDmService({ store: services.store, dataDir: config.dataDir });
  const api = await startApi({ services, port: 0, dm });
  const bare = express();
  bare.post('/webhooks/meta', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
    if (!verifyMetaSignature(req.body as Buffer, req.get('x-hub-signature-256'), SECRET)) return res.status(401).end();
    res.status(200).json({ ok: true });
  });
  const bareServer = await new Promise<import('node:http').Server>((resolve) => { const s = bare.listen(0, '127.0.0.1', () => resolve(s)); });
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/webhooks/meta`;
  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  try {
    const url = `${api.url}/webhooks/meta`;
    const oneFull = async (i: number) => {
      const t0 = performance.now();
      await send(url, dispatcher, body(ig, i));
      await dm.idle();
      return performance.now() - t0;
    };
    const oneBare = async (i: number) => {
      const t0 = performance.now();
      await send(bareUrl, dispatcher, body(ig, i));
      return performance.now() - t0;
    };
    for (let i = 0; i < WARMUP; i++) {
      await oneFull(i);
      await oneBare(i);
    }
    const full: number[] = [];
    const bareTimes: number[] = [];
    let fullTotal = 0;
    let bareTotal = 0;
    // Interleaved in blocks of 10 so the host's drift hits both alike.
    for (let block = 0; block < EVENTS / 10; block++) {
      let t = performance.now();
      for (let i = 0; i < 10; i++) full.push(await oneFull(WARMUP + block * 10 + i));
      fullTotal += performance.now() - t;
      t = performance.now();
      for (let i = 0; i < 10; i++) bareTimes.push(await oneBare(WARMUP + block * 10 + i));
      bareTotal += performance.now() - t;
    }
    const decided = await services.store.dmDecisions.queue({ limit: 10_000 });
    if (decided.length !== WARMUP + EVENTS) throw new Error(`expected ${WARMUP + EVENTS} decisions, found ${decided.length}`);
    if (!decided.every((d) => existsSync(join(config.dataDir, d.bundle_ref, 'signature_ed25519.txt')))) throw new Error('a decision without its signed bundle');
    full.sort((a, b) => a - b);
    bareTimes.sort((a, b) => a - b);
    const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
    const eventsPerS = (EVENTS * 1000) / fullTotal;
    const bareEventsPerS = (EVENTS * 1000) / bareTotal;
    return {
      name: 'dm',
      figures: {
        events_per_s: round(eventsPerS),
        p50_ms: round(percentile(full, 0.5), 2),
        p99_ms: round(percentile(full, 0.99), 2),
        bare_events_per_s: round(bareEventsPerS),
        ratio: round(eventsPerS / bareEventsPerS, 3),
      },
      notes: [
        `${EVENTS} signed webhooks (after ${WARMUP} warm-up), one at a time, each timed from the POST to its bundles written and its decision in the queue (the pipeline runs after the 200: the time includes waiting for it)`,
        'bare: an Express handler that reads the raw body, checks X-Hub-Signature-256 and answers 200; same client, same bodies, interleaved in blocks of 10',
        `mix: ${TEXTS.length} texts in 4 languages, 2 of them escalated (panels of 10 and 20 seats), over 40 senders (thread context grows)`,
      ],
    };
  } finally {
    await dispatcher.close();
    await api.close();
    await new Promise((r) => bareServer.close(r));
    await dm.idle();
    await services.close();
  }
}
