import { expect, test } from '@playwright/test';
import { runAction } from '../../safety/index.js';
import type { PolicyInput } from '../../store/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';
import { FakePlatform } from '../helpers/fake-platform.js';

let h: ApiHarness;
let platform: FakePlatform;
test.beforeEach(async () => {
  h = await startApiHarness();
  platform = new FakePlatform();
  for (const p of ['instagram', 'x'] as const) h.services.performers.register('api', p, platform);
});
test.afterEach(async () => { await h.close(); });

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const ALL = ['publish', 'dm_send', 'comment_reply', 'like', 'follow', 'edit', 'delete'] as const;

async function setPolicy(clientId: string, policy: Partial<PolicyInput>): Promise<void> {
  await h.services.store.policies.put({ client_id: clientId, created_by: 'ops@agency', autonomy: 'auto', allowed_actions: { instagram: [...ALL], x: [...ALL] }, ...policy });
}

async function submit(token: string, account: string, extra: Record<string, unknown> = {}): Promise<{ action_id: string; due_at: string | null; [k: string]: unknown }> {
  const res = await h.call('POST', '/api/v1/actions', {
    token, body: { platform_account_id: account, lane: 'api', action_type: 'publish', payload: { caption: `Spring launch ${Math.random()}` }, ...extra },
  });
  expect(res.status).toBe(201);
  return res.body;
}

const ids = (res: { body: { items: { action_id: string }[] } }) => res.body.items.map((a) => a.action_id);

test.describe('approvals API: the queue and the two-person rule (§4.4)', () => {
  test('should queue an action of a manual client, approve it as a second user with who and when, and run it once due', async () => {
    await setPolicy(h.a.client_id, { autonomy: 'manual' });
    const author = await h.token('operator', h.a.client_id, 'ana-operator');
    const reviewer = await h.token('reviewer', h.a.client_id, 'rui-reviewer');
    const ig = h.a.accounts[0]!.platform_account_id;
    const a = await submit(author, ig, { due_at: inMs(3000) });
    expect(a.approval).toEqual({ status: 'pending', why: 'client autonomy is manual', expires_at: a.due_at, approvals: [] });

    const queue = await h.call('GET', '/api/v1/approvals', { token: reviewer });
    expect(queue.status).toBe(200);
    expect(ids(queue)).toEqual([a.action_id]);
    expect(queue.body.items[0].approval).toMatchObject({ status: 'pending', expires_at: a.due_at });

    const before = Date.now();
    const approved = await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: reviewer });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ status: 'approved', approvals: [{ by: 'rui-reviewer' }] });
    expect(Date.parse(approved.body.approval.approvals[0].at)).toBeGreaterThanOrEqual(before - 1000);
    expect(approved.body.reason).toBe('approved by rui-reviewer');
    expect(ids(await h.call('GET', '/api/v1/approvals', { token: reviewer }))).toEqual([]);
    // A second approval by the same reviewer is harmless: still one record.
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: reviewer })).body.approval.approvals).toHaveLength(1);

    expect(platform.calls.attempt).toBe(0);
    await new Promise((r) => setTimeout(r, Date.parse(a.due_at!) - Date.now() + 50));
    expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
    expect(platform.effectsFor(ig)).toHaveLength(1);
  });

  test('should void an approval when the author edits the content afterwards: the new content needs its own approval', async () => {
    await setPolicy(h.a.client_id, { autonomy: 'manual' });
    const author = await h.token('operator', h.a.client_id, 'ana-operator');
    const reviewer = await h.token('reviewer', h.a.client_id, 'rui-reviewer');
    const ig = h.a.accounts[0]!.platform_account_id;
    const a = await submit(author, ig, { due_at: inMs(60_000) });
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: reviewer })).body.approval.status).toBe('approved');
    // The author swaps the approved caption for another one.
    const edited = await h.call('PATCH', `/api/v1/actions/${a.action_id}`, { token: author, body: { payload: { caption: 'Not what the reviewer saw' } } });
    expect(edited.status).toBe(200);
    expect(edited.body.approval).toMatchObject({ status: 'pending', approvals: [] });
    // The kernel agrees: it would not run it (no approval of this content), and nothing reaches the platform.
    await h.call('PATCH', `/api/v1/actions/${a.action_id}`, { token: author, body: { due_at: null } });
    const outcome = await runAction(h.services.kernel, a.action_id);
    expect(outcome.status).toBe('deferred');
    expect(outcome.reason).toMatch(/^awaiting_approval/);
    expect(platform.calls.attempt).toBe(0);
    // The reviewer approves the new content: now it runs, once.
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: reviewer })).body.approval.status).toBe('approved');
    expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
    expect(platform.effects).toHaveLength(1);
  });

  test('should refuse the author, whatever the role, with nothing recorded, and let only approving roles approve', async () => {
    await setPolicy(h.a.client_id, { autonomy: 'manual' });
    const ig = h.a.accounts[0]!.platform_account_id;
    const admin = await h.token('admin', null, 'ada-admin');
    const a = await submit(admin, ig, { due_at: inMs(3_600_000) });
    const self = await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: admin });
    expect(self.status).toBe(403);
    expect(self.body.error).toBe('self_approval');
    // Another token with the same name is the same person.
    const sameName = await h.token('reviewer', null, 'ada-admin');
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: sameName })).status).toBe(403);
    const viewer = await h.token('client_viewer', h.a.client_id);
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: viewer })).status).toBe(403);
    expect(await h.services.store.actions.approvals(a.action_id)).toEqual([]);
    expect((await h.services.store.audit.forAction(a.action_id)).map((r) => r.event.reason)).toEqual(['submitted']);
    // The queue is readable by the client's viewer.
    expect(ids(await h.call('GET', '/api/v1/approvals', { token: viewer }))).toEqual([a.action_id]);
    const operator = await h.token('operator', h.a.client_id);
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: operator })).status).toBe(200);
  });

  test('should queue high-risk actions of an auto client only, and leave the rest out', async () => {
    await setPolicy(h.a.client_id, { high_risk_actions: ['dm_send'] });
    const operator = await h.token('operator', h.a.client_id);
    const ig = h.a.accounts[0]!.platform_account_id;
    const dm = await submit(operator, ig, { action_type: 'dm_send', payload: { recipient: 'user-1', text: 'hello' } });
    await submit(operator, ig);
    const flagged = await submit(operator, ig, { risk: 'high' });
    const queue = await h.call('GET', '/api/v1/approvals', { token: operator });
    expect(ids(queue)).toEqual([dm.action_id, flagged.action_id]);
    expect(queue.body.items.map((i: { approval: { why: string } }) => i.approval.why)).toEqual(['dm_send is high-risk', 'publish is high-risk']);
    // Unscheduled: waiting, never expiring.
    expect(queue.body.items[0].approval.expires_at).toBeNull();
    const one = await h.call('GET', '/api/v1/approvals?limit=1', { token: operator });
    expect(ids(one)).toEqual([dm.action_id]);
    const two = await h.call('GET', `/api/v1/approvals?limit=1&cursor=${one.body.next_cursor}`, { token: operator });
    expect(ids(two)).toEqual([flagged.action_id]);
    expect(two.body.next_cursor).toBeNull();
  });

  test('should list an action past due without its approval as expired and refuse a late approval, before and after the gate blocks it', async () => {
    await setPolicy(h.a.client_id, { autonomy: 'manual' });
    const operator = await h.token('operator', h.a.client_id);
    const reviewer = await h.token('reviewer', h.a.client_id);
    const ig = h.a.accounts[0]!.platform_account_id;
    const a = await submit(operator, ig, { due_at: inMs(1000) });
    const waiting = await submit(operator, ig, { due_at: inMs(3_600_000) });
    await new Promise((r) => setTimeout(r, 1100));
    expect(ids(await h.call('GET', '/api/v1/approvals', { token: reviewer }))).toEqual([waiting.action_id]);
    expect(ids(await h.call('GET', '/api/v1/approvals?status=expired', { token: reviewer }))).toEqual([a.action_id]);
    const late = await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: reviewer });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: 'approval_expired', state: 'queued' });
    expect(await h.services.store.actions.approvals(a.action_id)).toEqual([]);
    const blocked = await runAction(h.services.kernel, a.action_id);
    expect(blocked.action.result.error_code).toBe('approval_expired');
    const expired = await h.call('GET', '/api/v1/approvals?status=expired', { token: reviewer });
    expect(ids(expired)).toEqual([a.action_id]);
    expect(expired.body.items[0]).toMatchObject({ state: 'blocked', approval: { status: 'expired' } });
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/approve`, { token: reviewer })).body).toMatchObject({ error: 'approval_expired', state: 'blocked' });
    expect(platform.calls.attempt + platform.calls.identity).toBe(0);
    // A cancelled one is neither pending nor expired.
    await h.call('POST', `/api/v1/actions/${waiting.action_id}/cancel`, { token: operator, body: { reason: 'dropped' } });
    expect(ids(await h.call('GET', '/api/v1/approvals', { token: reviewer }))).toEqual([]);
    expect((await h.call('POST', `/api/v1/actions/${waiting.action_id}/approve`, { token: reviewer })).body).toMatchObject({ error: 'not_queued', state: 'blocked' });
  });

  test("should keep the queue and approvals to the caller's tenant: another client's actions are 404 and never listed", async () => {
    await setPolicy(h.a.client_id, { autonomy: 'manual' });
    await setPolicy(h.b.client_id, { autonomy: 'manual' });
    const mine = await submit(h.admin, h.a.accounts[0]!.platform_account_id);
    const theirs = await submit(h.admin, h.b.accounts[1]!.platform_account_id);
    const reviewer = await h.token('reviewer', h.a.client_id);
    expect(ids(await h.call('GET', '/api/v1/approvals', { token: reviewer }))).toEqual([mine.action_id]);
    expect(ids(await h.call('GET', '/api/v1/approvals?status=expired', { token: reviewer }))).toEqual([]);
    expect((await h.call('GET', `/api/v1/approvals?client_id=${h.b.client_id}`, { token: reviewer })).status).toBe(404);
    expect(ids(await h.call('GET', `/api/v1/approvals?platform_account_id=${h.b.accounts[1]!.platform_account_id}`, { token: reviewer }))).toEqual([]);
    const other = await h.call('POST', `/api/v1/actions/${theirs.action_id}/approve`, { token: reviewer });
    expect(other.status).toBe(404);
    expect(other.body.message).toBe(`no action ${theirs.action_id}`);
    expect(await h.services.store.actions.approvals(theirs.action_id)).toEqual([]);
    const all = await h.call('GET', '/api/v1/approvals', { token: await h.token('reviewer') });
    expect(ids(all).sort()).toEqual([mine.action_id, theirs.action_id].sort());
    expect(ids(await h.call('GET', `/api/v1/approvals?client_id=${h.b.client_id}`, { token: h.admin }))).toEqual([theirs.action_id]);
  });

  test('should refuse bad queue queries naming the field', async () => {
    for (const [query, field] of [['status=approved', 'query.status'], ['limit=-1', 'query.limit'], ['cursor=%%%', 'query.cursor'], ['state=queued', 'query']] as const) {
      const res = await h.call('GET', `/api/v1/approvals?${query}`, { token: h.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.field ?? '').toContain(field);
    }
    expect((await h.call('GET', '/api/v1/approvals')).status).toBe(401);
    expect((await h.call('POST', '/api/v1/actions/nope/approve', { token: h.admin })).status).toBe(404);
  });
});
