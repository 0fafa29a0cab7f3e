import { test, expect } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { AUTO_SEND_AUTHOR } from '../../store/index.js';
import { checkKillSwitches, runAction } from '../../safety/index.js';
import type { DmDecisionRow } from '../../store/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

const SECRET = 'app-secret-auto-send-5772';
const BOOK = 'Hi! can I book a session for next week?';

function messageBody(igUserId: string, sender: string, mid: string, text: string): string {
  return JSON.stringify({
    object: 'instagram',
    entry: [{ id: igUserId, time: Date.now(), messaging: [{ sender: { id: sender }, recipient: { id: igUserId }, timestamp: Date.now(), message: { mid, text } }] }],
  }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let seq = 0;
/** One signed DM through the webhook; returns its decision once processed. */
async function dm(h: ApiHarness, text: string): Promise<DmDecisionRow> {
  const ig = h.a.accounts.find((a) => a.platform === 'instagram')!;
  const mid = `m_auto_${++seq}_${Date.now()}`;
  const body = messageBody(ig.fingerprint.platform_user_id, String(7000 + seq), mid, text);
  const res = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` }, body });
  expect(res.status).toBe(200);
  await h.dm.idle();
  const [decision] = (await h.services.store.dmDecisions.queue({ client_ids: [h.a.client_id], limit: 500 })).filter((d) => d.mid === mid);
  expect(decision).toBeDefined();
  return (await h.services.store.dmDecisions.get(decision!.trace_id))!;
}

async function setPolicy(h: ApiHarness, dmPolicy: Record<string, unknown>) {
  await h.services.store.policies.put({
    client_id: h.a.client_id, created_by: 'ops@agency', autonomy: 'auto',
    allowed_actions: { instagram: ['publish', 'dm_send', 'comment_reply'], x: ['publish'] },
    dm: { links: { book_link: 'https://book.example.com/studio' }, ...dmPolicy },
  });
}

const AUTO = { rollout: 'auto_send', auto_send: { enabled: true, intents: ['book'], min_reviewed: 5, min_unedited_share: 0.9 } };

/** `n` book drafts reviewed by a person: approved as drafted, the last `edited` of them changed first. */
async function review(h: ApiHarness, n: number, edited = 0) {
  for (let i = 0; i < n; i++) {
    const d = await dm(h, BOOK);
    expect(d.review_state).toBe('pending');
    const text = i >= n - edited ? `${h.dm.draftText(d)} See you soon!` : undefined;
    await h.dm.approve(d.trace_id, 'reviewer@agency', text ? { text } : {});
  }
}

const dmSends = async (h: ApiHarness) => (await h.services.store.actions.list({ client_id: h.a.client_id, limit: 500 })).filter((a) => a.action_type === 'dm_send');

test.describe('DM auto-send for low-risk intents (spec 003 §7 last step), behind its own kill switch', () => {
  let h: ApiHarness;
  test.beforeEach(async () => {
    h = await startApiHarness({ config: { metaAppSecret: SECRET, metaVerifyToken: 'v' }, igApiTokens: true });
  });
  test.afterEach(async () => h.close());

  test('should auto-send only once people approved enough of the intent\'s drafts unedited, through the kernel, keyed on the mid', async () => {
    await setPolicy(h, AUTO);
    await review(h, 4);
    const early = await dm(h, BOOK);
    expect(early.review_state).toBe('pending');
    await h.dm.approve(early.trace_id, 'reviewer@agency');
    const sent = await dm(h, BOOK);
    expect(sent).toMatchObject({ review_state: 'approved', reviewed_by: AUTO_SEND_AUTHOR, edit_distance: 0 });
    const action = (await dmSends(h)).find((a) => a.action_id === sent.action_id)!;
    expect(action).toMatchObject({ created_by: AUTO_SEND_AUTHOR, payload: { recipient: sent.sender_id, text: expect.stringContaining('https://book.example.com/studio') } });
    // The draft is claimed: a reviewer's approval afterwards cannot queue a second send.
    await expect(h.dm.approve(sent.trace_id, 'reviewer@agency')).rejects.toThrow(/approved already/);
    expect(await dmSends(h)).toHaveLength(6);
    // Its own review does not count as a person's.
    expect((await h.services.store.dmDecisions.humanReviews(h.a.client_id, 'book', 50)).map((r) => r.trace_id)).not.toContain(sent.trace_id);
  });

  test('should not auto-send when reviewers edit the drafts too often, for intents not enabled, for escalations, or outside the auto_send phase', async () => {
    await setPolicy(h, AUTO);
    await review(h, 5, 2);
    expect((await dm(h, BOOK)).review_state).toBe('pending');
    // Enough unedited reviews now (the last five), but the intent or the risk says no.
    await review(h, 5);
    expect((await dm(h, 'how much does a session cost?')).review_state).toBe('pending');
    const urgent = await dm(h, 'I want to book a session but honestly I want to kill myself');
    expect(urgent).toMatchObject({ review_state: 'pending', escalated: true });
    await setPolicy(h, { ...AUTO, rollout: 'comparison' });
    expect((await dm(h, BOOK)).review_state).toBe('pending');
    await setPolicy(h, AUTO);
    expect((await dm(h, BOOK)).reviewed_by).toBe(AUTO_SEND_AUTHOR);
  });

  test('should hold auto-sends while a dm_auto_send switch covers the client (its own or every client\'s), and leave other sends alone', async () => {
    await setPolicy(h, AUTO);
    await review(h, 5);
    const operator = await h.token('operator', null, 'ops');
    const engaged = await h.call('PUT', `/api/v1/kill-switches/dm-auto-send/${h.a.client_id}`, { token: operator, body: { engaged: true, reason: 'tone review this week' } });
    expect(engaged.status).toBe(200);
    expect(engaged.body).toMatchObject({ scope: 'dm_auto_send', scope_id: h.a.client_id, engaged: true });
    const held = await dm(h, BOOK);
    expect(held.review_state).toBe('pending');
    // The switch stops only automatic sends: a reviewer's approval still goes out through the kernel.
    const { action } = await h.dm.approve(held.trace_id, 'reviewer@agency');
    expect(action.created_by).toBe('reviewer@agency');
    expect((await h.call('PUT', `/api/v1/kill-switches/dm-auto-send/${h.a.client_id}`, { token: operator, body: { engaged: false } })).status).toBe(200);
    expect((await dm(h, BOOK)).reviewed_by).toBe(AUTO_SEND_AUTHOR);

    expect((await h.call('PUT', '/api/v1/kill-switches/dm-auto-send', { token: operator, body: { engaged: true, reason: 'all clients: new templates' } })).status).toBe(200);
    expect((await dm(h, BOOK)).review_state).toBe('pending');
    const history = await h.call('GET', `/api/v1/kill-switches/history?scope=dm_auto_send`, { token: await h.token('reviewer', h.a.client_id) });
    expect(history.body.items.map((c: { scope_id: string; engaged: boolean }) => `${c.scope_id}:${c.engaged}`)).toEqual(['*:true', `${h.a.client_id}:false`, `${h.a.client_id}:true`]);
  });

  test('should keep the auto-send switches to their tenants: a client-scoped caller cannot set every client\'s, and another client\'s is not found', async () => {
    const scoped = await h.token('operator', h.a.client_id);
    const all = await h.call('PUT', '/api/v1/kill-switches/dm-auto-send', { token: scoped, body: { engaged: true, reason: 'x' } });
    expect(all.status).toBe(403);
    const other = await h.call('PUT', `/api/v1/kill-switches/dm-auto-send/${h.b.client_id}`, { token: scoped, body: { engaged: true, reason: 'x' } });
    expect(other.status).toBe(404);
    const noReason = await h.call('PUT', `/api/v1/kill-switches/dm-auto-send/${h.a.client_id}`, { token: scoped, body: { engaged: true } });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    const viewer = await h.token('client_viewer', h.a.client_id);
    expect((await h.call('PUT', `/api/v1/kill-switches/dm-auto-send/${h.a.client_id}`, { token: viewer, body: { engaged: true, reason: 'x' } })).status).toBe(403);
    expect(await h.services.store.killSwitches.list()).toEqual([]);
  });

  test('should stop an automatic reply already queued when its switch is engaged after it, at the kernel\'s gates, and leave reviewers\' sends alone', async () => {
    await setPolicy(h, AUTO);
    await review(h, 5);
    const auto = await dm(h, BOOK);
    expect(auto.reviewed_by).toBe(AUTO_SEND_AUTHOR);
    const store = h.services.store;
    const action = (await store.actions.get(auto.action_id!))!;
    const byPerson = (await dmSends(h)).find((a) => a.created_by === 'reviewer@agency')!;
    await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: h.a.client_id, engaged: true, reason: 'pause auto replies', set_by: 'ops' });
    // Before preflight, before the tool call and before the commit, the kernel reads the switch.
    await expect(checkKillSwitches(store, action, 'before_preflight')).rejects.toThrow(/kill switch engaged \(dm_auto_send/);
    expect((await store.actions.gate(action.action_id))!.kill).toMatchObject({ scope: 'dm_auto_send', scope_id: h.a.client_id });
    await expect(checkKillSwitches(store, byPerson, 'before_preflight')).resolves.toBeUndefined();
    expect((await store.actions.gate(byPerson.action_id))!.kill).toBeNull();
    // Every client's switch covers it too; releasing both lets it run again.
    await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: h.a.client_id, engaged: false, reason: null, set_by: 'ops' });
    await expect(checkKillSwitches(store, action, 'before_preflight')).resolves.toBeUndefined();
    await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: '*', engaged: true, reason: 'all', set_by: 'ops' });
    expect((await store.actions.gate(action.action_id))!.kill).toMatchObject({ scope: 'dm_auto_send', scope_id: '*' });
    // The farm runs it: blocked before any tool call, nothing sent; the draft is offered again.
    const outcome = await runAction(h.services.kernel, action.action_id);
    expect(outcome).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/^kill_switch: .*dm_auto_send/) });
    expect(await h.dm.reopenStopped()).toBe(1);
    expect(await h.dm.reopenStopped()).toBe(0);
    const back = (await store.dmDecisions.get(auto.trace_id))!;
    expect(back).toMatchObject({ review_state: 'pending', reviewed_by: null, action_id: null });
    // A person sends it now: a new action through the kernel, the reviewer's.
    const { action: resent } = await h.dm.approve(back.trace_id, 'reviewer@agency');
    expect(resent.action_id).not.toBe(action.action_id);
    expect(resent.created_by).toBe('reviewer@agency');
  });
});
