import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runChaos } from '../../cli/chaos/run.js';

// One after the other, each with the machine to itself (the config runs tests in parallel).
test.describe.configure({ mode: 'default' });

// The fixed small chaos run of `npm test` (the big ones stay out: `npm run chaos -- --actions 300`).
// Same function as `raize chaos`: its runner processes are real child processes, SIGKILLed at
// the seed's kill points, and the counts come from the sandbox's ground truth.
test('chaos: 45 seeded actions on both lanes under the full fault mix and runner kills leave no duplicate, loss, stray or unresolved effect', async () => {
  test.setTimeout(20 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'raize-chaos-'));
  try {
    const report = await runChaos({ actions: 45, seed: 7, dataDir: dir, progress: false, lanes: ['browser', 'api'] });
    console.log(JSON.stringify(report));
    expect({
      duplicates: report.duplicates, lost: report.lost, unexpected: report.unexpected, wrong_account: report.wrong_account,
      unknown_unresolved: report.unknown_unresolved, budget_violations: report.budget_violations, audit_chain_ok: report.audit_chain_ok,
    }).toEqual({ duplicates: 0, lost: 0, unexpected: 0, wrong_account: 0, unknown_unresolved: 0, budget_violations: 0, audit_chain_ok: true });
    expect(report.actions).toBeGreaterThan(30);
    // Both lanes ran: the business accounts' API-capable actions partly on the API lane.
    const byLane = report.by_lane as Record<string, number>;
    expect(byLane.api ?? 0).toBeGreaterThanOrEqual(5);
    expect(byLane.browser ?? 0).toBeGreaterThanOrEqual(22);
    expect(report.faults_fired.runner_kill ?? 0).toBeGreaterThanOrEqual(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The same at farm level (`raize chaos --farm --hosts 3`): the actions are scheduled in the store
// and run by three farm processes (Bree jobs, one runner per account across them, each its own
// host id) sharing two remote browser servers; farms are SIGKILLed and restarted or frozen and
// woken at the seed's points, one browser server is SIGKILLed and restarted once; the final
// SIGTERM must be answered with a clean exit. (The big runs on PostgreSQL: see the README.)
test('chaos --farm --hosts 3: 16 seeded actions run by three farm processes killed, frozen and restarted, and a browser server killed, leave no duplicate, loss, stray or unresolved effect', async () => {
  test.setTimeout(15 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'raize-chaos-farm-'));
  try {
    const report = await runChaos({ actions: 16, seed: 11, dataDir: dir, progress: false, lanes: ['browser', 'api'], farm: true, hosts: 3 });
    console.log(JSON.stringify(report));
    expect({
      duplicates: report.duplicates, lost: report.lost, unexpected: report.unexpected, wrong_account: report.wrong_account,
      unknown_unresolved: report.unknown_unresolved, budget_violations: report.budget_violations, audit_chain_ok: report.audit_chain_ok,
    }).toEqual({ duplicates: 0, lost: 0, unexpected: 0, wrong_account: 0, unknown_unresolved: 0, budget_violations: 0, audit_chain_ok: true });
    expect(report.actions).toBeGreaterThanOrEqual(16);
    expect(report.faults_fired.farm_kill ?? 0).toBeGreaterThanOrEqual(1);
    expect(report.faults_fired.browser_server_kill).toBe(1);
    expect(report.farm).toMatchObject({ hosts: 3, unclean_stops: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
