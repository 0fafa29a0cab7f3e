import { startSandbox } from '../../sandbox/index.js';
import { test, expect, call, IG, X, sha256, eventually, AdminClient } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;

/** Creates a container and waits until it is FINISHED. */
async function readyContainer(base: string, token: string, caption: string): Promise<string> {
  const created = await call(g(base, '/me/media'), { method: 'POST', token, body: { image_url: 'https://cdn.example.com/p.jpg', caption } });
  await eventually(() => call(g(base, `/${created.json.id}?fields=status_code`), { token }), (r) => r.json.status_code === 'FINISHED');
  return created.json.id;
}
const publish = (base: string, token: string, creation_id: string) => call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id } });

test.describe('sandbox API faults', () => {
  test('should leave no effect on 5xx_before_commit, and let a retry publish once', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', lane: 'api', action: 'publish', count: 1 });
    const container = await readyContainer(base, IG.northwind.token, 'retry me');
    const first = await publish(base, IG.northwind.token, container);
    expect(first.status).toBe(500);
    expect(first.json.error).toMatchObject({ code: 2, is_transient: true });
    expect(await admin.effects()).toHaveLength(0);
    const second = await publish(base, IG.northwind.token, container);
    expect(second.status).toBe(200);
    expect(await admin.effects()).toHaveLength(1);
  });

  test('should apply the effect exactly once on error_after_commit and mark the container PUBLISHED', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    await admin.fault({ kind: 'error_after_commit', platform: 'instagram', action: 'publish' });
    const container = await readyContainer(base, IG.northwind.token, 'went live anyway');
    const res = await publish(base, IG.northwind.token, container);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 4, error_subcode: 2207051 });
    const effects = await admin.effects();
    expect(effects).toEqual([expect.objectContaining({ kind: 'publish', payload_sha256: sha256('went live anyway') })]);
    expect((await call(g(base, `/${container}?fields=status_code`), { token: IG.northwind.token })).json.status_code).toBe('PUBLISHED');
    const list = await call(g(base, '/me/media?fields=id,caption'), { token: IG.northwind.token });
    expect(list.json.data[0]).toMatchObject({ id: effects[0]!.object_id, caption: 'went live anyway' });
  });

  test('should apply the effect and drop the connection on ack_lost', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'ack_lost', platform: 'x', action: 'publish' });
    await expect(call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'did it post?' } })).rejects.toThrow();
    expect(await admin.effects()).toEqual([expect.objectContaining({ platform: 'x', kind: 'publish', payload_sha256: sha256('did it post?') })]);
  });

  test('should answer rate_limit with 429, Retry-After and x-rate-limit-reset, and no effect', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'rate_limit', platform: 'x', retry_after_s: 7 });
    const x = await call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'too fast' } });
    expect(x.status).toBe(429);
    expect(x.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(Number(x.headers.get('x-rate-limit-reset')) - Math.ceil(Date.now() / 1000)).toBeGreaterThanOrEqual(6);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should answer a Graph rate_limit as Meta does: 400, code 4, usage headers, no Retry-After, no effect', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'rate_limit', platform: 'instagram', retry_after_s: 3 });
    const ig = await call(g(sandbox.platforms.instagram, '/me'), { token: IG.northwind.token });
    expect(ig.status).toBe(400);
    expect(ig.headers.get('retry-after')).toBeNull();
    expect(ig.json.error).toMatchObject({ code: 4, type: 'OAuthException', is_transient: true });
    expect(JSON.parse(ig.headers.get('x-business-use-case-usage')!)[IG.northwind.id][0]).toMatchObject({ type: 'instagram', call_count: 100, estimated_time_to_regain_access: 1 });
    expect(JSON.parse(ig.headers.get('x-app-usage')!).call_count).toBe(100);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should add latency', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'latency', platform: 'x', ms: 300 });
    const t0 = Date.now();
    await call(`${sandbox.platforms.x}/2/users/me`, { token: X.northwind.token });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  test('should keep a container IN_PROGRESS on container_stuck', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    await admin.fault({ kind: 'container_stuck', platform: 'instagram' });
    const created = await call(g(base, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { image_url: 'https://cdn.example.com/p.jpg', caption: 'stuck' } });
    await new Promise((r) => setTimeout(r, 400));
    expect((await call(g(base, `/${created.json.id}?fields=status_code`), { token: IG.northwind.token })).json.status_code).toBe('IN_PROGRESS');
    expect((await publish(base, IG.northwind.token, created.json.id)).json.error.code).toBe(9007);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should answer token_expired with Meta code 190 and X 401, and no effect', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'token_expired', platform: 'instagram' });
    await admin.fault({ kind: 'token_expired', platform: 'x' });
    const ig = await call(g(sandbox.platforms.instagram, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { image_url: 'https://cdn.example.com/p.jpg' } });
    expect(ig.json.error).toMatchObject({ code: 190, type: 'OAuthException' });
    const x = await call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'expired' } });
    expect(x.status).toBe(401);
    expect(await admin.effects()).toHaveLength(0);
  });

  test('should scope faults by account and consume counts', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.x;
    await admin.fault({ kind: '5xx_before_commit', platform: 'x', account: X.lumen.handle, count: 2 });
    const post = (token: string, text: string) => call(`${base}/2/tweets`, { method: 'POST', token, body: { text } });
    expect((await post(X.northwind.token, 'a')).status).toBe(201);
    expect((await post(X.lumen.token, 'b')).status).toBe(503);
    expect((await post(X.lumen.token, 'c')).status).toBe(503);
    expect((await post(X.lumen.token, 'd')).status).toBe(201);
    const [rule] = (await admin.request('GET', '/__sandbox/faults')).json.data;
    expect(rule).toMatchObject({ account: X.lumen.id, fired: 2, remaining: 0, decisions: '11' });
    expect((await admin.effects()).map((e) => e.account.handle)).toEqual([X.northwind.handle, X.lumen.handle]);
  });

  test('should repeat the same rate-based fault sequence for the same seed', async () => {
    const run = async (seed: number) => {
      const sandbox = await startSandbox({ seed });
      try {
        const admin = new AdminClient(sandbox);
        await admin.fault({ kind: '5xx_before_commit', platform: 'x', rate: 0.5 });
        const outcomes: number[] = [];
        for (let i = 0; i < 24; i++) outcomes.push((await call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: `n${i}` } })).status);
        const [rule] = (await admin.request('GET', '/__sandbox/faults')).json.data;
        expect((await admin.effects()).length).toBe(outcomes.filter((s) => s === 201).length);
        return { outcomes: outcomes.join(','), decisions: rule.decisions as string };
      } finally {
        await sandbox.close();
      }
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    expect(b).toEqual(a);
    expect(a.decisions).toContain('1');
    expect(a.decisions).toContain('0');
    expect(c.decisions).not.toBe(a.decisions);
  });

  test('should validate fault rules and name the field', async ({ admin }) => {
    const both = await admin.request('POST', '/__sandbox/faults', { kind: 'latency', platform: 'x', rate: 0.5, count: 1, ms: 10 });
    expect(both.status).toBe(400);
    expect(both.json.message).toContain('rate');
    const lane = await admin.request('POST', '/__sandbox/faults', { kind: 'checkpoint', platform: 'x', lane: 'api' });
    expect(lane.json.message).toContain('lane');
    const kind = await admin.request('POST', '/__sandbox/faults', { kind: 'meteor', platform: 'x' });
    expect(kind.json.message).toContain('kind');
    const account = await admin.request('POST', '/__sandbox/faults', { kind: 'ack_lost', platform: 'x', account: 'nobody' });
    expect(account.json.message).toContain('account');
    const rate = await admin.request('POST', '/__sandbox/faults', { kind: 'ack_lost', platform: 'x', rate: 2 });
    expect(rate.json.message).toContain('rate');
  });

  test('should list and clear faults', async ({ admin }) => {
    await admin.fault({ kind: 'ack_lost', platform: 'x' });
    await admin.fault({ kind: 'latency', platform: 'instagram', ms: 5 });
    expect((await admin.request('GET', '/__sandbox/faults')).json.data).toHaveLength(2);
    expect((await admin.request('DELETE', '/__sandbox/faults?platform=x')).json.removed).toBe(1);
    expect((await admin.request('DELETE', '/__sandbox/faults')).json.removed).toBe(1);
    expect((await admin.request('GET', '/__sandbox/faults')).json.data).toHaveLength(0);
  });
});
