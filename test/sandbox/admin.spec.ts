import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxReadyLine, startSandbox, SandboxOptionsError } from '../../sandbox/index.js';
import { test, expect, call, IG, X, AdminClient, spawnReady, stopChild } from './fixtures.js';

test.describe('sandbox admin API', () => {
  test('should answer 401 on every admin route without the admin bearer token', async ({ admin }) => {
    for (const [method, path] of [
      ['GET', '/__sandbox/state'], ['GET', '/__sandbox/effects'], ['GET', '/__sandbox/faults'], ['POST', '/__sandbox/faults'], ['DELETE', '/__sandbox/faults'],
      ['POST', '/__sandbox/layout'], ['POST', '/__sandbox/reset'], ['POST', '/__sandbox/dm'], ['POST', '/__sandbox/comment'], ['POST', '/__sandbox/webhooks/subscribe'],
      ['GET', '/__sandbox/webhooks'], ['GET', '/__sandbox/accounts'], ['GET', '/__sandbox/nothing'],
    ] as const) {
      expect((await admin.request(method, path, undefined, null)).status, `${method} ${path}`).toBe(401);
      expect((await admin.request(method, path, undefined, 'wrong-token-123')).status, `${method} ${path}`).toBe(401);
    }
  });

  test('should print the ready line and listen on loopback only', async ({ sandbox }) => {
    const line = JSON.parse(sandboxReadyLine(sandbox));
    expect(line).toEqual({ admin: sandbox.adminUrl, admin_token: sandbox.adminToken, platforms: { instagram: sandbox.platforms.instagram, x: sandbox.platforms.x } });
    for (const url of [sandbox.adminUrl, sandbox.platforms.instagram, sandbox.platforms.x]) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set([sandbox.adminUrl, sandbox.platforms.instagram, sandbox.platforms.x]).size).toBe(3);
  });

  test('should report state with seeded accounts, and switch layouts', async ({ admin }) => {
    const state = (await admin.request('GET', '/__sandbox/state')).json;
    expect(state.layout).toEqual({ instagram: 'v1', x: 'v1' });
    expect(state.accounts.filter((a: { kind: string }) => a.kind === 'business')).toHaveLength(6);
    expect(state.accounts.find((a: { id: string }) => a.id === IG.northwind.id)).toMatchObject({ handle: IG.northwind.handle, token: IG.northwind.token, password: IG.northwind.password });
    await admin.layout('x', 'v2');
    expect((await admin.request('GET', '/__sandbox/state')).json.layout).toEqual({ instagram: 'v1', x: 'v2' });
    const bad = await admin.request('POST', '/__sandbox/layout', { platform: 'x', version: 'v3' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('version');
  });

  test('should filter effects by platform, account, kind and lane', async ({ sandbox, admin }) => {
    await call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'a' } });
    await call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.lumen.token, body: { text: 'b' } });
    await call(`${sandbox.platforms.x}/2/users/${X.lumen.id}/following`, { method: 'POST', token: X.lumen.token, body: { target_user_id: X.northwind.id } });
    expect(await admin.effects({ platform: 'x' })).toHaveLength(3);
    expect(await admin.effects({ platform: 'instagram' })).toHaveLength(0);
    expect(await admin.effects({ account: X.lumen.handle })).toHaveLength(2);
    expect(await admin.effects({ account: X.lumen.id, kind: 'follow' })).toHaveLength(1);
    expect(await admin.effects({ via: 'ui' })).toHaveLength(0);
    const all = await admin.effects();
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await admin.effects({ since_seq: '2' })).toHaveLength(1);
    const bad = await admin.request('GET', '/__sandbox/effects?kind=retweet');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('kind');
  });

  test('should answer quiesce only once no platform request is in flight, so "nothing happened" is read after the last request', async ({ sandbox, admin }) => {
    await admin.fault({ kind: 'latency', platform: 'x', ms: 600, count: 1 });
    const started = Date.now();
    const slow = call(`${sandbox.platforms.x}/2/users/me`, { token: X.northwind.token });
    await new Promise((r) => setTimeout(r, 50)); // let the request reach the server
    const quiet = await admin.quiesce(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect((await slow).status).toBe(200);
    expect(quiet.handled).toBeGreaterThanOrEqual(1);
    expect(quiet.effects).toBe(0);
    const bad = await admin.request('GET', '/__sandbox/quiesce?quiet_ms=1');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/quiet_ms/);
  });

  test('should reset to the seeded world', async ({ sandbox, admin }) => {
    await call(`${sandbox.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'a' } });
    await admin.fault({ kind: 'ack_lost', platform: 'x' });
    await admin.layout('instagram', 'v2');
    expect((await admin.request('POST', '/__sandbox/reset')).status).toBe(200);
    expect(await admin.effects()).toHaveLength(0);
    const state = (await admin.request('GET', '/__sandbox/state')).json;
    expect(state.faults).toHaveLength(0);
    expect(state.layout).toEqual({ instagram: 'v1', x: 'v1' });
  });

  test('should validate admin inputs and name the field', async ({ admin }) => {
    const dm = await admin.request('POST', '/__sandbox/dm', { from: IG.northwind.handle, to: IG.northwind.handle, text: 'x' });
    expect(dm.status).toBe(400);
    expect(dm.json.message).toContain('from');
    const missing = await admin.request('POST', '/__sandbox/dm', { from: IG.ana.handle, to: IG.northwind.handle });
    expect(missing.json.message).toContain('text is required');
    const extra = await admin.request('POST', '/__sandbox/layout', { platform: 'x', version: 'v1', colour: 'red' });
    expect(extra.status).toBe(400);
  });

  test('should keep state in the lowdb file across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raize-sbx-test-'));
    try {
      const dataFile = join(dir, 'world.json');
      const first = await startSandbox({ dataFile, adminToken: 'admin-token-1' });
      await call(`${first.platforms.x}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'persisted' } });
      await first.close();
      const second = await startSandbox({ dataFile, adminToken: 'admin-token-1' });
      try {
        const effects = await new AdminClient(second).effects();
        expect(effects).toHaveLength(1);
        expect(second.adminToken).toBe('admin-token-1');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('should serve deterministic avatars', async () => {
    const a = await startSandbox();
    const b = await startSandbox();
    try {
      const get = async (base: string) => Buffer.from(await (await fetch(`${base}/static/avatars/${IG.northwind.id}.png`)).arrayBuffer());
      const [one, two, other] = await Promise.all([get(a.platforms.instagram), get(b.platforms.instagram), fetch(`${a.platforms.instagram}/static/avatars/${IG.lumen.id}.png`).then(async (r) => Buffer.from(await r.arrayBuffer()))]);
      expect(one.subarray(1, 4).toString()).toBe('PNG');
      expect(one.equals(two)).toBe(true);
      expect(one.equals(other)).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('should refuse invalid options naming the option', async () => {
    await expect(startSandbox({ port: 70000 })).rejects.toThrow(SandboxOptionsError);
    await expect(startSandbox({ adminToken: 'short' })).rejects.toThrow(/adminToken/);
  });

  test('should start from sandbox/main.ts and print one ready line with the env admin token', async () => {
    const { child, ready } = await spawnReady<{ admin: string; admin_token: string; platforms: Record<string, string> }>(['--import', 'tsx', 'sandbox/main.ts', '--port', '0'], { RAIZE_SANDBOX_ADMIN_TOKEN: 'env-admin-token' }, 20_000);
    try {
      expect(ready.admin_token).toBe('env-admin-token');
      const state = await fetch(`${ready.admin}/__sandbox/state`, { headers: { authorization: 'Bearer env-admin-token' } });
      expect(state.status).toBe(200);
      expect(Object.keys(ready.platforms)).toEqual(['instagram', 'x']);
    } finally {
      await stopChild(child);
    }
  });
});
