import { test, expect } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

const SECRET = 'app-secret-engage-1618';

function commentBody(igUserId: string, comment: { id: string; from: string; text: string; media?: string }): string {
  return JSON.stringify({
    object: 'instagram',
    entry: [{ id: igUserId, time: Math.floor(Date.now() / 1000), changes: [{ field: 'comments', value: { id: comment.id, text: comment.text, from: { id: comment.from, username: `u${comment.from}` }, media: { id: comment.media ?? '17900000000000001', media_product_type: 'FEED' } } }] }],
  }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function deliver(h: ApiHarness, body: string) {
  const res = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` }, body });
  expect(res.status).toBe(200);
  await h.dm.idle();
}

async function enableEngage(h: ApiHarness, clientId: string, enabled: boolean, options: { apiToken?: boolean } = {}) {
  // Comment webhooks come for accounts connected to the app (the harness seals their API token);
  // `apiToken: false` takes it away: a browser-lane account.
  if (options.apiToken === false) {
    for (const a of await h.services.store.accounts.list({ client_id: clientId })) await h.services.store.secrets.remove(a.platform_account_id, 'access_token');
  }
  await h.services.store.policies.put({
    client_id: clientId, created_by: 'ops@agency', autonomy: 'auto',
    allowed_actions: { instagram: ['publish', 'dm_send', 'comment_reply', 'like'], x: ['publish'] },
    dm: { engage: { enabled, rules: [{ rule_id: 'guide', keywords: ['GUIA', 'free guide'], reply_text: 'Sent you a DM! 💌', dm_text: 'Here is the guide: https://learn.example.com/guide', enabled: true }] } },
  });
}

const actionsOf = async (h: ApiHarness, clientId: string) => (await h.services.store.actions.list({ client_id: clientId, limit: 100 })).filter((a) => a.action_type === 'comment_reply' || a.action_type === 'dm_send');

test.describe('GP4 engage loop: comment keyword → reply and one private-reply DM (policy-gated)', () => {
  let h: ApiHarness;
  test.beforeEach(async () => {
    h = await startApiHarness({ config: { metaAppSecret: SECRET, metaVerifyToken: 'v' }, igApiTokens: true });
  });
  test.afterEach(async () => h.close());

  test('GP4 a keyword comment queues one reply and one private reply, even delivered twice', async () => {
    await enableEngage(h, h.a.client_id, true);
    const ig = h.a.accounts.find((a) => a.platform === 'instagram')!;
    const body = commentBody(ig.fingerprint.platform_user_id, { id: '18000000000000101', from: '5501', text: 'quiero la guía!! 🙌' });
    await deliver(h, body);
    await deliver(h, body);
    const actions = await actionsOf(h, h.a.client_id);
    expect(actions.map((a) => a.action_type).sort()).toEqual(['comment_reply', 'dm_send']);
    const dm = actions.find((a) => a.action_type === 'dm_send')!;
    expect(dm.payload).toMatchObject({ recipient: '5501', private_reply_to: '18000000000000101', text: 'Here is the guide: https://learn.example.com/guide' });
    expect(actions.find((a) => a.action_type === 'comment_reply')!.payload).toMatchObject({ comment_id: '18000000000000101', text: 'Sent you a DM! 💌' });
  });

  test('GP4 on an account without an API token (browser lane) a commenter known only by a numeric id gets the reply, never a DM to that number', async () => {
    await enableEngage(h, h.a.client_id, true, { apiToken: false });
    const ig = h.a.accounts.find((a) => a.platform === 'instagram')!;
    await deliver(h, commentBody(ig.fingerprint.platform_user_id, { id: '18000000000000301', from: '5504', text: 'free guide please' }));
    const actions = await actionsOf(h, h.a.client_id);
    // A number on the web is a thread id, not this person: the DM is skipped, the reply goes out.
    expect(actions.map((a) => [a.action_type, a.lane])).toEqual([['comment_reply', 'browser']]);
  });

  test('GP4 the same commenter gets one DM per rule per day; the account\'s own comments and non-keywords get nothing', async () => {
    await enableEngage(h, h.a.client_id, true);
    const ig = h.a.accounts.find((a) => a.platform === 'instagram')!;
    const me = ig.fingerprint.platform_user_id;
    await deliver(h, commentBody(me, { id: '18000000000000201', from: '5502', text: 'free guide please' }));
    await deliver(h, commentBody(me, { id: '18000000000000202', from: '5502', text: 'GUIA por favor' }));
    await deliver(h, commentBody(me, { id: '18000000000000203', from: me, text: 'Sent you the free guide!' }));
    await deliver(h, commentBody(me, { id: '18000000000000204', from: '5503', text: 'love this post' }));
    const actions = await actionsOf(h, h.a.client_id);
    expect(actions.filter((a) => a.action_type === 'dm_send')).toHaveLength(1);
    expect(actions.filter((a) => a.action_type === 'comment_reply').map((a) => a.payload.comment_id).sort()).toEqual(['18000000000000201', '18000000000000202']);
  });

  test('GP4 a client whose policy does not enable keyword triggers gets none', async () => {
    await enableEngage(h, h.b.client_id, false);
    const ig = h.b.accounts.find((a) => a.platform === 'instagram')!;
    await deliver(h, commentBody(ig.fingerprint.platform_user_id, { id: '18000000000000301', from: '5504', text: 'GUIA' }));
    expect(await actionsOf(h, h.b.client_id)).toEqual([]);
    expect(await h.services.store.dmEvents.byDedupeKey('comment:18000000000000301')).toMatchObject({ kind: 'comment', client_id: h.b.client_id });
  });
});
