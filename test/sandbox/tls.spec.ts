import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { HttpClient, loadExtraCa } from '../../connectors/index.js';
import { TransientError } from '../../safety/index.js';
import { startSandbox, SEED_ACCOUNTS } from '../../sandbox/index.js';
import { Secret } from '../../store/index.js';
import { spawnReady, stopChild } from './fixtures.js';

const xToken = () => new Secret(SEED_ACCOUNTS.find((a) => a.platform === 'x')!.token);
const igAccount = () => SEED_ACCOUNTS.find((a) => a.platform === 'instagram')!;

test.describe('sandbox over HTTPS (--tls)', () => {
  let dir: string;
  test.beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raize-tls-'));
  });
  test.afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  test('should serve the platform APIs over HTTPS that a connector trusts only through the extra CA', async () => {
    const sandbox = await startSandbox({ tls: { dir: join(dir, 'tls') } });
    try {
      expect(sandbox.platforms.x).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.platforms.instagram).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.ca).toBe(join(dir, 'tls', 'ca.pem'));
      // The CA's private key is its owner's alone.
      expect((await stat(join(dir, 'tls', 'ca.key'))).mode & 0o777).toBe(0o600);

      const trusted = new HttpClient({ baseUrl: sandbox.platforms.x, ca: await loadExtraCa(sandbox.ca!) });
      const me = await trusted.request({ method: 'GET', path: '/2/users/me', token: xToken(), mutating: false });
      expect(me.status).toBe(200);
      expect((me.body as { data: { id: string } }).data.id).toBe(SEED_ACCOUNTS.find((a) => a.platform === 'x')!.id);
      const ig = new HttpClient({ baseUrl: sandbox.platforms.instagram, ca: await loadExtraCa(sandbox.ca!) });
      const igMe = await ig.request({ method: 'GET', path: '/v21.0/me', query: { fields: 'id,username' }, token: new Secret(igAccount().token), mutating: false });
      expect((igMe.body as { username: string }).username).toBe(igAccount().handle);
      await Promise.all([trusted.close(), ig.close()]);

      // Without it, the system's roots alone refuse the certificate: the write never leaves.
      const untrusted = new HttpClient({ baseUrl: sandbox.platforms.x });
      const error = await untrusted.request({ method: 'POST', path: '/2/tweets', json: { text: 'never sent' }, token: xToken(), mutating: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/TLS: .*never left/);
      await untrusted.close();
    } finally {
      await sandbox.close();
    }
  });

  test('should keep its CA across restarts, so a client configured once keeps trusting it', async () => {
    const first = await startSandbox({ tls: { dir: join(dir, 'tls') } });
    const ca = await readFile(first.ca!, 'utf8');
    await first.close();
    const second = await startSandbox({ tls: { dir: join(dir, 'tls') } });
    try {
      expect(await readFile(second.ca!, 'utf8')).toBe(ca);
      const client = new HttpClient({ baseUrl: second.platforms.x, ca });
      expect((await client.request({ method: 'GET', path: '/2/users/me', token: xToken(), mutating: false })).status).toBe(200);
      await client.close();
    } finally {
      await second.close();
    }
  });

  test('should print the CA path as "ca" in the ready line of `raize sandbox --tls`', async () => {
    // The CLI compiles on start: slow on a busy 2-core host.
    test.setTimeout(120_000);
    const { child, ready } = await spawnReady<{ admin: string; platforms: { x: string }; ca: string }>(['bin/raize.mjs', 'sandbox', '--tls', '--port', '0'], { RAIZE_DATA_DIR: dir }, 90_000);
    try {
      expect(ready.ca).toBe(join(dir, 'sandbox', 'tls', 'ca.pem'));
      expect(ready.admin).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(ready.platforms.x).toMatch(/^https:\/\//);
      const client = new HttpClient({ baseUrl: ready.platforms.x, ca: await loadExtraCa(ready.ca) });
      expect((await client.request({ method: 'GET', path: '/2/users/me', token: xToken(), mutating: false })).status).toBe(200);
      await client.close();
    } finally {
      await stopChild(child);
    }
  });
});
