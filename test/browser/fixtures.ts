import { test as base, expect } from '@playwright/test';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { BrowserProvider } from '../../runners/index.js';
import { AdminClient } from '../sandbox/fixtures.js';

export { IG, sha256, samplePng, eventually, AdminClient } from '../sandbox/fixtures.js';

/** A sandbox per test, one browser server per worker (as one Chromium per farm). */
export const test = base.extend<{ sandbox: Sandbox; admin: AdminClient }, { provider: BrowserProvider }>({
  provider: [async ({}, use) => {
    const provider = await BrowserProvider.launch({ executablePath: process.env.RAIZE_CHROMIUM });
    await use(provider);
    await provider.close();
  }, { scope: 'worker' }],
  sandbox: async ({}, use) => {
    const sandbox = await startSandbox({ port: 0 });
    await use(sandbox);
    await sandbox.close();
  },
  admin: async ({ sandbox }, use) => {
    await use(new AdminClient(sandbox));
  },
});

export { expect };
