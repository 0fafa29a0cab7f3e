import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { createFlowContext, gotoUrl, runFlow, xLogin, type Flow, type FlowContext } from '../../flows/index.js';
import { xFlows } from '../../flows/x/index.js';
import { open as openSurface } from '../../flows/x/common.js';
import type { Action, ActionContext, AttemptReceipt, OutcomeUnknownError, PlatformAccount, ProofRef, Verification } from '../../safety/index.js';
import { X_ANNEX } from '../../selectors/x.js';
import { X, type AdminClient } from '../sandbox/fixtures.js';
import { test, expect, sha256, eventually } from './fixtures.js';

/**
 * The X flows against the sandbox's X v1 UI through the flow runner (flows/run.ts), without the
 * kernel: a hand-built episode and the kernel's order (pre-check, steps, verification),
 * asserting the ground truth each time.
 */

const ACCOUNT: PlatformAccount = {
  platform_account_id: 'acct-x-northwind', client_id: 'client-1', platform: 'x',
  fingerprint: { platform_user_id: X.northwind.id, handle: X.northwind.handle, display_name: 'Northwind Bakery', extra: {} },
  timezone: 'UTC', state: 'active', state_reason: null, session_ref: null,
  created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
};

function actionOf(action_type: Action['action_type'], payload: Record<string, unknown>): Action {
  const now = new Date().toISOString();
  return {
    action_id: randomUUID(), episode_id: randomUUID(), client_id: ACCOUNT.client_id, platform: 'x', platform_account_id: ACCOUNT.platform_account_id,
    lane: 'browser', action_type, payload, payload_hash: sha256(JSON.stringify(payload)), idempotency_key: randomUUID(), state: 'attempted', risk: 'normal',
    compliance_flags: [], created_by: 'test', policy_snapshot_id: null, attempt_count: 1, verify_tries: 0, owner_id: null, lease_expires_at: null,
    fence: 0, attempt_ended_at: null, absence: [], result: {}, escalated_at: null, depends_on: null, due_at: null, window_end_at: null, not_before: null, created_at: now, updated_at: now,
  };
}

interface Local {
  fc: FlowContext;
  commits: number;
  proofs: ProofRef[];
}

function localContext(page: Page, origin: string, action: Action): Local {
  const local: Local = { commits: 0, proofs: [], fc: undefined as unknown as FlowContext };
  const episode: ActionContext = {
    action, account: ACCOUNT, attempt: 1, deadline: Date.now() + 60_000, signal: new AbortController().signal,
    beforeCommit: async () => {
      local.commits += 1;
    },
    get commitChecks() {
      return local.commits;
    },
    addProof: (p) => void local.proofs.push(p),
    keepRef: async () => undefined,
    log: () => undefined,
  };
  // The runner's context: its commit guard and guardrails (flows/run.ts) around our episode.
  local.fc = createFlowContext({ page, origin, annex: X_ANNEX, episode });
  return local;
}

/** The product's login flow: on churned pages it declines the cookie banner and waits out the spinner. */
async function login(page: Page, origin: string): Promise<void> {
  await xLogin.login({ page, origin, annex: X_ANNEX, handle: X.northwind.handle, password: X.northwind.password });
}

/** Pre-check, then (when nothing exists) the steps, then verification: the kernel's order. */
async function perform(page: Page, origin: string, flow: Flow, payload: Record<string, unknown>): Promise<{ existed: boolean; receipt: AttemptReceipt; verification: Verification; commits: number; error?: unknown }> {
  const pre = localContext(page, origin, actionOf(flow.action_type, payload));
  const check = await flow.precheck(pre.fc);
  if (check.exists) return { existed: true, receipt: check.ref, verification: await flow.verify(pre.fc, check.ref), commits: 0 };
  const run = localContext(page, origin, pre.fc.action);
  let error: unknown;
  try {
    await runFlow(run.fc, flow.steps, { listeners: [] });
  } catch (e) {
    error = e;
  }
  const after = localContext(page, origin, pre.fc.action);
  const verification = await flow.verify(after.fc, error ? undefined : run.fc.receipt);
  return { existed: false, receipt: run.fc.receipt, verification, commits: run.commits, error };
}

/** Serves the first `hangs` loads of `path` with a spinner that never ends (as a site's bad minute does); counts the loads. */
async function hangLoads(page: Page, origin: string, path: string, hangs: number): Promise<{ loads: number }> {
  const seen = { loads: 0 };
  await page.route(`${origin}${path}`, async (route) => {
    seen.loads += 1;
    const response = await route.fetch();
    const html = await response.text();
    const spinner = '<div role="progressbar" aria-busy="true" aria-label="Loading…" style="width:24px;height:24px;background:#1d9bf0"></div>';
    await route.fulfill({ response, body: seen.loads <= hangs ? html.replace(/<body([^>]*)>/, `<body$1>${spinner}`) : html });
  });
  return seen;
}

const effectsOf = (admin: AdminClient, kind: string) => eventually(() => admin.effects({ platform: 'x', kind }), (e) => e.length > 0);

test.describe('X flows (v1 layout, local harness)', () => {
  test.beforeEach(async ({ page, sandbox }) => {
    await login(page, sandbox.platforms.x);
  });

  test('should reload a page whose spinner never ends up to twice, go on once it renders, and give up as transient after that', async ({ page, sandbox }) => {
    test.setTimeout(90_000);
    const origin = sandbox.platforms.x;
    const twice = await hangLoads(page, origin, '/northwindbakery', 2);
    await gotoUrl(localContext(page, origin, actionOf('like', { target: '/northwindbakery' })).fc, `${origin}/northwindbakery`);
    expect(twice.loads).toBe(3);
    await expect(page.locator('[data-testid="UserName-handle"]')).toBeVisible();
    await page.unrouteAll();
    const always = await hangLoads(page, origin, '/northwindbakery', 99);
    const error = await gotoUrl(localContext(page, origin, actionOf('like', { target: '/northwindbakery' })).fc, `${origin}/northwindbakery`).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransientError', message: expect.stringMatching(/still loading after 2 reloads/) });
    expect(always.loads).toBe(3);
    // The X flows' own navigation waits it out too (churn seed 10 hung the composer: the post step
    // looked for the text box behind the spinner and gave up).
    await page.unrouteAll();
    const composer = await hangLoads(page, origin, '/compose/post', 1);
    await openSurface(localContext(page, origin, actionOf('publish', { text: 'x' })).fc, 'composer', 'compose');
    expect(composer.loads).toBe(2);
    await expect(page.getByTestId('tweetTextarea_0')).toBeVisible();
  });

  test('should publish once with a permalink receipt, verify at level 3, and find the post on a second run', async ({ page, sandbox, admin }) => {
    const text = `Fresh sourdough at 7 ${randomUUID()}`;
    const first = await perform(page, sandbox.platforms.x, xFlows.publish!, { text });
    expect(first.error).toBeUndefined();
    expect(first.commits).toBe(1);
    expect(first.receipt.platform_object_id).toMatch(/^\d+$/);
    expect(first.receipt.permalink).toBe(`${sandbox.platforms.x}/${X.northwind.handle}/status/${first.receipt.platform_object_id}`);
    expect(first.verification).toMatchObject({ outcome: 'present', level: 3, platform_object_id: first.receipt.platform_object_id });
    const effects = await effectsOf(admin, 'publish');
    expect(effects).toEqual([expect.objectContaining({ object_id: first.receipt.platform_object_id, payload_sha256: sha256(text), via: 'ui' })]);

    const second = await perform(page, sandbox.platforms.x, xFlows.publish!, { text });
    expect(second.existed).toBe(true);
    expect(second.receipt.platform_object_id).toBe(first.receipt.platform_object_id);
    expect(await admin.effects({ platform: 'x' })).toHaveLength(1);
  });

  test('should leave verification to find the post when the receipt is missing', async ({ page, sandbox, admin }) => {
    await admin.fault({ kind: 'receipt_missing', platform: 'x', action: 'publish' });
    const text = `No receipt today ${randomUUID()}`;
    const out = await perform(page, sandbox.platforms.x, xFlows.publish!, { text });
    expect((out.error as Error)?.name).toBe('OutcomeUnknownError');
    const effects = await effectsOf(admin, 'publish');
    expect(effects).toHaveLength(1);
    expect(out.verification).toMatchObject({ outcome: 'present', level: 3, platform_object_id: effects[0]!.object_id });
  });

  test('should like the seeded tweet once and find the like already on a second run', async ({ page, sandbox, admin }) => {
    const tweet = `/${X.northwind.handle}/status/1860000000000000001`;
    const first = await perform(page, sandbox.platforms.x, xFlows.like!, { target: tweet });
    expect(first.error).toBeUndefined();
    expect(first.verification).toMatchObject({ outcome: 'present', level: 3, platform_object_id: '1860000000000000001' });
    expect(await effectsOf(admin, 'like')).toEqual([expect.objectContaining({ object_id: '1860000000000000001', payload_sha256: sha256('1860000000000000001') })]);
    const second = await perform(page, sandbox.platforms.x, xFlows.like!, { target: '1860000000000000001' });
    expect(second.existed).toBe(true);
    expect(await admin.effects({ platform: 'x' })).toHaveLength(1);
  });

  test('should reply under a tweet once and find the reply on a second run', async ({ page, sandbox, admin }) => {
    const text = `Thanks for stopping by! ${randomUUID()}`;
    const payload = { target: `${sandbox.platforms.x}/${X.northwind.handle}/status/1860000000000000001`, text };
    const first = await perform(page, sandbox.platforms.x, xFlows.comment_reply!, payload);
    expect(first.error).toBeUndefined();
    expect(first.verification).toMatchObject({ outcome: 'present', level: 3, platform_object_id: first.receipt.platform_object_id });
    expect(await effectsOf(admin, 'reply')).toEqual([expect.objectContaining({ object_id: first.receipt.platform_object_id, target_id: '1860000000000000001', payload_sha256: sha256(text) })]);
    const second = await perform(page, sandbox.platforms.x, xFlows.comment_reply!, payload);
    expect(second.existed).toBe(true);
    expect(second.receipt.platform_object_id).toBe(first.receipt.platform_object_id);
    expect(await admin.effects({ platform: 'x' })).toHaveLength(1);
  });

  test('should send a DM once (recipient by handle or id) and find it in the thread on a second run', async ({ page, sandbox, admin }) => {
    const text = `Your order is ready ${randomUUID()}`;
    const first = await perform(page, sandbox.platforms.x, xFlows.dm_send!, { recipient: `@${X.ana.handle}`, text });
    expect(first.error).toBeUndefined();
    // The page shows no message ids: the message is known by its words in the conversation.
    expect(first.receipt.platform_object_id).toBeUndefined();
    expect(first.verification).toMatchObject({ outcome: 'present', level: 3, permalink: expect.stringMatching(new RegExp(`/messages/${X.ana.id}$`)) });
    expect(first.verification.platform_object_id).toBeUndefined();
    expect(await effectsOf(admin, 'dm_send')).toEqual([expect.objectContaining({ target_id: X.ana.id, payload_sha256: sha256(text) })]);
    const second = await perform(page, sandbox.platforms.x, xFlows.dm_send!, { recipient: X.ana.id, text });
    expect(second.existed).toBe(true);
    expect(await admin.effects({ platform: 'x' })).toHaveLength(1);
  });

  test('should hand an ack_lost DM to verification, which finds exactly the one message', async ({ page, sandbox, admin }) => {
    await admin.fault({ kind: 'ack_lost', platform: 'x', lane: 'ui', action: 'dm_send' });
    const text = `Did this arrive? ${randomUUID()}`;
    const out = await perform(page, sandbox.platforms.x, xFlows.dm_send!, { recipient: X.ana.id, text });
    expect(out.commits).toBe(1);
    // The send's answer never arrived: an unknown outcome, for verification (never a second send).
    expect((out.error as Error)?.name).toBe('OutcomeUnknownError');
    const effects = await effectsOf(admin, 'dm_send');
    expect(effects).toHaveLength(1);
    expect(out.verification).toMatchObject({ outcome: 'present', precise: false });
  });

  test('should find no reply after a 5xx before the commit, by content only (no proof of absence)', async ({ page, sandbox, admin }) => {
    await admin.fault({ kind: '5xx_before_commit', platform: 'x', lane: 'ui', action: 'reply' });
    const out = await perform(page, sandbox.platforms.x, xFlows.comment_reply!, { target: '1860000000000000001', text: `maybe ${randomUUID()}` });
    expect(out.commits).toBe(1);
    expect(out.error).toBeTruthy();
    // No receipt: the reply can only be looked for by its text in the conversation, a content
    // match that the kernel never counts towards an absence proof.
    expect(out.verification).toEqual({ outcome: 'absent', level: 0, surface: 'conversation', precise: false });
    expect(await admin.effects({ platform: 'x' })).toHaveLength(0);
  });

  test('should stop on an Action Blocked toast after the click: read-only for the account, outcome verified, nothing applied', async ({ page, sandbox, admin }) => {
    await admin.fault({ kind: 'action_blocked', platform: 'x', lane: 'ui', action: 'like' });
    const out = await perform(page, sandbox.platforms.x, xFlows.like!, { target: '1860000000000000001' });
    // Friction after the commit click cannot prove the like did not land: degrade, then verify.
    expect((out.error as Error)?.name).toBe('OutcomeUnknownError');
    expect((out.error as OutcomeUnknownError).degrade).toBe('read_only');
    expect((out.error as Error).message).toMatch(/action blocked.*after the commit click/);
    // The like button of the target tweet, read as our own account: a precise look.
    expect(out.verification).toEqual({ outcome: 'absent', level: 0, surface: 'post', precise: true });
    expect(await admin.effects({ platform: 'x' })).toHaveLength(0);
  });

  test('should read the Spanish UI by the annex\'s texts: a DM\'s "Enviado" receipt and an "Acción bloqueada" toast', async ({ page, sandbox, admin }) => {
    expect((await admin.request('POST', '/__sandbox/churn', { locale: 'es' })).status).toBe(200);
    const text = `¿Abrís el domingo? ${randomUUID()}`;
    const sent = await perform(page, sandbox.platforms.x, xFlows.dm_send!, { recipient: X.ana.id, text });
    expect(sent.error).toBeUndefined();
    expect(sent.verification).toMatchObject({ outcome: 'present' });
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await admin.fault({ kind: 'action_blocked', platform: 'x', lane: 'ui', action: 'like' });
    const out = await perform(page, sandbox.platforms.x, xFlows.like!, { target: '1860000000000000001' });
    expect((out.error as Error).message).toMatch(/action blocked.*after the commit click/);
    expect(await admin.effects({ platform: 'x', kind: 'like' })).toHaveLength(0);
  });

  test('should report a post missing from the profile as a content match only, and a receipt\'s unknown tweet id as precisely absent', async ({ page, sandbox }) => {
    const fc = localContext(page, sandbox.platforms.x, actionOf('publish', { text: `never posted ${randomUUID()}` })).fc;
    // By text on the timeline: not a proof.
    expect(await xFlows.publish!.verify(fc)).toEqual({ outcome: 'absent', level: 0, surface: 'profile', precise: false });
    // By id: the tweet's own URL answers "not found", and the timeline has no link to it.
    const receipt = { platform_object_id: '1869999999999999999' };
    expect(await xFlows.publish!.verify(fc, receipt, { n: 1, surface: 'permalink' })).toEqual({ outcome: 'absent', level: 0, surface: 'permalink', precise: true });
    expect(await xFlows.publish!.verify(fc, receipt, { n: 2, surface: 'profile' })).toEqual({ outcome: 'absent', level: 0, surface: 'profile', precise: true });
  });

  test('should not click when the active account switched after the page was opened: identity re-checked at the commit', async ({ page, sandbox, admin }) => {
    // The login's active account changes as the tweet page loads (another tab, the app).
    await admin.fault({ kind: 'account_switch', platform: 'x', account: X.northwind.handle, to: X.lumen.handle, match: { method: 'GET', surface: 'post' } });
    const run = localContext(page, sandbox.platforms.x, actionOf('like', { target: '1860000000000000001' }));
    const error = await runFlow(run.fc, xFlows.like!.steps, { listeners: [] }).then(() => undefined, (e: unknown) => e);
    expect((error as Error)?.name).toBe('IdentityMismatchError');
    expect((error as Error).message).toMatch(/another active account .*nothing was clicked/);
    // The kernel's check never ran, no click happened, nothing reached the platform.
    expect(run.commits).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await admin.effects({ platform: 'x' })).toHaveLength(0);
  });
});

test('should not recognise the X v2 layout with the v1 markers (drift)', async ({ page, sandbox, admin }) => {
  const markers = X_ANNEX.layouts.v1!.fingerprint.markers;
  await page.goto(`${sandbox.platforms.x}${X_ANNEX.paths.login}`);
  for (const m of markers) expect(await page.locator(m).count(), m).toBeGreaterThan(0);
  await admin.layout('x', 'v2');
  await page.goto(`${sandbox.platforms.x}${X_ANNEX.paths.login}`);
  expect(Object.keys(X_ANNEX.layouts)).toEqual(['v1']);
  for (const m of markers) expect(await page.locator(m).count(), m).toBe(0);
});

test('should wait for a page that renders late instead of calling it drift (a loaded host is not a new layout), and still stop on a page that never shows a known layout', async ({ page, sandbox }) => {
  test.setTimeout(120_000);
  await login(page, sandbox.platforms.x);
  const origin = sandbox.platforms.x;
  // The home page arrives as an empty shell and its real markup appears 7 s later (a slow
  // client render): longer than the first wait, within the confirmation wait.
  let mode: 'late' | 'never' = 'late';
  await page.route(`${origin}/home`, async (route) => {
    const real = await (await route.fetch()).text();
    const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(real)?.[1] ?? '';
    const shell = mode === 'late'
      ? `<!doctype html><html><head></head><body><script>setTimeout(() => { document.body.innerHTML = ${JSON.stringify(body).replace(/<\//g, '<\\/')}; }, 7000);</script></body></html>`
      : '<!doctype html><html><head></head><body><div id="app">New app shell</div></body></html>';
    await route.fulfill({ status: 200, contentType: 'text/html', body: shell });
  });
  const { fc } = localContext(page, origin, actionOf('like', { target: '1860000000000000001' }));
  await gotoUrl(fc, `${origin}/home`, { surface: 'home' });
  expect(fc.layout.version).toBe('v1');
  mode = 'never';
  await expect(gotoUrl(fc, `${origin}/home`, { surface: 'home' })).rejects.toMatchObject({ code: 'drift' });
});
