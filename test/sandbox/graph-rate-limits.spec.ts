import { test, expect, call, IG, eventually } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;
const usageOf = (headers: Headers) => JSON.parse(headers.get('x-business-use-case-usage') ?? 'null');

test.describe('sandbox Graph rate limits (Meta signals)', () => {
  for (const [code, message] of [
    [4, '(#4) Application request limit reached'],
    [17, '(#17) User request limit reached'],
    [32, '(#32) Page request limit reached'],
    [613, '(#613) Calls to this api have exceeded the rate limit.'],
    [80002, '(#80002) There have been too many calls to this Instagram account.'],
  ] as const) {
    test(`should answer graph_code ${code} with HTTP 400, is_transient, the usage header in minutes and no Retry-After`, async ({ sandbox, admin }) => {
      const base = sandbox.platforms.instagram;
      await admin.fault({ kind: 'rate_limit', platform: 'instagram', account: IG.northwind.handle, graph_code: code, retry_after_s: 125 });
      const res = await call(g(base, '/me?fields=id,username'), { token });
      expect(res.status).toBe(400);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.json.error).toMatchObject({ code, type: 'OAuthException', is_transient: true });
      expect(res.json.error.message.startsWith(message)).toBe(true);
      const usage = usageOf(res.headers);
      expect(Object.keys(usage)).toEqual([IG.northwind.id]);
      // 125 s rounds up to 3 minutes.
      expect(usage[IG.northwind.id]).toEqual([{ type: 'instagram', call_count: 100, total_cputime: expect.any(Number), total_time: expect.any(Number), estimated_time_to_regain_access: 3 }]);
      // X-App-Usage reports app-level throttling (code 4) only.
      const app = res.headers.get('x-app-usage');
      if (code === 4) expect(JSON.parse(app!)).toEqual({ call_count: 100, total_cputime: expect.any(Number), total_time: expect.any(Number) });
      else expect(app).toBeNull();
      // The rule fired once: the next call goes through.
      const after = await call(g(base, '/me?fields=id'), { token });
      expect(after.json).toEqual({ id: IG.northwind.id });
      expect(await admin.effects()).toHaveLength(0);
    });
  }

  test('should carry X-Business-Use-Case-Usage and x-fb-trace-id on ordinary answers', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const ok = await call(g(base, '/me'), { token });
    expect(ok.status).toBe(200);
    const entry = usageOf(ok.headers)[IG.northwind.id][0];
    expect(entry).toMatchObject({ type: 'instagram', estimated_time_to_regain_access: 0 });
    expect(entry.call_count).toBeLessThan(100);
    expect(ok.headers.get('x-fb-trace-id')).toMatch(/^A[\w-]+$/);
    const lumen = await call(g(base, '/me'), { token: IG.lumen.token });
    expect(Object.keys(usageOf(lumen.headers))).toEqual([IG.lumen.id]);
  });

  test('should hold a publish that hits the limit: no effect, container still FINISHED, then publish once', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const c = (await call(g(base, '/me/media'), { method: 'POST', token, body: { image_url: 'https://cdn.example.com/r.jpg', caption: 'limited' } })).json.id;
    await eventually(() => call(g(base, `/${c}?fields=status_code`), { token }), (r) => r.json.status_code === 'FINISHED');
    await admin.fault({ kind: 'rate_limit', platform: 'instagram', lane: 'api', action: 'publish', graph_code: 80002, retry_after_s: 60 });
    const limited = await call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id: c } });
    expect(limited.json.error.code).toBe(80002);
    expect(usageOf(limited.headers)[IG.northwind.id][0].estimated_time_to_regain_access).toBe(1);
    expect(await admin.effects()).toHaveLength(0);
    expect((await call(g(base, `/${c}?fields=status_code`), { token })).json.status_code).toBe('FINISHED');
    expect((await call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id: c } })).status).toBe(200);
    expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);
  });

  test('should validate graph_code and name it', async ({ admin }) => {
    const bad = await admin.request('POST', '/__sandbox/faults', { kind: 'rate_limit', platform: 'instagram', graph_code: 5 });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('graph_code');
    const x = await admin.request('POST', '/__sandbox/faults', { kind: 'rate_limit', platform: 'x', graph_code: 4 });
    expect(x.status).toBe(400);
    expect(x.json.message).toContain('graph_code');
    const kind = await admin.request('POST', '/__sandbox/faults', { kind: 'ack_lost', platform: 'instagram', graph_code: 4 });
    expect(kind.json.message).toContain('graph_code');
  });
});
