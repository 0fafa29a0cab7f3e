import { expect, test } from '@playwright/test';
import { runAction } from '../../safety/index.js';
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
const post = (account: string, extra: Record<string, unknown> = {}) => ({
  platform_account_id: account, lane: 'api', action_type: 'publish', payload: { caption: `Autumn menu ${Math.random()}` }, ...extra,
});

test.describe('actions API: plan, create, schedule, edit, cancel (GP1)', () => {
  test('should create a scheduled post that touches nothing on the platform until it is due, then runs it once', async () => {
    const operator = await h.token('operator', h.a.client_id, 'ana-operator');
    const ig = h.a.accounts[0]!.platform_account_id;
    const created = await h.call('POST', '/api/v1/actions', { token: operator, body: post(ig, { due_at: inMs(4000) }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      state: 'queued', client_id: h.a.client_id, platform: 'instagram', platform_account_id: ig, created_by: 'ana-operator', reason: 'submitted',
      approval: { status: 'not_needed', approvals: [] },
    });
    const id = created.body.action_id as string;
    // Planning, creating and scheduling reached no platform; running it early defers it.
    expect(await runAction(h.services.kernel, id)).toMatchObject({ status: 'deferred' });
    expect(platform.calls).toEqual({ identity: 0, precheck: 0, attempt: 0, verify: 0, beforeCommit: 0 });
    expect(platform.effects).toHaveLength(0);
    const shown = await h.call('GET', `/api/v1/actions/${id}`, { token: operator });
    expect(shown.body).toMatchObject({ state: 'queued', due_at: created.body.due_at });
    expect(shown.body.reason).toMatch(/^deferred: not_due/);
    await new Promise((r) => setTimeout(r, Date.parse(created.body.due_at) - Date.now() + 50));
    expect((await runAction(h.services.kernel, id)).status).toBe('confirmed_success');
    expect(platform.effectsFor(ig)).toHaveLength(1);
    const done = await h.call('GET', `/api/v1/actions/${id}`, { token: operator });
    expect(done.body).toMatchObject({ state: 'postcheck_complete', result: { verification_level: 2 } });
    expect(done.body.result.platform_object_id).toBeTruthy();
  });

  test('should name the bad field in a 400 and create nothing', async () => {
    const ig = h.a.accounts[0]!.platform_account_id;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...post(ig), lane: undefined }, 'body.lane'],
      [{ ...post(ig), action_type: 'boost' }, 'body.action_type'],
      [{ ...post(ig), payload: { caption: '' } }, 'body.payload.caption'],
      [{ ...post(ig), payload: {} }, 'body.payload'],
      [post(ig, { due_at: 'tomorrow at ten' }), 'body.due_at'],
      [post(ig, { due_at: inMs(60_000), window_end_at: inMs(30_000) }), 'body.window_end_at'],
      [post(ig, { created_by: 'someone-else' }), 'body'],
      [post(ig, { depends_on: 'no-such-action' }), 'body.depends_on'],
      [{ ...post(ig), action_type: 'dm_send', payload: { text: 'hi' } }, 'body.payload.recipient'],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('POST', '/api/v1/actions', { token: h.admin, body });
      expect(res.status, field).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.field ?? '').toContain(field);
    }
    const form = await h.call('POST', '/api/v1/actions', { token: h.admin, body: 'caption=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    expect(await h.services.store.actions.list()).toHaveLength(0);
  });

  test("should answer another tenant's account and actions with 404, filter them out of listings, and change nothing", async () => {
    const mine = await h.token('operator', h.a.client_id);
    const theirs = (await h.call('POST', '/api/v1/actions', { token: h.admin, body: post(h.b.accounts[0]!.platform_account_id, { due_at: inMs(3_600_000) }) })).body;
    await h.call('POST', '/api/v1/actions', { token: h.admin, body: post(h.a.accounts[1]!.platform_account_id, { due_at: inMs(3_600_000) }) });

    const create = await h.call('POST', '/api/v1/actions', { token: mine, body: post(h.b.accounts[0]!.platform_account_id) });
    expect(create.status).toBe(404);
    const other = await h.call('GET', `/api/v1/actions/${theirs.action_id}`, { token: mine });
    const missing = await h.call('GET', '/api/v1/actions/no-such-action', { token: mine });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ ...missing.body, message: `no action ${theirs.action_id}`, request_id: other.body.request_id });
    expect(JSON.stringify(other.body)).not.toContain(theirs.payload.caption);
    expect((await h.call('PATCH', `/api/v1/actions/${theirs.action_id}`, { token: mine, body: { due_at: inMs(60_000) } })).status).toBe(404);
    expect((await h.call('POST', `/api/v1/actions/${theirs.action_id}/cancel`, { token: mine, body: { reason: 'mine now' } })).status).toBe(404);
    expect((await h.call('GET', `/api/v1/actions?client_id=${h.b.client_id}`, { token: mine })).status).toBe(404);
    const listed = await h.call('GET', '/api/v1/actions', { token: mine });
    expect(listed.body.items.map((a: { client_id: string }) => a.client_id)).toEqual([h.a.client_id]);
    expect((await h.call('GET', `/api/v1/actions?platform_account_id=${h.b.accounts[0]!.platform_account_id}`, { token: mine })).body.items).toEqual([]);
    expect((await h.call('GET', `/api/v1/actions?episode_id=${theirs.episode_id}`, { token: mine })).body.items).toEqual([]);
    // Another tenant's episode is no place to add an action to.
    expect((await h.call('POST', '/api/v1/actions', { token: mine, body: post(h.a.accounts[0]!.platform_account_id, { episode_id: theirs.episode_id }) })).status).toBe(404);
    expect(await h.services.store.actions.get(theirs.action_id)).toMatchObject({ state: 'queued', due_at: theirs.due_at });
    expect(await h.services.store.actions.list({ client_id: h.a.client_id })).toHaveLength(1);
  });

  test('should refuse a client_viewer and a reviewer that try to create, change or cancel, with nothing changed', async () => {
    const ig = h.a.accounts[0]!.platform_account_id;
    const queued = (await h.call('POST', '/api/v1/actions', { token: h.admin, body: post(ig, { due_at: inMs(3_600_000) }) })).body;
    for (const role of ['client_viewer', 'reviewer'] as const) {
      const token = await h.token(role, h.a.client_id);
      expect((await h.call('POST', '/api/v1/actions', { token, body: post(ig) })).status).toBe(403);
      expect((await h.call('PATCH', `/api/v1/actions/${queued.action_id}`, { token, body: { due_at: inMs(60_000) } })).status).toBe(403);
      expect((await h.call('POST', `/api/v1/actions/${queued.action_id}/cancel`, { token, body: { reason: 'no' } })).status).toBe(403);
      // Reading is theirs.
      expect((await h.call('GET', `/api/v1/actions/${queued.action_id}`, { token })).status).toBe(200);
    }
    const viewer = await h.token('client_viewer', h.a.client_id);
    expect((await h.call('POST', `/api/v1/actions/${queued.action_id}/approve`, { token: viewer })).status).toBe(403);
    expect(await h.services.store.actions.list()).toHaveLength(1);
    expect(await h.services.store.actions.get(queued.action_id)).toMatchObject({ state: 'queued', due_at: queued.due_at, payload_hash: queued.payload_hash });
    expect(await h.services.store.actions.approvals(queued.action_id)).toEqual([]);
  });

  test('should reschedule and edit a queued action before it is due, audited, and answer 409 once it left queued', async () => {
    const operator = await h.token('operator', h.a.client_id, 'ana-operator');
    const ig = h.a.accounts[0]!.platform_account_id;
    const a = (await h.call('POST', '/api/v1/actions', { token: operator, body: post(ig, { due_at: inMs(3_600_000), window_end_at: inMs(7_200_000) }) })).body;
    const due = inMs(1_800_000);
    const changed = await h.call('PATCH', `/api/v1/actions/${a.action_id}`, { token: operator, body: { due_at: due, payload: { caption: 'Winter menu' } } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ state: 'queued', due_at: new Date(due).toISOString(), window_end_at: a.window_end_at, payload: { caption: 'Winter menu' } });
    expect(changed.body.payload_hash).not.toBe(a.payload_hash);
    expect(changed.body.reason).toBe(`rescheduled and edited by ana-operator: due ${a.due_at} → ${new Date(due).toISOString()}, window end ${a.window_end_at} → ${a.window_end_at}; payload hash ${a.payload_hash} → ${changed.body.payload_hash}`);
    const stored = (await h.services.store.actions.get(a.action_id))!;
    expect(stored.idempotency_key).not.toBe((await h.services.store.audit.forAction(a.action_id))[0]!.event.idempotency_key);
    // The audit trail holds hashes, never the content.
    expect(JSON.stringify(await h.services.store.audit.forAction(a.action_id))).not.toContain('Winter menu');

    const bad: [Record<string, unknown>, string][] = [
      [{}, 'body'],
      [{ due_at: 'soon' }, 'body.due_at'],
      [{ payload: { caption: '' } }, 'body.payload.caption'],
      [{ due_at: inMs(9_000_000) }, 'body.window_end_at'],
      [{ state: 'confirmed_success' }, 'body'],
    ];
    for (const [body, field] of bad) {
      const res = await h.call('PATCH', `/api/v1/actions/${a.action_id}`, { token: operator, body });
      expect(res.status, field).toBe(400);
      expect(res.body.field ?? '').toContain(field);
    }
    expect(await h.services.store.actions.get(a.action_id)).toMatchObject({ due_at: new Date(due).toISOString(), payload_hash: changed.body.payload_hash });

    const ran = (await h.call('POST', '/api/v1/actions', { token: operator, body: post(ig) })).body;
    expect((await runAction(h.services.kernel, ran.action_id)).status).toBe('confirmed_success');
    const late = await h.call('PATCH', `/api/v1/actions/${ran.action_id}`, { token: operator, body: { payload: { caption: 'too late' } } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: 'not_queued', state: 'postcheck_complete' });
    expect((await h.services.store.actions.get(ran.action_id))!.payload_hash).toBe(ran.payload_hash);
  });

  test('should cancel a queued action with a reason, audited with who and why, and answer 409 when it already ran or was cancelled', async () => {
    const operator = await h.token('operator', h.a.client_id, 'ana-operator');
    const ig = h.a.accounts[0]!.platform_account_id;
    const a = (await h.call('POST', '/api/v1/actions', { token: operator, body: post(ig, { due_at: inMs(1000) }) })).body;
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/cancel`, { token: operator, body: {} })).body).toMatchObject({ error: 'invalid_request', field: 'body.reason' });
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/cancel`, { token: operator, body: { reason: '   ' } })).status).toBe(400);
    expect((await h.call('POST', `/api/v1/actions/${a.action_id}/cancel`, { token: operator, body: { reason: 'x'.repeat(201) } })).status).toBe(400);
    expect((await h.services.store.actions.get(a.action_id))!.state).toBe('queued');
    const cancelled = await h.call('POST', `/api/v1/actions/${a.action_id}/cancel`, { token: operator, body: { reason: 'client pulled the post' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'blocked', reason: 'cancelled: by ana-operator (client pulled the post)', result: { error_code: 'cancelled' } });
    const again = await h.call('POST', `/api/v1/actions/${a.action_id}/cancel`, { token: operator, body: { reason: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'not_queued', state: 'blocked' });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await runAction(h.services.kernel, a.action_id)).reason).toMatch(/^not_queued/);
    expect(platform.calls.attempt + platform.calls.identity).toBe(0);

    const ran = (await h.call('POST', '/api/v1/actions', { token: operator, body: post(ig) })).body;
    expect((await runAction(h.services.kernel, ran.action_id)).status).toBe('confirmed_success');
    const late = await h.call('POST', `/api/v1/actions/${ran.action_id}/cancel`, { token: operator, body: { reason: 'too late' } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: 'not_queued', state: 'postcheck_complete' });
  });

  test('should list newest first with filters and an opaque cursor, refusing bad filters and cursors', async () => {
    const [ig, x] = [h.a.accounts[0]!.platform_account_id, h.a.accounts[1]!.platform_account_id];
    const made: { action_id: string }[] = [];
    made.push((await h.call('POST', '/api/v1/actions', { token: h.admin, body: post(ig, { due_at: '2031-01-01T10:00:00Z' }) })).body);
    made.push((await h.call('POST', '/api/v1/actions', { token: h.admin, body: post(x, { due_at: '2031-01-02T10:00:00Z' }) })).body);
    made.push((await h.call('POST', '/api/v1/actions', { token: h.admin, body: { ...post(ig, { due_at: '2031-01-03T10:00:00Z' }), action_type: 'like', payload: { target: 'post-1' } } })).body);
    made.push((await h.call('POST', '/api/v1/actions', { token: h.admin, body: { ...post(x, { due_at: '2031-01-04T10:00:00Z' }), lane: 'browser' } })).body);
    made.push((await h.call('POST', '/api/v1/actions', { token: h.admin, body: post(ig) })).body);
    await h.call('POST', `/api/v1/actions/${made[4]!.action_id}/cancel`, { token: h.admin, body: { reason: 'test' } });
    const ids = (res: { body: { items: { action_id: string }[] } }) => res.body.items.map((a) => a.action_id);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { action_id: string }[]; next_cursor: string | null } } = await h.call('GET', `/api/v1/actions?client_id=${h.a.client_id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: h.admin });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(made.map((a) => a.action_id).reverse());

    const q = async (query: string) => ids(await h.call('GET', `/api/v1/actions?${query}`, { token: h.admin }));
    expect(await q(`platform_account_id=${x}`)).toEqual([made[3]!.action_id, made[1]!.action_id]);
    expect(await q('state=blocked')).toEqual([made[4]!.action_id]);
    expect(await q('action_type=like')).toEqual([made[2]!.action_id]);
    expect(await q('lane=browser')).toEqual([made[3]!.action_id]);
    expect(await q('due_from=2031-01-02T00:00:00Z&due_to=2031-01-03T12:00:00%2B00:00')).toEqual([made[2]!.action_id, made[1]!.action_id]);
    expect(await q(`episode_id=${(made[0] as { episode_id?: string }).episode_id}`)).toEqual([made[0]!.action_id]);

    for (const [query, field] of [['state=done', 'query.state'], ['limit=0', 'query.limit'], ['limit=201', 'query.limit'], ['cursor=not-a-cursor', 'query.cursor'],
      ['due_from=yesterday', 'query.due_from'], ['lane=carrier-pigeon', 'query.lane'], ['sort=asc', 'query']] as const) {
      const res = await h.call('GET', `/api/v1/actions?${query}`, { token: h.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.field ?? '').toContain(field);
    }
    // A cursor is opaque but checked: one forged to another shape is refused.
    const forged = Buffer.from(JSON.stringify({ seq: 1 })).toString('base64url');
    expect((await h.call('GET', `/api/v1/actions?cursor=${forged}`, { token: h.admin })).status).toBe(400);
  });

  test('should show the client its content but never a credential-like payload field, and log no content', async () => {
    const operator = await h.token('operator', h.a.client_id);
    const ig = h.a.accounts[0]!.platform_account_id;
    const created = await h.call('POST', '/api/v1/actions', {
      token: operator,
      body: { platform_account_id: ig, lane: 'api', action_type: 'dm_send', payload: { recipient: 'user-7', text: 'Your private order code is 4411', access_token: 'EAAB-secret-value', meta: { client_secret: 'shh' } }, due_at: inMs(3_600_000) },
    });
    expect(created.status).toBe(201);
    const viewer = await h.token('client_viewer', h.a.client_id);
    const shown = await h.call('GET', `/api/v1/actions/${created.body.action_id}`, { token: viewer });
    expect(shown.body.payload).toEqual({ recipient: 'user-7', text: 'Your private order code is 4411', access_token: '[redacted]', meta: { client_secret: '[redacted]' } });
    const listed = await h.call('GET', '/api/v1/actions', { token: viewer });
    expect(JSON.stringify(listed.body)).not.toContain('EAAB-secret-value');
    const logs = h.logLines.join('\n');
    expect(logs).not.toContain('4411');
    expect(logs).not.toContain('EAAB-secret-value');
    expect(logs).not.toContain(operator);
  });

  test('should document the action routes in the OpenAPI document', async () => {
    const doc = (await h.call('GET', '/api/v1/openapi.json')).body;
    expect(doc.paths['/api/v1/actions'].post['x-raize-permission']).toBe('act');
    expect(doc.paths['/api/v1/actions'].post.requestBody.content['application/json'].schema.properties.lane.enum).toEqual(['api', 'browser', 'hybrid']);
    expect(doc.paths['/api/v1/actions/{action_id}'].patch).toBeTruthy();
    expect(doc.paths['/api/v1/actions/{action_id}/cancel'].post.responses['409']).toBeTruthy();
    expect(doc.paths['/api/v1/actions'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['state', 'due_from', 'cursor', 'limit']));
  });
});
