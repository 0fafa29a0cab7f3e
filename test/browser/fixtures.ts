import { test as base, expect } from '@playwright/test';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { BrowserProvider } from '../../runners/index.js';
import { AdminClient } from '../sandbox/fixtures.js';

export { IG, sha256, samplePng, eventually, AdminClient } from '../sandbox/fixtures.js';

/** A sandbox per test, one browser server per worker (as one Chromium per farm). */
/** The churn seed the browser suite runs on in `npm test` (not the sandbox's default: no churn). */
export const BROWSER_CHURN_SEED = 3;

export const test = base.extend<{ sandbox: Sandbox; admin: AdminClient; churn: string; history: number }, { provider: BrowserProvider }>({
  /**
   * The churn seed of the sandbox's pages (issue 13): `npm test` runs the browser suite on
   * BROWSER_CHURN_SEED, RAIZE_SANDBOX_CHURN_SEED=S picks another, `off` the plain v1 pages — for
   * the tests whose subject is the exact markup (annex skeleton hashes, pixel baselines of those
   * hashes), pinned with `test.use({ churn: 'off' })`. The locale stays RAIZE_SANDBOX_LOCALE's.
   */
  churn: [process.env.RAIZE_SANDBOX_CHURN_SEED?.trim() || String(BROWSER_CHURN_SEED), { option: true }],
  /** Older posts per business account (the sandbox's `history`: one a day, the newest a day old). */
  history: [0, { option: true }],
  provider: [async ({}, use) => {
    const provider = await BrowserProvider.launch({ executablePath: process.env.RAIZE_CHROMIUM });
    await use(provider);
    await provider.close();
  }, { scope: 'worker' }],
  sandbox: async ({ churn, history }, use) => {
    const sandbox = await startSandbox({ port: 0, churnSeed: churn === 'off' ? undefined : Number(churn), history });
    await use(sandbox);
    await sandbox.close();
  },
  admin: async ({ sandbox }, use) => {
    await use(new AdminClient(sandbox));
  },
});

export { expect };
