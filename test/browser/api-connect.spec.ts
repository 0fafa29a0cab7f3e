import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createApiToken, startApi } from '../../api/index.js';
import { browserConnect } from '../../cli/demo.js';
import { resolveConfig } from '../../config/index.js';
import { createServices } from '../../runners/index.js';
import { tempDir } from '../helpers/kernel.js';
import { X } from '../sandbox/fixtures.js';
import { expect, IG, test } from './fixtures.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('should connect accounts through the platforms\' login flows: fingerprint from the platform, password used once and kept nowhere', async ({ provider, sandbox }) => {
  const dir = tempDir('raize-connect-');
  const lines: string[] = [];
  const services = createServices(resolveConfig({ dataDir: dir.path, logLevel: 'debug' }, {}), { log: { destination: { write: (l: string) => void lines.push(l) } } });
  const api = await startApi({ services, port: 0, connect: browserConnect(services, provider, sandbox.platforms) });
  try {
    await services.store.clients.create({ client_id: 'northwind', name: 'Northwind', created_at: new Date().toISOString() });
    const { token } = await createApiToken(services.store, { name: 'ops', role: 'operator', client_id: null, created_by: 'test' });
    const post = (body: object) => fetch(`${api.url}/api/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const ig = await post({ client_id: 'northwind', platform: 'instagram', handle: IG.northwind.handle, password: IG.northwind.password, timezone: 'Europe/Madrid' });
    expect(ig.status).toBe(201);
    const igAccount = await ig.json();
    // The fingerprint is what the platform showed: its account cookie's user id, the handle on the account surface.
    expect(igAccount.fingerprint).toMatchObject({ platform_user_id: IG.northwind.id, handle: IG.northwind.handle });
    expect(igAccount).toMatchObject({ state: 'active', has_session: true });
    expect(JSON.stringify(igAccount)).not.toContain('session_ref');
    const x = await post({ client_id: 'northwind', platform: 'x', handle: `@${X.northwind.handle}`, password: X.northwind.password, timezone: 'UTC' });
    expect(x.status).toBe(201);
    expect((await x.json()).fingerprint).toMatchObject({ platform_user_id: X.northwind.id, handle: X.northwind.handle });

    // A wrong password: the login fails, nothing is created, the password is nowhere.
    const canary = 'CANARY-pw-7f3a9c21';
    const wrong = await post({ client_id: 'northwind', platform: 'instagram', handle: IG.lumen.handle, password: canary, timezone: 'UTC' });
    expect(wrong.status).toBe(502);
    expect(await wrong.json()).toMatchObject({ error: 'connect_failed' });
    expect((await services.store.accounts.list({ client_id: 'northwind' })).map((a) => a.fingerprint.handle).sort()).toEqual([IG.northwind.handle, X.northwind.handle].sort());

    for (const secret of [canary, IG.northwind.password, X.northwind.password]) {
      expect(lines.join('\n')).not.toContain(secret);
      for (const file of filesUnder(dir.path)) expect(readFileSync(file).includes(secret), file).toBe(false);
    }
  } finally {
    await api.close();
    await services.close();
    dir.remove();
  }
});
