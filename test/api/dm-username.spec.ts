import { test, expect } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

const SECRET = 'app-secret-username-1729';

async function inbound(h: ApiHarness, sender: string, mid: string, text: string) {
  const ig = h.a.accounts.find((a) => a.platform === 'instagram')!.fingerprint.platform_user_id;
  const body = JSON.stringify({ object: 'instagram', entry: [{ id: ig, time: Date.now(), messaging: [{ sender: { id: sender }, recipient: { id: ig }, timestamp: Date.now(), message: { mid, text } }] }] });
  const res = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` } });
  expect(res.status).toBe(200);
  await h.dm.idle();
  return (await h.services.store.dmDecisions.queue({ client_ids: [h.a.client_id], limit: 50 })).find((d) => d.mid === mid)!;
}

test.describe('a DM sender\'s username (User Profile API) for "open IG thread" and the browser lane', () => {
  let h: ApiHarness;
  let reads: string[];
  test.beforeEach(async () => {
    reads = [];
    const names: Record<string, string> = { '9001': 'ana.reads', '9002': 'evil/../x?y=1', '9003': '' };
    h = await startApiHarness({
      config: { metaAppSecret: SECRET, metaVerifyToken: 'v' },
      readUsername: async (_account, sender) => {
        reads.push(sender);
        if (sender === '9004') throw new Error('(#4) Application request limit reached');
        return names[sender] ?? null;
      },
    });
  });
  test.afterEach(async () => h.close());

  test('should keep a valid username once per thread, refuse what no username can be, and never hold a decision up on a failed read', async () => {
    const first = await inbound(h, '9001', 'm_u1', 'hi! link to the course?');
    expect(first.sender_username).toBe('ana.reads');
    expect((await inbound(h, '9001', 'm_u2', 'thanks!!')).sender_username).toBe('ana.reads');
    expect(reads.filter((r) => r === '9001')).toHaveLength(1);
    // Whatever the platform says goes into a link only if it is what a username can be.
    expect((await inbound(h, '9002', 'm_u3', 'hola')).sender_username).toBeNull();
    expect((await inbound(h, '9003', 'm_u4', 'hola')).sender_username).toBeNull();
    expect((await inbound(h, '9004', 'm_u5', 'hello?')).sender_username).toBeNull();
  });

  test('should send the browser lane\'s reply to the username when it is known', async () => {
    const d = await inbound(h, '9001', 'm_u6', 'hi! link to the course?');
    // The harness's accounts have no API token: the reply goes out on the browser lane, by username.
    const { action } = await h.dm.approve(d.trace_id, 'reviewer@agency', { text: 'Here you go: https://learn.example.com' });
    expect(action).toMatchObject({ lane: 'browser', payload: { recipient: '@ana.reads' } });
    // Without a username the browser lane sends nothing: a number there is a web thread id, maybe
    // someone else's. The draft stays in the queue (and the console links to the inbox).
    const other = await inbound(h, '9003', 'm_u7', 'hola');
    await expect(h.dm.approve(other.trace_id, 'reviewer@agency', { text: 'Hola!' })).rejects.toThrow(/lane: the browser lane sends to a username/);
    expect(await h.services.store.dmDecisions.get(other.trace_id)).toMatchObject({ review_state: 'pending', action_id: null });
    expect((await h.services.store.actions.list({ client_id: h.a.client_id, limit: 50 })).filter((a) => a.action_type === 'dm_send')).toHaveLength(1);
  });
});
