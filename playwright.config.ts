import { defineConfig } from '@playwright/test';

// Playwright Test is the one runner: unit tests are plain test()s without a page; browser,
// golden-path and chaos tests use the Chromium from RAIZE_CHROMIUM or Debian's package.
const executablePath = process.env.RAIZE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The kernel's unit tests that run on whichever store their harness opens: run on PostgreSQL too
 * (the audit tamper tests through test/helpers/raw-db.ts, a raw connection to either database).
 */
const KERNEL_ON_POSTGRES = [
  'absence', 'account-runner', 'audit', 'audit-anchor', 'cli-actions', 'comment-reader', 'degrade-inflight', 'farm-bree',
  'farm-dispatch', 'farm-pacing-property', 'farm-process', 'hybrid-lane', 'kill-switch', 'lane-refs', 'look-claim', 'look-viewer',
  'observability', 'platform-hold', 'policy', 'recovery', 'run-action', 'runner-leases', 'schedule', 'scoped-keys',
  'state-machine', 'submit', 'vault', 'verification',
].map((name) => `unit/${name}.spec.ts`);

export default defineConfig({
  testDir: './test',
  timeout: 60_000,
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  reporter: [['list']],
  // One throwaway PostgreSQL cluster for the run (test/global-setup.ts): `kernel-pg` runs the
  // kernel's unit tests again with the store on PostgreSQL (test/helpers/kernel.ts reads the
  // project's metadata); the store contract (test/unit/store-contract.spec.ts) runs both itself.
  globalSetup: './test/global-setup.ts',
  // The seeded chaos run starts once everything else has finished: it loads the whole machine
  // (three runner processes and a browser), and the other suites' timings are not its concern.
  projects: [
    { name: 'suite', testIgnore: /browser\/chaos\.spec\.ts$/ },
    // Each write a round trip to the server: the property tests take longer than on the file.
    { name: 'kernel-pg', testMatch: KERNEL_ON_POSTGRES, metadata: { store: 'postgres' }, timeout: 180_000 },
    { name: 'chaos', testMatch: /browser\/chaos\.spec\.ts$/, dependencies: ['suite'] },
  ],
  use: {
    headless: true,
    launchOptions: {
      executablePath,
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
