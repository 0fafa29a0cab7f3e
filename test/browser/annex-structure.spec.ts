import { instagramLogin, xLogin } from '../../flows/index.js';
import { snapshotDom } from '../../proofs/index.js';
import { INSTAGRAM_ANNEX, X_ANNEX, type Annex } from '../../selectors/index.js';
import { test, expect, IG } from './fixtures.js';
import { X } from '../sandbox/fixtures.js';

/** Pages of each surface the flows visit, as the seeded northwind accounts see them. */
const SURFACES: Record<'instagram' | 'x', [surface: string, path: string][]> = {
  instagram: [
    ['home', '/'],
    ['profile', `/${IG.northwind.handle}/`],
    ['profile', `/${IG.ana.handle}/`],
    ['composer', '/create/'],
    ['post', '/p/SEED1aBc/'],
    ['dm_thread', `/direct/t/${IG.ana.id}/`],
  ],
  x: [
    ['home', '/home'],
    ['profile', `/${X.northwind.handle}`],
    ['composer', '/compose/post'],
    ['post', `/${X.northwind.handle}/status/1860000000000000001`],
    ['dm_thread', `/messages/${X.ana.id}`],
  ],
};

const ANNEXES: Record<'instagram' | 'x', Annex> = { instagram: INSTAGRAM_ANNEX, x: X_ANNEX };
const LOGINS = { instagram: { flow: instagramLogin, account: IG.northwind }, x: { flow: xLogin, account: X.northwind } };

for (const platform of ['instagram', 'x'] as const) {
  test(`should find the annex's structure fingerprints on the ${platform} v1 surfaces, and none of them on v2`, async ({ provider, sandbox, admin }) => {
    const annex = ANNEXES[platform];
    const v1 = annex.layouts.v1!;
    const origin = sandbox.platforms[platform];
    const context = await provider.newContext();
    try {
      const page = await context.newPage();
      const { flow, account } = LOGINS[platform];
      await flow.login({ page, origin, annex, handle: account.handle, password: account.password });
      const seen = async () => {
        const out: [string, string][] = [];
        for (const [surface, path] of SURFACES[platform]) {
          await page.goto(new URL(path, origin).toString());
          out.push([surface, (await snapshotDom(page, { dynamicRegions: v1.dynamic_regions })).structure_sha256]);
        }
        return out;
      };
      for (const [surface, structure] of await seen()) expect(v1.fingerprint.structure[surface], `${platform} ${surface}`).toContain(structure);
      // The fingerprints name the v1 layout: the same surfaces in v2 match none of them.
      await admin.layout(platform, 'v2');
      const known = new Set(Object.values(v1.fingerprint.structure).flat());
      for (const [surface, structure] of await seen()) expect(known.has(structure), `${platform} v2 ${surface}`).toBe(false);
    } finally {
      await context.close();
    }
  });
}
