import { instagramLogin, xLogin } from '../../flows/index.js';
import { layoutShell, structureMatch, SAME_LAYOUT_CONTAINMENT } from '../../proofs/index.js';
import { readSurfaces } from '../../runners/browser/annex-record.js';
import { sandboxSurfaceVisits } from '../../sandbox/index.js';
import { INSTAGRAM_ANNEX, X_ANNEX, type Annex } from '../../selectors/index.js';
import { test, expect, IG } from './fixtures.js';
import { X } from '../sandbox/fixtures.js';

const ANNEXES: Record<'instagram' | 'x', Annex> = { instagram: INSTAGRAM_ANNEX, x: X_ANNEX };
const LOGINS = { instagram: { flow: instagramLogin, account: IG.northwind }, x: { flow: xLogin, account: X.northwind } };

for (const platform of ['instagram', 'x'] as const) {
  test(`should find the annex's structure fingerprints and features on the ${platform} v1 surfaces, and none of them on v2`, async ({ provider, sandbox, admin, churn }) => {
    const churned = churn !== 'off';
    // Seventeen pages and two logins; a loaded 2-core host takes minutes.
    test.setTimeout(300_000);
    const annex = ANNEXES[platform];
    const { structure, features } = annex.layouts.v1!.fingerprint;
    const shell = layoutShell(Object.values(features).flat());
    const best = (surface: string, seen: string[]) => Math.max(0, ...(features[surface] ?? []).map((known) => structureMatch(known, seen, shell)));
    const origin = sandbox.platforms[platform];
    const context = await provider.newContext();
    try {
      const page = await context.newPage();
      const { flow, account } = LOGINS[platform];
      await flow.login({ page, origin, annex, handle: account.handle, password: account.password });
      const visits = sandboxSurfaceVisits(platform);
      for (const r of await readSurfaces(page, origin, annex, 'v1', visits)) {
        const what = `${platform} ${r.surface}: ${r.variant}`;
        expect(r.layout, what).toBe('v1');
        // Under churn the skeleton hash changes; the features may not.
        if (!churned) expect(structure[r.surface], what).toContain(r.structure);
        expect(best(r.surface, r.features), what).toBe(1);
      }
      // The fingerprints name the v1 layout: the same surfaces in v2 match none of them, by hash or by features.
      await admin.layout(platform, 'v2');
      const known = new Set(Object.values(structure).flat());
      // (v2 never shows v1's markers: no point waiting for them.)
      for (const r of await readSurfaces(page, origin, annex, 'v1', visits, { recogniseTimeoutMs: 1000 })) {
        const what = `${platform} v2 ${r.surface}: ${r.variant}`;
        expect(known.has(r.structure), what).toBe(false);
        for (const surface of Object.keys(features)) expect(best(surface, r.features), `${what} as ${surface}`).toBeLessThan(SAME_LAYOUT_CONTAINMENT);
      }
    } finally {
      await context.close();
    }
  });
}
