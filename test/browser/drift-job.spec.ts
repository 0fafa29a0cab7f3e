import { listBaselines } from '../../proofs/index.js';
import { checkAnchorDrift, startFarm, type AnchorCheck } from '../../runners/index.js';
import { browserHarness, type BrowserHarness } from './harness.js';
import { test, expect } from './fixtures.js';

let b: BrowserHarness;
test.beforeEach(async ({ provider, sandbox }) => {
  b = await browserHarness(provider, sandbox);
});
test.afterEach(async ({}, info) => {
  await b.close(info);
});

test.describe('the scheduled drift check (issue 10)', () => {
  test('should open each platform\'s anchor surface read-only on the drift job\'s schedule, through the drift guard, committing nothing', async ({ admin }) => {
    test.setTimeout(120_000);
    const farm = await startFarm(b.h.services, {
      pacing: 'off', jobs: ['drift'], intervals: { drift: 1000 },
      driftCheck: () => checkAnchorDrift(b.h.services.store, b.performer),
    });
    try {
      await expect.poll(() => farm.driftChecks.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      expect(await farm.stop(10_000)).toBe(true);
    }
    const [first] = farm.driftChecks as AnchorCheck[][];
    expect(first).toEqual([expect.objectContaining({ platform: 'instagram', platform_account_id: b.account.platform_account_id, ok: true, identity_ok: true })]);
    // The anchor surface went through the drift guard: its baseline is recorded (from the annex).
    expect((await listBaselines(b.h.dir, { platform: 'instagram', layout: 'v1', surface: 'home' })).length).toBeGreaterThan(0);
    // Read-only: no side effect reached the platform, and no context is left open.
    await admin.quiesce();
    expect(await admin.effects()).toEqual([]);
    expect(b.performer.openContexts).toBe(0);
  });
});
