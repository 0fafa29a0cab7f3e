import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { runAction, submitAction } from '../../safety/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';
import { FakePlatform } from '../helpers/fake-platform.js';

let h: ApiHarness;
// Short backoffs: the kernel sleeps for real behind the API harness.
test.beforeEach(async () => { h = await startApiHarness({ config: { retryBaseMs: 1, retryCapMs: 5, verifyBaseMs: 1, verifyCapMs: 5 } }); });
test.afterEach(async () => { await h.close(); });

/** Sum of the samples of `name` whose labels include `labels` (the scope labels of the exporter do not matter). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) total += Number(m[3]);
  }
  return total;
}

async function scrape(token = h.admin): Promise<string> {
  const res = await h.call('GET', '/metrics', { token });
  expect(res.status).toBe(200);
  return res.body as string;
}

test.describe('/metrics (spec 000 §10 and farm gauges)', () => {
  test('should answer an unscoped token of any role, 401 to anonymous and 404 to a client-scoped token', async () => {
    expect((await h.call('GET', '/metrics')).status).toBe(401);
    expect((await h.call('GET', '/metrics', { token: 'rzt_' + 'A'.repeat(43) })).status).toBe(401);
    for (const role of ['client_viewer', 'admin'] as const) {
      const scoped = await h.call('GET', '/metrics', { token: await h.token(role, h.a.client_id) });
      expect(scoped.status).toBe(404);
      expect(scoped.body).toMatchObject({ error: 'not_found' });
    }
    const res = await h.call('GET', '/metrics', { token: await h.token('reviewer') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toContain('# TYPE raize_actions gauge');
    expect(res.body).not.toContain('target_info');
  });

  test('should count side_effect_attempts_total by exactly the attempts the kernel made, with success and latency', async () => {
    const platform = new FakePlatform({ attempts: ['not_sent', 'ok'] });
    h.services.performers.register('api', 'instagram', platform);
    const labels = { platform: 'instagram', action_type: 'publish' };
    const before = await scrape();
    const account = h.a.accounts.find((a) => a.platform === 'instagram')!;
    const action = await submitAction(h.services.store, {
      client_id: h.a.client_id, platform_account_id: account.platform_account_id, lane: 'api', action_type: 'publish',
      payload: { caption: `Fresh sourdough ${randomUUID()}` }, created_by: 'ana@agency',
    });
    expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_success');
    expect(platform.calls.attempt).toBe(2);

    const after = await scrape();
    expect(after).toContain('# TYPE side_effect_attempts_total counter');
    expect(after).toContain('# TYPE side_effect_latency_ms histogram');
    expect(sample(after, 'side_effect_attempts_total', labels) - sample(before, 'side_effect_attempts_total', labels)).toBe(2);
    expect(sample(after, 'side_effect_success_total', labels) - sample(before, 'side_effect_success_total', labels)).toBe(1);
    expect(sample(after, 'side_effect_unknown_total', labels)).toBe(0);
    expect(sample(after, 'side_effect_latency_ms_count', labels)).toBe(1);
    expect(sample(after, 'side_effect_latency_ms_bucket', { ...labels, le: '+Inf' })).toBe(1);
    expect(sample(after, 'side_effect_latency_ms_sum', labels)).toBeGreaterThan(0);
    expect(sample(after, 'raize_actions', { lane: 'api', bucket: 'done' })).toBe(1);
    // Counts by platform and action type only: nothing of a client, an account or a token.
    for (const secret of [h.a.client_id, 'Northwind', account.platform_account_id, account.fingerprint.handle, account.fingerprint.platform_user_id, h.admin]) {
      expect(after).not.toContain(secret);
    }
    expect(after).not.toMatch(/client_id|platform_account_id|episode_id|action_id/);
  });

  test('should read the farm gauges from the store at scrape time', async () => {
    const zero = await scrape();
    expect(sample(zero, 'raize_accounts', { state: 'active' })).toBe(4);
    expect(sample(zero, 'raize_actions')).toBe(0);
    expect(sample(zero, 'raize_kill_switches_engaged', { scope: 'global' })).toBe(0);
    // Every label set is there from the start, zeros included.
    expect(zero).toMatch(/^raize_actions\{lane="browser",bucket="held"\} 0$/m);
    expect(zero).toMatch(/^raize_runners 0$/m);
    expect(zero).toMatch(/^raize_escalations_open 0$/m);

    const { store } = h.services;
    const [aIg, aX] = h.a.accounts;
    const [bIg, bX] = h.b.accounts;
    const now = new Date();
    const submit = (client_id: string, accountId: string, lane: 'api' | 'browser', due?: Date) => submitAction(store, {
      client_id, platform_account_id: accountId, lane, action_type: 'publish', payload: { caption: `Post ${randomUUID()}` }, created_by: 'ana@agency',
      ...(due ? { due_at: due.toISOString() } : {}),
    });
    const scheduled = await submit(h.a.client_id, aX!.platform_account_id, 'api', new Date(now.getTime() + 3_600_000));
    await submit(h.a.client_id, aIg!.platform_account_id, 'browser', new Date(now.getTime() + 7_200_000));
    await submit(h.a.client_id, aIg!.platform_account_id, 'browser');
    await store.killSwitches.set({ scope: 'client', scope_id: h.b.client_id, engaged: true, reason: 'client asked to pause', set_by: 'ops' });
    await store.killSwitches.set({ scope: 'account', scope_id: bX!.platform_account_id, engaged: true, reason: 'odd replies', set_by: 'ops' });
    await store.killSwitches.set({ scope: 'account', scope_id: bX!.platform_account_id, engaged: false, reason: null, set_by: 'ops' });
    await store.accounts.setState(bIg!.platform_account_id, 'needs_human', 'identity mismatch');
    await store.accounts.setState(bX!.platform_account_id, 'reconnect_required', 'token expired');
    expect(await store.leases.acquire(aX!.platform_account_id, 'owner-test', 60_000, new Date())).not.toBeNull();
    await store.escalations.create({
      escalation_id: randomUUID(), action_id: scheduled.action_id, platform_account_id: aX!.platform_account_id,
      reason: 'unknown outcome after 3 looks', created_at: now.toISOString(), resolved_at: null, resolved_by: null,
    });

    const text = await scrape();
    expect(sample(text, 'raize_actions', { lane: 'api', bucket: 'scheduled' })).toBe(1);
    expect(sample(text, 'raize_actions', { lane: 'browser', bucket: 'scheduled' })).toBe(1);
    expect(sample(text, 'raize_actions', { lane: 'browser', bucket: 'due' })).toBe(1);
    expect(sample(text, 'raize_actions')).toBe(3);
    expect(sample(text, 'raize_runners')).toBe(1);
    expect(sample(text, 'raize_accounts', { state: 'active' })).toBe(2);
    expect(sample(text, 'raize_accounts', { state: 'needs_human' })).toBe(1);
    expect(sample(text, 'raize_accounts', { state: 'reconnect_required' })).toBe(1);
    expect(sample(text, 'raize_accounts', { state: 'read_only' })).toBe(0);
    expect(sample(text, 'raize_kill_switches_engaged', { scope: 'client' })).toBe(1);
    expect(sample(text, 'raize_kill_switches_engaged', { scope: 'account' })).toBe(0);
    expect(sample(text, 'raize_kill_switches_engaged', { scope: 'global' })).toBe(0);
    expect(sample(text, 'raize_escalations_open')).toBe(1);
    // The same figures the store gives, bucket by bucket.
    for (const p of await store.actions.progress(new Date())) {
      expect(sample(text, 'raize_actions', { lane: p.lane, bucket: p.bucket })).toBe(p.n);
    }
    for (const secret of [h.b.client_id, 'Lumen', 'client asked to pause', 'identity mismatch', bX!.platform_account_id, 'owner-test']) {
      expect(text).not.toContain(secret);
    }
  });
});
