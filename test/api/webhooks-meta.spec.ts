import { test, expect } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDmService, privateDir, verifyBundle } from '../../dm/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

const SECRET = 'app-secret-for-tests-3141';
const VERIFY = 'verify-token-2718';
const CANARY = 'CANARY-dm-7789';

/** Meta's bytes: non-ASCII as \uXXXX (lowercase hex), "/" as "\/" — written here independently of the sandbox. */
function metaBytes(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

function dmBody(igUserId: string, events: { sender: string; mid: string; text?: string; echo?: boolean; ts?: number }[]): unknown {
  return {
    object: 'instagram',
    entry: [{
      id: igUserId, time: Date.now(),
      messaging: events.map((e) => ({
        sender: { id: e.echo ? igUserId : e.sender }, recipient: { id: e.echo ? e.sender : igUserId }, timestamp: e.ts ?? Date.now(),
        message: { mid: e.mid, ...(e.text !== undefined ? { text: e.text } : {}), ...(e.echo ? { is_echo: true } : {}) },
      })),
    }],
  };
}

async function post(h: ApiHarness, body: string, signature: string | null = sign(body)) {
  return fetch(`${h.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) }, body });
}

const igOf = (h: ApiHarness) => h.a.accounts.find((a) => a.platform === 'instagram')!;

test.describe('/webhooks/meta (spec 003 §1)', () => {
  let h: ApiHarness;
  test.beforeEach(async () => {
    h = await startApiHarness({ config: { metaAppSecret: SECRET, metaVerifyToken: VERIFY }, igApiTokens: true });
  });
  test.afterEach(async () => h.close());

  test('should answer the subscription handshake only with the verify token', async () => {
    const ok = await fetch(`${h.url}/webhooks/meta?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await fetch(`${h.url}/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);
  });

  test('should refuse a bad or missing signature with 401 and store nothing', async () => {
    const body = metaBytes(dmBody(igOf(h).fingerprint.platform_user_id, [{ sender: '901', mid: 'm_bad', text: 'hola' }]));
    expect((await post(h, body, sign(body, 'another-secret'))).status).toBe(401);
    expect((await post(h, body, null)).status).toBe(401);
    expect((await post(h, body, 'sha256=zz')).status).toBe(401);
    await h.dm.idle();
    expect(await h.services.store.dmInbox.pending(10, 5, new Date())).toEqual([]);
    expect(await h.services.store.dmEvents.byDedupeKey('message:m_bad')).toBeNull();
  });

  test('should check the raw bytes: a body signed as Meta sends it passes, a re-serialised signature does not', async () => {
    const payload = dmBody(igOf(h).fingerprint.platform_user_id, [{ sender: '902', mid: 'm_utf8', text: 'Hola! ¿cuánto cuesta? 😊 https://x.y/z' }]);
    const raw = metaBytes(payload);
    expect(raw).toContain('\\u00bf');
    expect(raw).toContain('\\/');
    // A receiver that re-serialises would compute this digest: it is not what Meta signs.
    expect((await post(h, raw, sign(JSON.stringify(JSON.parse(raw))))).status).toBe(401);
    const res = await post(h, raw);
    expect(res.status).toBe(200);
    await h.dm.idle();
    const event = await h.services.store.dmEvents.byDedupeKey('message:m_utf8');
    expect(event).toMatchObject({ kind: 'message', sender_id: '902', platform_account_id: igOf(h).platform_account_id });
  });

  test('should dedupe replays by mid, record echoes, reads and reactions without triaging them, and ignore other accounts', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    const body = metaBytes(dmBody(ig, [{ sender: '903', mid: 'm_once', text: 'how much is the programme?' }, { sender: '903', mid: 'm_echo', text: 'Hi!', echo: true }]));
    for (let i = 0; i < 3; i++) expect((await post(h, body)).status).toBe(200);
    const extra = metaBytes({
      object: 'instagram',
      entry: [{ id: ig, time: Date.now(), messaging: [
        { sender: { id: '903' }, recipient: { id: ig }, timestamp: Date.now(), read: { mid: 'm_echo' } },
        { sender: { id: '903' }, recipient: { id: ig }, timestamp: Date.now(), reaction: { mid: 'm_echo', action: 'react', reaction: 'love', emoji: '❤️' } },
      ] }, { id: '17849999999999999', time: Date.now(), messaging: [{ sender: { id: '904' }, recipient: { id: '17849999999999999' }, timestamp: Date.now(), message: { mid: 'm_foreign', text: 'i want to kill myself' } }] }],
    });
    expect((await post(h, extra)).status).toBe(200);
    await h.dm.idle();
    const queue = await h.services.store.dmDecisions.queue({ states: ['pending'], limit: 50 });
    expect(queue.map((d) => d.mid)).toEqual(['m_once']);
    const { store } = h.services;
    expect((await store.dmEvents.byDedupeKey('echo:m_echo'))?.kind).toBe('echo');
    expect((await store.dmEvents.byDedupeKey('read:m_echo:903'))?.kind).toBe('read');
    expect((await store.dmEvents.byDedupeKey('message:m_foreign'))).toMatchObject({ platform_account_id: null, client_id: null });
  });

  test('should put an urgent DM at the top of the queue within one second of the webhook', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    expect((await post(h, metaBytes(dmBody(ig, [{ sender: '905', mid: 'm_n1', text: 'hola, cuanto cuesta la sesion?' }, { sender: '906', mid: 'm_n2', text: 'link pls' }])))).status).toBe(200);
    await h.dm.idle();
    const sent = performance.now();
    expect((await post(h, metaBytes(dmBody(ig, [{ sender: '907', mid: 'm_urgent', text: 'ya no quiero vivir, esta noche lo hago' }])))).status).toBe(200);
    let first;
    while (performance.now() - sent < 5000) {
      [first] = await h.services.store.dmDecisions.queue({ states: ['pending'], limit: 10 });
      if (first?.mid === 'm_urgent') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const elapsed = performance.now() - sent;
    expect(first).toMatchObject({ mid: 'm_urgent', tier: 'urgent', escalated: true, reason_codes: ['self_harm_signal'] });
    expect(elapsed).toBeLessThan(1000);
  });

  test('should lose nothing when the process dies after the 200: the next one processes the inbox', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    // A service that receives but never processes: the crash between the 200 and the work.
    const crashed = createDmService({ store: h.services.store, dataDir: h.dir });
    await crashed.receive(Buffer.from(metaBytes(dmBody(ig, [{ sender: '908', mid: 'm_crash', text: 'can you send me the link to the course' }]))));
    expect(await h.services.store.dmEvents.byDedupeKey('message:m_crash')).toBeNull();
    const restarted = createDmService({ store: h.services.store, dataDir: h.dir });
    const report = await restarted.processPending();
    expect(report).toMatchObject({ deliveries: 1, events: 1, decisions: 1 });
    expect(await restarted.processPending()).toMatchObject({ deliveries: 0, decisions: 0 });
  });

  test('should keep the DM text out of logs, the store and public bundles; private files 0600', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    expect((await post(h, metaBytes(dmBody(ig, [{ sender: '909', mid: 'm_canary', text: `hola ${CANARY} cuanto cuesta?` }])))).status).toBe(200);
    await h.dm.idle();
    const [decision] = await h.services.store.dmDecisions.queue({ states: ['pending'], limit: 5 });
    expect(decision).toBeTruthy();
    expect(h.logLines.join('\n')).not.toContain(CANARY);
    const publicDir = join(h.dir, decision!.bundle_ref);
    expect(verifyBundle(publicDir).ok).toBe(true);
    for (const f of readdirSync(publicDir)) expect(readFileSync(join(publicDir, f), 'utf8')).not.toContain(CANARY);
    expect(readFileSync(join(h.dir, 'raize.db')).includes(CANARY)).toBe(false);
    const root = privateDir(h.dir);
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    const files = walk(root);
    expect(files.some((f) => readFileSync(f, 'utf8').includes(CANARY))).toBe(true);
    for (const f of files) expect(statSync(f).mode & 0o777, f).toBe(0o600);
  });

  test('should withdraw a pending draft when the sender unsends the message', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    await post(h, metaBytes(dmBody(ig, [{ sender: '910', mid: 'm_gone', text: 'how much is it?' }])));
    await h.dm.idle();
    await post(h, metaBytes({ object: 'instagram', entry: [{ id: ig, time: Date.now(), messaging: [{ sender: { id: '910' }, recipient: { id: ig }, timestamp: Date.now(), message: { mid: 'm_gone', is_deleted: true } }] }] }));
    await h.dm.idle();
    const event = await h.services.store.dmEvents.byDedupeKey('message:m_gone');
    expect((await h.services.store.dmDecisions.forEvent(event!.event_id))?.review_state).toBe('rejected');
  });

  test('should act for nobody when two tenants claim the same Instagram account', async () => {
    const ig = igOf(h);
    const now = new Date().toISOString();
    await h.services.store.accounts.create({ ...ig, platform_account_id: `${h.b.client_id}-dup-ig`, client_id: h.b.client_id, created_at: now, updated_at: now });
    expect((await post(h, metaBytes(dmBody(ig.fingerprint.platform_user_id, [{ sender: '913', mid: 'm_ambiguous', text: 'how much?' }])))).status).toBe(200);
    await h.dm.idle();
    expect(await h.services.store.dmEvents.byDedupeKey('message:m_ambiguous')).toMatchObject({ platform_account_id: null, client_id: null });
    expect(await h.services.store.dmDecisions.queue({ limit: 5 })).toEqual([]);
  });

  test('should withdraw the draft when the unsend arrives before its message (out of order)', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    const unsend = metaBytes({ object: 'instagram', entry: [{ id: ig, time: Date.now(), messaging: [{ sender: { id: '912' }, recipient: { id: ig }, timestamp: Date.now(), message: { mid: 'm_late', is_deleted: true } }] }] });
    expect((await post(h, unsend)).status).toBe(200);
    await h.dm.idle();
    expect((await post(h, metaBytes(dmBody(ig, [{ sender: '912', mid: 'm_late', text: 'how much is it?', ts: Date.now() - 5000 }])))).status).toBe(200);
    await h.dm.idle();
    const event = await h.services.store.dmEvents.byDedupeKey('message:m_late');
    expect((await h.services.store.dmDecisions.forEvent(event!.event_id))).toMatchObject({ review_state: 'rejected', reviewed_by: 'system:unsent' });
    expect(await h.services.store.dmDecisions.queue({ states: ['pending'], limit: 5 })).toEqual([]);
  });

  test('should keep the text of a signed body that is not JSON out of the logs and the store', async () => {
    const body = `{"object":"instagram","entry":[ ${CANARY} hola`;
    expect((await post(h, body)).status).toBe(200);
    await h.dm.idle();
    expect(h.logLines.join('\n')).not.toContain(CANARY);
    expect(readFileSync(join(h.dir, 'raize.db')).includes(CANARY)).toBe(false);
  });

  test('two reviewers approving at once should queue one dm_send', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    await post(h, metaBytes(dmBody(ig, [{ sender: '914', mid: 'm_race', text: 'hola, cuanto cuesta?' }])));
    await h.dm.idle();
    const [d] = await h.services.store.dmDecisions.queue({ states: ['pending'], limit: 5 });
    const results = await Promise.allSettled([h.dm.approve(d!.trace_id, 'ann', { text: 'Hola! Precios aquí.' }), h.dm.approve(d!.trace_id, 'bob', { text: 'Buenas! Te paso precios.' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await h.services.store.actions.list({ client_id: h.a.client_id, limit: 50 })).filter((a) => a.action_type === 'dm_send')).toHaveLength(1);
  });

  test('approve should create one dm_send action keyed on the mid; a second approval is refused', async () => {
    const ig = igOf(h).fingerprint.platform_user_id;
    await post(h, metaBytes(dmBody(ig, [{ sender: '911', mid: 'm_reply', text: 'hola, cuanto cuesta?' }])));
    await h.dm.idle();
    const [d] = await h.services.store.dmDecisions.queue({ states: ['pending'], limit: 5 });
    const { action, decision } = await h.dm.approve(d!.trace_id, 'reviewer@agency', { text: 'Hola! Aquí están los precios.' });
    expect(action).toMatchObject({ action_type: 'dm_send', platform_account_id: igOf(h).platform_account_id, payload: { recipient: '911', text: 'Hola! Aquí están los precios.' } });
    expect(decision).toMatchObject({ review_state: 'approved', reviewed_by: 'reviewer@agency', action_id: action.action_id });
    expect(decision.edit_distance).toBeGreaterThan(0);
    await expect(h.dm.approve(d!.trace_id, 'other@agency')).rejects.toThrow(/approved already/);
    expect((await h.services.store.actions.list({ client_id: h.a.client_id, limit: 50 })).filter((a) => a.action_type === 'dm_send')).toHaveLength(1);
  });
});
