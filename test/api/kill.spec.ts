import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { runAction, submitAction } from '../../safety/index.js';
import type { KillSwitch } from '../../store/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';
import { FakePlatform } from '../helpers/fake-platform.js';

let h: ApiHarness;
test.beforeEach(async () => { h = await startApiHarness(); });
test.afterEach(async () => { await h.close(); });

const put = (path: string, token: string, body: unknown) => h.call('PUT', `/api/v1/kill-switches/${path}`, { token, body });

test.describe('api kill switches (spec 000 §7)', () => {
  test('should engage and release every level, naming who and why, and keep every change in the history', async () => {
    const operator = await h.token('operator', null, 'ops-ana');
    const account = h.a.accounts[0]!.platform_account_id;
    const on = await put('global', operator, { engaged: true, reason: 'runaway loop' });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ scope: 'global', scope_id: '*', engaged: true, reason: 'runaway loop', set_by: 'ops-ana' });
    expect((await put(`client/${h.a.client_id}`, operator, { engaged: true, reason: 'client asked to pause' })).body).toMatchObject({ scope: 'client', scope_id: h.a.client_id, engaged: true });
    expect((await put(`account/${account}`, operator, { engaged: true, reason: 'checkpoint seen' })).body).toMatchObject({ scope: 'account', scope_id: account, engaged: true });
    expect(await h.services.store.killSwitches.engagedFor({ client_id: h.a.client_id, platform_account_id: account })).toMatchObject({ scope: 'global' });

    const off = await put('global', operator, { engaged: false });
    expect(off.body).toMatchObject({ scope: 'global', engaged: false, reason: null, set_by: 'ops-ana' });
    expect((await put(`client/${h.a.client_id}`, operator, { engaged: false, reason: 'client confirmed' })).body.reason).toBe('client confirmed');

    const list = await h.call('GET', '/api/v1/kill-switches', { token: operator });
    expect(list.body.items.map((s: KillSwitch) => [s.scope, s.scope_id, s.engaged])).toEqual([
      ['account', account, true], ['client', h.a.client_id, false], ['global', '*', false],
    ]);

    const history = await h.call('GET', '/api/v1/kill-switches/history', { token: operator });
    expect(history.status).toBe(200);
    expect(history.body.items.map((c: KillSwitch & { client_id: string | null }) => [c.scope, c.engaged, c.reason, c.set_by, c.client_id])).toEqual([
      ['client', false, 'client confirmed', 'ops-ana', h.a.client_id],
      ['global', false, null, 'ops-ana', null],
      ['account', true, 'checkpoint seen', 'ops-ana', h.a.client_id],
      ['client', true, 'client asked to pause', 'ops-ana', h.a.client_id],
      ['global', true, 'runaway loop', 'ops-ana', null],
    ]);
    expect(history.body.items.every((c: { set_at: string }) => !Number.isNaN(Date.parse(c.set_at)))).toBe(true);
    const onlyGlobal = await h.call('GET', '/api/v1/kill-switches/history?scope=global', { token: operator });
    expect(onlyGlobal.body.items.map((c: KillSwitch) => c.engaged)).toEqual([false, true]);

    // Paging, newest first.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: any } = await h.call('GET', `/api/v1/kill-switches/history?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: operator });
      seen.push(...page.body.items.map((c: { seq: number }) => c.seq));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(history.body.items.map((c: { seq: number }) => c.seq));
  });

  test('should refuse bad bodies naming the field, with nothing changed', async () => {
    const operator = await h.token('operator');
    const cases: [unknown, string][] = [
      [{ engaged: true }, 'body.reason'],
      [{ engaged: true, reason: '' }, 'body.reason'],
      [{ engaged: true, reason: '   ' }, 'body.reason'],
      [{ reason: 'why' }, 'body.engaged'],
      [{ engaged: 'yes', reason: 'why' }, 'body.engaged'],
      [{ engaged: true, reason: 'x'.repeat(501) }, 'body.reason'],
      [{ engaged: true, reason: 'why', set_by: 'someone-else' }, 'body'],
      [[true], 'body'],
    ];
    for (const path of ['global', `client/${h.a.client_id}`, `account/${h.a.accounts[0]!.platform_account_id}`]) {
      for (const [body, field] of cases) {
        const res = await put(path, operator, body);
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.field).toBe(field);
      }
    }
    expect((await h.call('GET', '/api/v1/kill-switches/history?scope=planet', { token: operator })).body.field).toBe('query.scope');
    expect((await h.call('GET', '/api/v1/kill-switches/history?cursor=abc', { token: operator })).body.field).toBe('query.cursor');
    expect(await h.services.store.killSwitches.list()).toEqual([]);
    expect(await h.services.store.killSwitches.history({ limit: 10 })).toEqual([]);
  });

  test('should let reviewers engage but not release, and a client_viewer do neither', async () => {
    const reviewer = await h.token('reviewer', h.a.client_id, 'rev-dana');
    const viewer = await h.token('client_viewer', h.a.client_id);
    const operator = await h.token('operator', h.a.client_id, 'ops-leo');
    const path = `client/${h.a.client_id}`;
    expect((await put(path, viewer, { engaged: true, reason: 'stop' })).status).toBe(403);
    expect(await h.services.store.killSwitches.list()).toEqual([]);
    expect((await put(path, reviewer, { engaged: true, reason: 'looks wrong' })).body).toMatchObject({ engaged: true, set_by: 'rev-dana' });
    expect((await put(path, reviewer, { engaged: false, reason: 'fine now' })).status).toBe(403);
    expect((await put(path, viewer, { engaged: false })).status).toBe(403);
    expect((await h.services.store.killSwitches.list())[0]).toMatchObject({ engaged: true, set_by: 'rev-dana' });
    expect((await put(path, operator, { engaged: false, reason: 'checked with the client' })).body).toMatchObject({ engaged: false, set_by: 'ops-leo' });
    expect((await h.services.store.killSwitches.history({ limit: 10 })).map((c) => c.set_by)).toEqual(['ops-leo', 'rev-dana']);
    // Everyone who may read sees the switches of their own client.
    expect((await h.call('GET', '/api/v1/kill-switches', { token: viewer })).body.items).toHaveLength(1);
  });

  test('should keep client-scoped callers to their own client: 403 on the global switch, 404 on another tenant', async () => {
    const operator = await h.token('operator', h.a.client_id);
    const admin = await h.token('admin', h.a.client_id);
    const otherAccount = h.b.accounts[0]!.platform_account_id;
    expect((await put('global', operator, { engaged: true, reason: 'stop everything' })).status).toBe(403);
    expect((await put('global', admin, { engaged: true, reason: 'stop everything' })).status).toBe(403);
    const otherClient = await put(`client/${h.b.client_id}`, operator, { engaged: true, reason: 'x' });
    const noClient = await put('client/no-such-client', operator, { engaged: true, reason: 'x' });
    expect(otherClient.status).toBe(404);
    expect(otherClient.body).toEqual({ ...noClient.body, message: `no client ${h.b.client_id}`, request_id: otherClient.body.request_id });
    expect((await put(`account/${otherAccount}`, operator, { engaged: true, reason: 'x' })).status).toBe(404);
    expect((await put(`account/${otherAccount}`, admin, { engaged: false })).status).toBe(404);
    expect((await put('account/no-such-account', h.admin, { engaged: true, reason: 'x' })).status).toBe(404);
    expect(await h.services.store.killSwitches.list()).toEqual([]);

    // The other tenant's switches and their history stay out of sight.
    await h.services.store.killSwitches.set({ scope: 'client', scope_id: h.b.client_id, engaged: true, reason: 'lumen secret reason', set_by: 'ops-b' });
    await h.services.store.killSwitches.set({ scope: 'account', scope_id: otherAccount, engaged: true, reason: 'lumen account', set_by: 'ops-b' });
    await h.services.store.killSwitches.set({ scope: 'account', scope_id: 'unknown-account', engaged: true, reason: 'orphan', set_by: 'cli' });
    await h.services.store.killSwitches.set({ scope: 'global', scope_id: '*', engaged: false, reason: 'drill over', set_by: 'root' });
    expect((await put(`account/${h.a.accounts[1]!.platform_account_id}`, operator, { engaged: true, reason: 'our x account' })).status).toBe(200);
    const viewer = await h.token('client_viewer', h.a.client_id);
    for (const token of [operator, viewer]) {
      const list = await h.call('GET', '/api/v1/kill-switches', { token });
      expect(list.body.items.map((s: KillSwitch) => s.scope_id).sort()).toEqual(['*', h.a.accounts[1]!.platform_account_id].sort());
      const history = await h.call('GET', '/api/v1/kill-switches/history', { token });
      expect(history.body.items.map((c: KillSwitch) => c.reason)).toEqual(['our x account', 'drill over']);
      expect(JSON.stringify(history.body)).not.toContain('lumen');
      expect((await h.call('GET', `/api/v1/kill-switches/history?client_id=${h.b.client_id}`, { token })).status).toBe(404);
    }
    const all = await h.call('GET', '/api/v1/kill-switches', { token: h.admin });
    expect(all.body.items).toHaveLength(5);
    const bOnly = await h.call('GET', `/api/v1/kill-switches/history?client_id=${h.b.client_id}`, { token: h.admin });
    expect(bOnly.body.items.map((c: KillSwitch) => c.reason)).toEqual(['drill over', 'lumen account', 'lumen secret reason']);
  });

  test('should refuse to rewrite or delete the history in the database itself', async () => {
    await put('global', h.admin, { engaged: true, reason: 'drill' });
    const db = new Database(h.services.config.dbFile);
    try {
      expect(() => db.prepare("UPDATE kill_switch_history SET set_by = 'nobody'").run()).toThrow(/append-only: UPDATE refused/);
      expect(() => db.prepare('DELETE FROM kill_switch_history').run()).toThrow(/append-only: DELETE refused/);
    } finally {
      db.close();
    }
    expect((await h.services.store.killSwitches.history({ limit: 5 })).map((c) => c.set_by)).toEqual(['admin']);
  });

  test('GP5 client switch engaged through the API should stop the kernel before any tool call, and released should let the next action run', async () => {
    const platform = new FakePlatform({ lag: { listMs: 0, byIdMs: 0 } });
    h.services.performers.register('api', 'instagram', platform);
    const operator = await h.token('operator', h.a.client_id, 'ops-ana');
    const account = h.a.accounts.find((a) => a.platform === 'instagram')!;
    const otherAccount = h.b.accounts.find((a) => a.platform === 'instagram')!;
    const submit = (client_id: string, platform_account_id: string) => submitAction(h.services.store, {
      client_id, platform_account_id, lane: 'api', action_type: 'publish', payload: { caption: `Fresh sourdough ${randomUUID()}` }, created_by: 'ana@agency',
    });

    expect((await put(`client/${h.a.client_id}`, operator, { engaged: true, reason: 'runaway loop' })).status).toBe(200);
    const stopped = await submit(h.a.client_id, account.platform_account_id);
    const outcome = await runAction(h.services.kernel, stopped.action_id);
    expect(outcome.status).toBe('blocked');
    expect(outcome.reason).toContain(`kill switch engaged (client ${h.a.client_id})`);
    expect(platform.calls).toMatchObject({ identity: 0, precheck: 0, attempt: 0 });
    expect(platform.effects).toHaveLength(0);
    expect((await h.services.store.actions.get(stopped.action_id))!.state).toBe('blocked');

    // The other tenant is not stopped by this client's switch.
    const elsewhere = await submit(h.b.client_id, otherAccount.platform_account_id);
    expect((await runAction(h.services.kernel, elsewhere.action_id)).status).toBe('confirmed_success');
    expect(platform.effectsFor(otherAccount.platform_account_id)).toHaveLength(1);

    expect((await put(`client/${h.a.client_id}`, operator, { engaged: false, reason: 'loop fixed' })).body.engaged).toBe(false);
    const next = await submit(h.a.client_id, account.platform_account_id);
    expect((await runAction(h.services.kernel, next.action_id)).status).toBe('confirmed_success');
    expect(platform.effectsFor(account.platform_account_id).map((e) => e.action_id)).toEqual([next.action_id]);
    expect((await h.services.store.actions.get(stopped.action_id))!.state).toBe('blocked');
    const history = await h.call('GET', '/api/v1/kill-switches/history', { token: operator });
    expect(history.body.items.map((c: KillSwitch) => [c.engaged, c.set_by, c.reason])).toEqual([[false, 'ops-ana', 'loop fixed'], [true, 'ops-ana', 'runaway loop']]);
  });
});
