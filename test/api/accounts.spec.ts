import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { ConnectAccountInput } from '../../api/routes/deps.js';
import type { PlatformAccount } from '../../store/index.js';
import { startApiHarness, type ApiHarness, type ApiHarnessOptions } from '../helpers/api.js';

const HOUR = 3_600_000;
const CANARY = 'canary-pw-7Q2zX9-do-not-log';

let h: ApiHarness;
test.afterEach(async () => { await h?.close(); });

async function start(options: ApiHarnessOptions = {}) {
  h = await startApiHarness(options);
  return h;
}

/** Every byte the data dir holds (SQLite file, WAL, keys, sessions) as one string. */
function dataDirText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? dataDirText(path) : readFileSync(path).toString('latin1');
  }
  return text;
}

/** A connect as the browser lane's would be: logs in, keeps the session (a pointer), stores the account. */
function fakeConnect(seen: ConnectAccountInput[], options: { fail?: Error } = {}) {
  return async (input: ConnectAccountInput): Promise<PlatformAccount> => {
    seen.push(input);
    if (options.fail) throw options.fail;
    const now = new Date().toISOString();
    return h.services.store.accounts.create({
      platform_account_id: `${input.client_id}-${input.platform}-${input.handle}`, client_id: input.client_id, platform: input.platform,
      fingerprint: { platform_user_id: '900001', handle: input.handle, display_name: 'Northwind Café', extra: {} },
      timezone: input.timezone, state: 'active', state_reason: null, session_ref: `sessions/${input.handle}.json`, created_at: now, updated_at: now,
    });
  };
}

test.describe('api accounts: listing, state, connect (issue 11)', () => {
  test('should list only the accounts the caller may see, with filters and cursor paging', async () => {
    await start();
    const all = await h.call('GET', '/api/v1/accounts', { token: h.admin });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(4);
    expect(all.body.next_cursor).toBeNull();
    const operator = await h.token('operator', h.a.client_id);
    const mine = await h.call('GET', '/api/v1/accounts', { token: operator });
    expect(mine.body.items.map((a: PlatformAccount) => a.client_id)).toEqual([h.a.client_id, h.a.client_id]);
    expect((await h.call('GET', `/api/v1/accounts?client_id=${h.b.client_id}`, { token: operator })).status).toBe(404);
    const x = await h.call('GET', `/api/v1/accounts?platform=x&client_id=${h.b.client_id}`, { token: h.admin });
    expect(x.body.items.map((a: PlatformAccount) => a.platform_account_id)).toEqual([`${h.b.client_id}-x`]);
    await h.services.store.accounts.setState(`${h.b.client_id}-x`, 'needs_human', 'identity mismatch');
    const degraded = await h.call('GET', '/api/v1/accounts?state=needs_human', { token: h.admin });
    expect(degraded.body.items.map((a: PlatformAccount) => a.platform_account_id)).toEqual([`${h.b.client_id}-x`]);
    expect((await h.call('GET', '/api/v1/accounts?state=needs_human', { token: operator })).body.items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await h.call('GET', `/api/v1/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: h.admin });
      expect(page.body.items).toHaveLength(1);
      seen.push(page.body.items[0].platform_account_id);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((a: PlatformAccount) => a.platform_account_id));

    expect((await h.call('GET', '/api/v1/accounts?platform=myspace', { token: h.admin })).body).toMatchObject({ error: 'invalid_request', field: 'query.platform' });
    expect((await h.call('GET', '/api/v1/accounts?state=sleepy', { token: h.admin })).body.field).toBe('query.state');
    expect((await h.call('GET', '/api/v1/accounts?cursor=not-a-cursor', { token: h.admin })).body.field).toBe('query.cursor');
    expect((await h.call('GET', '/api/v1/accounts?limit=0', { token: h.admin })).body.field).toBe('query.limit');
    expect((await h.call('GET', '/api/v1/accounts?sort=evil', { token: h.admin })).status).toBe(400);
  });

  test('should show one account without its session pointer, and another tenant’s as missing', async () => {
    await start();
    const now = new Date().toISOString();
    await h.services.store.accounts.create({
      platform_account_id: 'a-ig-2', client_id: h.a.client_id, platform: 'instagram',
      fingerprint: { platform_user_id: '42', handle: 'northwind.second', display_name: 'Northwind 2', extra: {} },
      timezone: 'Europe/Madrid', state: 'active', state_reason: null, session_ref: '/var/raize/sessions/secret-a-ig-2.json', created_at: now, updated_at: now,
    });
    const viewer = await h.token('client_viewer', h.a.client_id);
    const one = await h.call('GET', '/api/v1/accounts/a-ig-2', { token: viewer });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ platform_account_id: 'a-ig-2', has_session: true, timezone: 'Europe/Madrid', fingerprint: { handle: 'northwind.second' } });
    expect(one.body).not.toHaveProperty('session_ref');
    expect(JSON.stringify(one.body)).not.toContain('secret-a-ig-2');
    expect(JSON.stringify((await h.call('GET', '/api/v1/accounts', { token: h.admin })).body)).not.toContain('secret-a-ig-2');
    expect((await h.call('GET', `/api/v1/accounts/${h.a.accounts[0]!.platform_account_id}`, { token: viewer })).body.has_session).toBe(false);

    const other = await h.call('GET', `/api/v1/accounts/${h.b.accounts[0]!.platform_account_id}`, { token: viewer });
    const missing = await h.call('GET', '/api/v1/accounts/no-such-account', { token: viewer });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    const otherId = h.b.accounts[0]!.platform_account_id;
    expect(other.body).toEqual({ ...missing.body, message: `no account ${otherId}`, request_id: other.body.request_id });
    expect(JSON.stringify(other.body)).not.toContain('lumen.instagram');
  });

  test('should clear a degraded account to active and degrade one with a reason, recording who', async () => {
    await start();
    const id = h.a.accounts[0]!.platform_account_id;
    const operator = await h.token('operator', h.a.client_id, 'ops-maria');
    const set = await h.call('POST', `/api/v1/accounts/${id}/state`, { token: operator, body: { state: 'read_only', reason: 'client asked to pause engagement' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ state: 'read_only', state_reason: 'client asked to pause engagement (set by ops-maria)' });
    for (const state of ['needs_human', 'reconnect_required'] as const) {
      expect((await h.call('POST', `/api/v1/accounts/${id}/state`, { token: operator, body: { state, reason: 'checked' } })).body.state).toBe(state);
    }
    const cleared = await h.call('POST', `/api/v1/accounts/${id}/state`, { token: operator, body: { state: 'active', reason: 'logged in again by hand' } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.state).toBe('active');
    expect(cleared.body.state_reason).toBe('cleared from reconnect_required by ops-maria: logged in again by hand');
    expect((await h.services.store.accounts.get(id))!.state).toBe('active');
    const again = await h.call('POST', `/api/v1/accounts/${id}/state`, { token: operator, body: { state: 'active' } });
    expect(again.status).toBe(409);
  });

  test('should refuse bad state bodies naming the field, a viewer or reviewer, and another tenant, with nothing changed', async () => {
    await start();
    const id = h.a.accounts[0]!.platform_account_id;
    await h.services.store.accounts.setState(id, 'needs_human', 'identity mismatch');
    const before = await h.services.store.accounts.get(id);
    const operator = await h.token('operator', h.a.client_id);
    const cases: [unknown, string][] = [
      [{ state: 'read_only' }, 'body.reason'],
      [{ state: 'read_only', reason: '   ' }, 'body.reason'],
      [{ state: 'banned', reason: 'x' }, 'body.state'],
      [{ reason: 'x' }, 'body.state'],
      [{ state: 'active', reason: 'x'.repeat(401) }, 'body.reason'],
      [['active'], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('POST', `/api/v1/accounts/${id}/state`, { token: operator, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field).toBe(field);
    }
    expect((await h.call('POST', `/api/v1/accounts/${id}/state`, { token: operator, body: { state: 'active', admin: true } })).status).toBe(400);
    for (const role of ['client_viewer', 'reviewer'] as const) {
      const res = await h.call('POST', `/api/v1/accounts/${id}/state`, { token: await h.token(role, h.a.client_id), body: { state: 'active' } });
      expect(res.status).toBe(403);
    }
    const other = h.b.accounts[0]!.platform_account_id;
    await h.services.store.accounts.setState(other, 'read_only', 'checkpoint');
    expect((await h.call('POST', `/api/v1/accounts/${other}/state`, { token: operator, body: { state: 'active' } })).status).toBe(404);
    expect(await h.services.store.accounts.get(id)).toEqual(before);
    expect((await h.services.store.accounts.get(other))!.state).toBe('read_only');
  });

  test('should answer 503 connect_unavailable when the API runs without a browser lane', async () => {
    await start();
    const res = await h.call('POST', '/api/v1/accounts', { token: h.admin, body: { client_id: h.a.client_id, platform: 'instagram', handle: 'northwind.cafe', password: CANARY, timezone: 'UTC' } });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('connect_unavailable');
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
    expect(h.logLines.join('\n')).not.toContain(CANARY);
  });

  test('should connect an account through the lane, never echoing, logging or storing the password', async () => {
    const seen: ConnectAccountInput[] = [];
    await start({ connect: (input) => fakeConnect(seen)(input) });
    const operator = await h.token('operator', h.a.client_id, 'ops-leo');
    const body = { client_id: h.a.client_id, platform: 'instagram', handle: '@northwind.cafe', password: CANARY, timezone: 'Europe/Lisbon' };
    const made = await h.call('POST', '/api/v1/accounts', { token: operator, body });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ client_id: h.a.client_id, platform: 'instagram', state: 'active', has_session: true, timezone: 'Europe/Lisbon', fingerprint: { handle: 'northwind.cafe' } });
    expect(made.body).not.toHaveProperty('session_ref');
    expect(seen).toEqual([{ client_id: h.a.client_id, platform: 'instagram', handle: 'northwind.cafe', password: CANARY, timezone: 'Europe/Lisbon' }]);
    expect((await h.call('GET', `/api/v1/accounts/${made.body.platform_account_id}`, { token: operator })).status).toBe(200);

    const twice = await h.call('POST', '/api/v1/accounts', { token: operator, body: { ...body, handle: 'NorthWind.Cafe' } });
    expect(twice.status).toBe(409);
    expect(seen).toHaveLength(1);

    // Bad input: the 400 names the field, never quotes the password; the lane is not called.
    for (const [bad, field] of [
      [{ ...body, password: '' }, 'body.password'],
      [{ ...body, timezone: 'Mars/Olympus' }, 'body.timezone'],
      [{ ...body, platform: 'myspace' }, 'body.platform'],
      [{ ...body, handle: undefined }, 'body.handle'],
      [{ ...body, session_ref: '/etc/passwd' }, 'body'],
    ] as [Record<string, unknown>, string][]) {
      const res = await h.call('POST', '/api/v1/accounts', { token: operator, body: bad });
      expect(res.status, field).toBe(400);
      expect(res.body.field).toBe(field);
      expect(JSON.stringify(res.body)).not.toContain(CANARY);
    }
    expect(seen).toHaveLength(1);

    // Another tenant's client, a viewer, a reviewer: refused before the lane is called.
    expect((await h.call('POST', '/api/v1/accounts', { token: operator, body: { ...body, client_id: h.b.client_id } })).status).toBe(404);
    expect((await h.call('POST', '/api/v1/accounts', { token: h.admin, body: { ...body, client_id: 'no-such-client' } })).status).toBe(404);
    expect((await h.call('POST', '/api/v1/accounts', { token: await h.token('client_viewer', h.a.client_id), body: { ...body, handle: 'other' } })).status).toBe(403);
    expect((await h.call('POST', '/api/v1/accounts', { token: await h.token('reviewer'), body: { ...body, handle: 'other' } })).status).toBe(403);
    expect(seen).toHaveLength(1);
    expect((await h.services.store.accounts.list({ client_id: h.b.client_id }))).toHaveLength(2);

    expect(JSON.stringify(made.body)).not.toContain(CANARY);
    expect(h.logLines.join('\n')).not.toContain(CANARY);
    expect(h.logLines.some((l) => l.includes('account connected'))).toBe(true);
    expect(dataDirText(h.dir)).not.toContain(CANARY);
  });

  test('should answer a failed login with 502 and the error code only, never the message (it may quote the password)', async () => {
    const seen: ConnectAccountInput[] = [];
    const failure = Object.assign(new Error(`login refused for password ${CANARY}`), { code: 'checkpoint' });
    await start({ connect: (input) => fakeConnect(seen, { fail: failure })(input) });
    const res = await h.call('POST', '/api/v1/accounts', { token: h.admin, body: { client_id: h.a.client_id, platform: 'x', handle: 'northwind', password: CANARY, timezone: 'UTC' } });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'connect_failed', reason: 'checkpoint' });
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
    expect(h.logLines.join('\n')).not.toContain(CANARY);
    expect(await h.services.store.accounts.list({ client_id: h.a.client_id })).toHaveLength(2);
  });
});

test.describe('api accounts: budgets and pacing (spec 000 §8)', () => {
  test('should replace budgets as a whole, and the kernel’s reservation should honour them', async () => {
    await start();
    const id = h.a.accounts[0]!.platform_account_id;
    const operator = await h.token('operator', h.a.client_id);
    expect((await h.call('GET', `/api/v1/accounts/${id}/budgets`, { token: operator })).body).toEqual({ items: [] });
    const put = await h.call('PUT', `/api/v1/accounts/${id}/budgets`, {
      token: operator,
      body: [{ action_type: '*', per_hour: 10, per_day: 40, min_spacing_ms: 60_000 }, { action_type: 'like', per_hour: 1, per_day: null }],
    });
    expect(put.status).toBe(200);
    expect(put.body.items).toEqual([
      { platform_account_id: id, action_type: '*', per_hour: 10, per_day: 40, min_spacing_ms: 60_000 },
      { platform_account_id: id, action_type: 'like', per_hour: 1, per_day: null, min_spacing_ms: 0 },
    ]);
    const viewer = await h.token('client_viewer', h.a.client_id);
    expect((await h.call('GET', `/api/v1/accounts/${id}/budgets`, { token: viewer })).body.items).toHaveLength(2);
    const at = new Date();
    expect(await h.services.store.budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: 'l1', at })).toEqual({ ok: true });
    expect(await h.services.store.budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: 'l2', at: new Date(at.getTime() + 120_000) }))
      .toMatchObject({ ok: false, rule: 'per_hour' });

    const replaced = await h.call('PUT', `/api/v1/accounts/${id}/budgets`, { token: operator, body: [{ action_type: 'publish', per_hour: 2, per_day: 6 }] });
    expect(replaced.body.items.map((b: { action_type: string }) => b.action_type)).toEqual(['publish']);
    expect(await h.services.store.budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: 'l3', at: new Date(at.getTime() + 180_000) })).toEqual({ ok: true });
    const lifted = await h.call('PUT', `/api/v1/accounts/${id}/budgets`, { token: operator, body: [{ action_type: '*', per_hour: null, per_day: null }] });
    expect(lifted.body.items).toEqual([{ platform_account_id: id, action_type: '*', per_hour: null, per_day: null, min_spacing_ms: 0 }]);
  });

  test('should refuse bad budgets naming the field, a viewer, and another tenant, with nothing changed', async () => {
    await start();
    const id = h.a.accounts[0]!.platform_account_id;
    await h.services.store.budgets.set({ platform_account_id: id, action_type: '*', per_hour: 5, per_day: 20, min_spacing_ms: 0 });
    const operator = await h.token('operator', h.a.client_id);
    const cases: [unknown, string][] = [
      [{ action_type: '*', per_hour: 1, per_day: 1 }, 'body'],
      [[], 'body'],
      [[{ action_type: 'teleport', per_hour: 1, per_day: 1 }], 'body.0.action_type'],
      [[{ action_type: 'like', per_hour: -1, per_day: 1 }], 'body.0.per_hour'],
      [[{ action_type: 'like', per_hour: 1.5, per_day: 1 }], 'body.0.per_hour'],
      [[{ action_type: 'like', per_hour: 1 }], 'body.0.per_day'],
      [[{ action_type: 'like', per_hour: 1, per_day: 1, min_spacing_ms: -5 }], 'body.0.min_spacing_ms'],
      [[{ action_type: 'like', per_hour: 1, per_day: 1 }, { action_type: 'like', per_hour: 2, per_day: 2 }], 'body.1.action_type'],
      [[{ action_type: 'like', per_hour: 1, per_day: 1, platform_account_id: 'other' }], 'body.0'],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('PUT', `/api/v1/accounts/${id}/budgets`, { token: operator, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field).toBe(field);
    }
    const good = [{ action_type: 'like', per_hour: 1, per_day: 1 }];
    for (const role of ['client_viewer', 'reviewer'] as const) {
      expect((await h.call('PUT', `/api/v1/accounts/${id}/budgets`, { token: await h.token(role, h.a.client_id), body: good })).status).toBe(403);
    }
    const other = h.b.accounts[0]!.platform_account_id;
    for (const [method, path] of [['GET', 'budgets'], ['PUT', 'budgets'], ['GET', 'pacing']] as const) {
      const res = await h.call(method, `/api/v1/accounts/${other}/${path}`, { token: operator, ...(method === 'PUT' ? { body: good } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await h.services.store.budgets.list(id)).toEqual([{ platform_account_id: id, action_type: '*', per_hour: 5, per_day: 20, min_spacing_ms: 0 }]);
    expect(await h.services.store.budgets.list(other)).toEqual([]);
  });

  test('should chart side effects per hour over the last days with the caps', async () => {
    await start();
    const id = h.a.accounts[0]!.platform_account_id;
    await h.services.store.budgets.set({ platform_account_id: id, action_type: 'like', per_hour: 3, per_day: 30, min_spacing_ms: 0 });
    const now = Date.now();
    const uses: [string, string, number][] = [['u5', 'like', now - 10 * 24 * HOUR], ['u4', 'like', now - 3 * 24 * HOUR], ['u3', 'publish', now - 2 * HOUR], ['u2', 'like', now - 1000], ['u1', 'like', now]];
    for (const [action_id, action_type, at] of uses) {
      expect((await h.services.store.budgets.reserve({ platform_account_id: id, action_type, action_id, at: new Date(at) })).ok).toBe(true);
    }
    const viewer = await h.token('client_viewer', h.a.client_id);
    const res = await h.call('GET', `/api/v1/accounts/${id}/pacing?days=7`, { token: viewer });
    expect(res.status).toBe(200);
    const { hours, caps, from, to } = res.body;
    expect(hours).toHaveLength(7 * 24);
    expect(Date.parse(to) - Date.parse(from)).toBe(7 * 24 * HOUR);
    expect(Date.parse(to)).toBeGreaterThan(now);
    expect(hours.reduce((n: number, x: { total: number }) => n + x.total, 0)).toBe(4);
    const last = hours[hours.length - 1];
    expect(Date.parse(last.hour)).toBeLessThanOrEqual(now);
    const current = hours.find((x: { hour: string }) => Date.parse(x.hour) <= now && now < Date.parse(x.hour) + HOUR);
    expect(current.by_type.like).toBeGreaterThanOrEqual(1);
    expect(hours.filter((x: { by_type: Record<string, number> }) => x.by_type.publish).map((x: { by_type: Record<string, number> }) => x.by_type.publish)).toEqual([1]);
    expect(caps).toEqual([{ platform_account_id: id, action_type: 'like', per_hour: 3, per_day: 30, min_spacing_ms: 0 }]);
    expect((await h.call('GET', `/api/v1/accounts/${id}/pacing`, { token: viewer })).body.hours).toHaveLength(7 * 24);
    expect((await h.call('GET', `/api/v1/accounts/${id}/pacing?days=14`, { token: viewer })).body.hours.reduce((n: number, x: { total: number }) => n + x.total, 0)).toBe(5);
    for (const days of ['0', '32', 'week', '1.5']) {
      const bad = await h.call('GET', `/api/v1/accounts/${id}/pacing?days=${days}`, { token: viewer });
      expect(bad.status, days).toBe(400);
      expect(bad.body.field).toBe('query.days');
    }
    expect((await h.call('GET', '/api/v1/accounts/no-such/pacing', { token: viewer })).status).toBe(404);
  });
});
