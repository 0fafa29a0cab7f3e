import { randomUUID } from 'node:crypto';
import { readDriftRecords } from '../../proofs/index.js';
import { browserHarness } from './harness.js';
import { test, expect, IG, sha256 } from './fixtures.js';

/**
 * GP3 under ten churn seeds (issue 13): hashed classes, wrappers, shuffled siblings, an A/B
 * variant per surface, prompts at seeded moments, slow renders — English and Spanish in turn.
 * Every seed publishes exactly once, on the right account, with no blocking drift record.
 */
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

for (const seed of SEEDS) {
  const locale = seed % 2 === 0 ? 'es' : 'en';
  test(`GP3 on churn seed ${seed} (${locale}): one post, the right account, no blocking drift`, async ({ admin, provider, sandbox }) => {
    test.setTimeout(180_000);
    expect((await admin.request('POST', '/__sandbox/churn', { seed, locale })).status).toBe(200);
    const b = await browserHarness(provider, sandbox);
    try {
      const caption = `Churn ${seed} ${locale} ${randomUUID()}`;
      const action = await b.submit('publish', { caption, media: [{ source: b.image }] });
      // A page that never finishes loading is transient by design: the action is run again, as the farm would.
      let outcome = await b.run(action);
      for (let i = 0; i < 3 && outcome.status === 'deferred'; i++) outcome = await b.run(action);
      expect(outcome.status, `${outcome.reason}\n${await b.trail()}`).toBe('confirmed_success');
      expect((await admin.effects({ platform: 'instagram' })).filter((e) => e.kind === 'publish'))
        .toEqual([expect.objectContaining({ account: { id: IG.northwind.id, handle: IG.northwind.handle }, payload_sha256: sha256(caption) })]);
      expect((await readDriftRecords(b.h.dir)).filter((r) => r.blocked)).toEqual([]);
      // Prompts are friction, dismissed with a proof; no other step was captured as anything else.
      const steps = b.recorder.calls.map((c) => `${c.step}:${c.phase}`);
      expect(steps.filter((s) => s.endsWith(':friction')).every((s) => /^prompt_\w+:friction$/.test(s)), steps.join(' ')).toBe(true);
    } finally {
      await b.close(test.info());
    }
  });
}
