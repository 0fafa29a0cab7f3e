import { expect, test } from '@playwright/test';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

let h: ApiHarness;
test.beforeEach(async () => { h = await startApiHarness(); });
test.afterEach(async () => { await h.close(); });

test.describe('api foundation: auth, tenancy, validation, hardening', () => {
  test('should answer 401 to anonymous and unknown tokens, and list only visible clients', async () => {
    expect((await h.call('GET', '/api/v1/clients')).status).toBe(401);
    expect((await h.call('GET', '/api/v1/clients', { token: 'rzt_' + 'A'.repeat(43) })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/clients', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const all = await h.call('GET', '/api/v1/clients', { token: h.admin });
    expect(all.status).toBe(200);
    expect(all.body.items.map((c: { client_id: string }) => c.client_id).sort()).toEqual([h.a.client_id, h.b.client_id].sort());
    const viewer = await h.token('client_viewer', h.a.client_id);
    const mine = await h.call('GET', '/api/v1/clients', { token: viewer });
    expect(mine.body.items.map((c: { client_id: string }) => c.client_id)).toEqual([h.a.client_id]);
  });

  test("should answer another tenant's client and policy with 404 and no data", async () => {
    const viewer = await h.token('client_viewer', h.a.client_id);
    const other = await h.call('GET', `/api/v1/clients/${h.b.client_id}`, { token: viewer });
    const missing = await h.call('GET', '/api/v1/clients/no-such-client', { token: viewer });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ ...missing.body, message: `no client ${h.b.client_id}`, request_id: other.body.request_id });
    expect(JSON.stringify(other.body)).not.toContain('Lumen');
    expect((await h.call('GET', `/api/v1/clients/${h.b.client_id}/policy`, { token: viewer })).status).toBe(404);
    expect((await h.call('GET', `/api/v1/clients/${h.a.client_id}/policy`, { token: viewer })).body.policy.autonomy).toBe('auto');
  });

  test('should refuse a client_viewer that tries to act, and a scoped admin outside its client', async () => {
    const viewer = await h.token('client_viewer', h.a.client_id);
    const put = await h.call('PUT', `/api/v1/clients/${h.a.client_id}/policy`, { token: viewer, body: { autonomy: 'manual', allowed_actions: {} } });
    expect(put.status).toBe(403);
    expect((await h.services.store.policies.current(h.a.client_id))!.autonomy).toBe('auto');
    const scopedAdmin = await h.token('admin', h.a.client_id);
    expect((await h.call('POST', '/api/v1/clients', { token: scopedAdmin, body: { name: 'Sneaky' } })).status).toBe(403);
    expect((await h.call('POST', '/api/v1/tokens', { token: scopedAdmin, body: { name: 'x', role: 'admin', client_id: null } })).status).toBe(403);
    expect((await h.call('PUT', `/api/v1/clients/${h.b.client_id}/policy`, { token: scopedAdmin, body: { autonomy: 'manual', allowed_actions: {} } })).status).toBe(404);
  });

  test('should name the bad field in a 400 and change nothing', async () => {
    const bad = await h.call('PUT', `/api/v1/clients/${h.a.client_id}/policy`, { token: h.admin, body: { autonomy: 'sometimes', allowed_actions: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', field: 'body.autonomy' });
    const extra = await h.call('POST', '/api/v1/clients', { token: h.admin, body: { name: 'X', admin: true } });
    expect(extra.status).toBe(400);
    expect((await h.services.store.policies.current(h.a.client_id))!.version).toBe(1);
    expect((await h.services.store.clients.list())).toHaveLength(2);
  });

  test('should refuse wrong content types, broken JSON and oversized bodies with nothing changed', async () => {
    const form = await h.call('POST', '/api/v1/clients', { token: h.admin, body: 'name=Evil', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const text = await h.call('POST', '/api/v1/clients', { token: h.admin, body: '{"name":"Evil"}', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const broken = await h.call('POST', '/api/v1/clients', { token: h.admin, body: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('invalid_json');
    const huge = await h.call('POST', '/api/v1/clients', { token: h.admin, body: { name: 'Big', pad: 'x'.repeat(300_000) } });
    expect(huge.status).toBe(413);
    expect((await h.services.store.clients.list())).toHaveLength(2);
  });

  test('should show a created token once, keep only its hash, and stop honouring it when revoked', async () => {
    const made = await h.call('POST', '/api/v1/tokens', { token: h.admin, body: { name: 'reviewer-dana', role: 'reviewer' } });
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^rzt_/);
    expect(made.body.token_hash).toBeUndefined();
    const listed = await h.call('GET', '/api/v1/tokens', { token: h.admin });
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
    expect(JSON.stringify(listed.body)).not.toContain('token_hash');
    const row = await h.services.store.apiTokens.get(made.body.token_id);
    expect(row!.token_hash).not.toContain(made.body.token);
    expect((await h.call('GET', '/api/v1/clients', { token: made.body.token })).status).toBe(200);
    expect((await h.call('DELETE', `/api/v1/tokens/${made.body.token_id}`, { token: h.admin })).status).toBe(200);
    expect((await h.call('GET', '/api/v1/clients', { token: made.body.token })).status).toBe(401);
    const viewerNoClient = await h.call('POST', '/api/v1/tokens', { token: h.admin, body: { name: 'v', role: 'client_viewer' } });
    expect(viewerNoClient.body).toMatchObject({ error: 'invalid_request', field: 'body.client_id' });
    // Tokens never reach the log.
    expect(h.logLines.join('\n')).not.toContain(made.body.token);
    expect(h.logLines.join('\n')).not.toContain(h.admin);
  });

  test("should put the request's id on every line logged while it runs, the kernel's and the routes' alike", async () => {
    const res = await h.call('PUT', `/api/v1/kill-switches/client/${h.a.client_id}`, { token: h.admin, body: { engaged: true, reason: 'audit drill' }, headers: { 'x-request-id': 'drill-0001-abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('drill-0001-abc');
    const lines = h.logLines.map((l) => JSON.parse(l) as { msg?: string; request_id?: string });
    const engaged = lines.find((l) => l.msg === 'kill switch engaged');
    expect(engaged?.request_id).toBe('drill-0001-abc');
    // Outside a request nothing carries one.
    h.services.logger.info('outside any request');
    expect(JSON.parse(h.logLines.at(-1)!).request_id).toBeUndefined();
  });

  test('should serve an OpenAPI document generated from the route schemas', async () => {
    const doc = await h.call('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const put = doc.body.paths['/api/v1/clients/{client_id}/policy'].put;
    expect(put.requestBody.content['application/json'].schema.properties.autonomy.enum).toEqual(['auto', 'manual']);
    expect(put.parameters[0]).toMatchObject({ name: 'client_id', in: 'path', required: true });
  });

  test('should set security headers, a request id on every answer, and rate-limit a caller', async () => {
    const res = await h.call('GET', '/healthz');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const limited = await startApiHarness({ rateLimitPerMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1) statuses.push((await limited.call('GET', '/api/v1/clients', { token: limited.admin })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      // Another caller has its own allowance.
      expect((await limited.call('GET', '/api/v1/clients', { token: await limited.token('operator') })).status).toBe(200);
      // Made-up tokens buy no fresh allowance: they count against the address, like anonymous calls.
      const guesses: number[] = [];
      for (let i = 0; i < 7; i += 1) guesses.push((await limited.call('GET', '/api/v1/clients', { token: `rzt_${String(i).padStart(43, 'x')}` })).status);
      expect(guesses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect((await limited.call('GET', '/api/v1/clients')).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
