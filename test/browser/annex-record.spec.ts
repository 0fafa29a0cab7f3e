import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAnnexCheck, runAnnexRecord } from '../../cli/annex.js';
import { instagramLogin, INSTAGRAM_COMMIT_ELEMENTS } from '../../flows/index.js';
import { sandboxSurfaceVisits } from '../../sandbox/index.js';
import { ANNEX_DIR, INSTAGRAM_ANNEX, loadAnnex } from '../../selectors/index.js';
import { tempDir } from '../helpers/kernel.js';
import { browserHarness } from './harness.js';
import { test, expect, IG } from './fixtures.js';

/**
 * Issue 13, annexes as recorded data: `raize annex record` reads the sandbox's v1 pages with a
 * logged-in session from a base that has only the reviewed selectors, texts and prompts (no
 * structures, features or element fingerprints), `raize annex check` passes the draft, and the
 * draft alone drives GP3; on v2 the check fails.
 */
test('should record Instagram v1 from scratch into a draft that annex check passes and that drives GP3, and fail the check on v2', async ({ provider, sandbox, admin, churn }) => {
  test.setTimeout(420_000);
  const dir = tempDir('raize-annex-record-');
  try {
    const origin = sandbox.platforms.instagram;
    const context = await provider.newContext();
    const page = await context.newPage();
    await instagramLogin.login({ page, origin, annex: INSTAGRAM_ANNEX, handle: IG.northwind.handle, password: IG.northwind.password });
    const session = join(dir.path, 'session.json');
    writeFileSync(session, JSON.stringify(await context.storageState()));
    await context.close();

    const base = JSON.parse(readFileSync(join(ANNEX_DIR, 'instagram', 'v1.json'), 'utf8')) as { fingerprint: Record<string, unknown>; elements: unknown };
    base.fingerprint.structure = {};
    base.fingerprint.features = {};
    base.elements = {};
    const from = join(dir.path, 'scratch.json');
    writeFileSync(from, JSON.stringify(base));

    const recorded = await runAnnexRecord(dir.path, { platform: 'instagram', layout: 'v1', session, origin, from, provider });
    expect(recorded.surfaces).toBe(8);
    const draft = loadAnnexFrom(recorded.path);
    const v1 = draft.layouts.v1!;
    for (const element of INSTAGRAM_COMMIT_ELEMENTS) expect(v1.elements[element], element).toBeDefined();
    expect(Object.keys(v1.fingerprint.features).sort()).toEqual(['composer', 'dm_thread', 'home', 'post', 'profile']);
    // The same pages, the same structures the product's reviewed annex lists (without churn).
    if (churn === 'off') {
      for (const [surface, hashes] of Object.entries(v1.fingerprint.structure)) for (const h of hashes) expect(INSTAGRAM_ANNEX.layouts.v1!.fingerprint.structure[surface], surface).toContain(h);
    }

    const annexDir = join(dir.path, 'annexes');
    mkdirSync(join(annexDir, 'instagram'), { recursive: true });
    writeFileSync(join(annexDir, 'instagram', 'v1.json'), readFileSync(recorded.path));
    const check = await runAnnexCheck({ platform: 'instagram', session, origin, annexDir, provider });
    expect(check.ok, JSON.stringify(check)).toBe(true);
    for (const e of check.elements.filter((x) => x.commit)) expect(e.commit!.signals, e.element).toBe(3);
    expect(check.elements.find((e) => e.element === 'composer.share')).toMatchObject({ found: 'unique' });

    // The recorded annex alone drives GP3: one post, no drift.
    const b = await browserHarness(provider, sandbox, { annex: loadAnnex('instagram', annexDir) });
    try {
      const outcome = await b.run(await b.submit('publish', { caption: `Recorded annex ${Date.now()}`, media: [{ source: b.image }] }));
      expect(outcome.status, outcome.reason).toBe('confirmed_success');
    } finally {
      await b.close();
    }
    expect((await admin.effects({ platform: 'instagram' })).filter((e) => e.kind === 'publish')).toHaveLength(1);

    // A redesign: the check names what no longer holds.
    // (The pages of the commit elements only: on v2 each page waits out the layout's markers.)
    await admin.layout('instagram', 'v2');
    const visits = join(dir.path, 'visits.json');
    writeFileSync(visits, JSON.stringify(sandboxSurfaceVisits('instagram').filter((v) => ['composer', 'dm_thread'].includes(v.surface) || ['own post', 'another account\'s profile'].includes(v.variant))));
    const after = await runAnnexCheck({ platform: 'instagram', session, origin, annexDir, provider, visits });
    expect(after.ok).toBe(false);
    expect(after.elements.filter((e) => e.commit && !e.commit.ok).map((e) => e.element).sort()).toEqual([...INSTAGRAM_COMMIT_ELEMENTS].sort());
  } finally {
    dir.remove();
  }
});

function loadAnnexFrom(file: string) {
  const dir = tempDir('raize-annex-draft-');
  mkdirSync(join(dir.path, 'instagram'));
  writeFileSync(join(dir.path, 'instagram', 'v1.json'), readFileSync(file));
  try {
    return loadAnnex('instagram', dir.path);
  } finally {
    dir.remove();
  }
}
