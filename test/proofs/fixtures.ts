import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createProofStore, type ProofStore } from '../../proofs/index.js';

export const NORTHWIND = { id: '17841400000000001', handle: 'northwind.bakery', password: 'northwindbakery-pass' } as const;
export const SEED_POST = '/p/SEED1aBc/';

/** Login selectors of the Instagram sandbox per layout (sandbox/README.md). */
const LOGIN = {
  v1: { user: 'input[name="username"]', pass: 'input[name="password"]', submit: '[data-testid="login-button"]' },
  v2: { user: '[data-qa="signin-user"]', pass: '[data-qa="signin-pass"]', submit: '[data-qa="signin-go"]' },
} as const;

/** Dynamic regions of the v1 post page: counts, relative times, the like toggle. */
export const V1_POST_DYNAMIC = ['[data-testid="like-count"]', '[data-testid="like-button"]', 'time'];

export async function loginInstagram(page: Page, base: string, layout: 'v1' | 'v2' = 'v1'): Promise<void> {
  const s = LOGIN[layout];
  await page.goto(`${base}/accounts/login/`);
  await page.fill(s.user, NORTHWIND.handle);
  await page.fill(s.pass, NORTHWIND.password);
  await Promise.all([page.waitForURL(`**/${NORTHWIND.handle}/`), page.click(s.submit)]);
}

export async function setLayout(sandbox: Sandbox, version: 'v1' | 'v2'): Promise<void> {
  const res = await fetch(`${sandbox.adminUrl}/__sandbox/layout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sandbox.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'instagram', version }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
}

export const test = base.extend<{ sandbox: Sandbox; ig: string; dataDir: string; store: ProofStore }>({
  sandbox: async ({}, use) => {
    const sandbox = await startSandbox({ port: 0 });
    await use(sandbox);
    await sandbox.close();
  },
  ig: async ({ sandbox }, use) => {
    await use(sandbox.platforms.instagram);
  },
  dataDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'raize-proofs-test-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  store: async ({ dataDir }, use) => {
    await use(createProofStore(dataDir));
  },
});

export { expect, type Page };
