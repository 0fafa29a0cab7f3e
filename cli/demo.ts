import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { INSTAGRAM_FLOWS, X_FLOWS, instagramLogin, xLogin } from '../flows/index.js';
import { createProofListener, createProofStore } from '../proofs/index.js';
import {
  connectBrowserAccount, createBrowserPerformer, launchBrowserProvider, proofStoreTraceRecorder, registerApiLanes, SessionStore, DriftGuard,
  type BrowserPerformer, type BrowserProvider, type Services,
} from '../runners/index.js';
import { runAction, submitAction, type Action, type ActionType, type RunOutcome } from '../safety/index.js';
import type { Lane } from '../store/index.js';
import { INSTAGRAM_ANNEX, X_ANNEX } from '../selectors/index.js';
import { SEED_ACCOUNTS, type Sandbox } from '../sandbox/index.js';

/** The demo agency: one client with a connected account on each sandbox platform. */
export const DEMO = {
  client_id: 'demo-client-northwind',
  accounts: {
    instagram: { platform_account_id: 'demo-ig-northwind', platform_user_id: '17841400000000001', handle: 'northwind.bakery', password: 'northwindbakery-pass' },
    x: { platform_account_id: 'demo-x-northwind', platform_user_id: '1500000000000000001', handle: 'northwindbakery', password: 'northwindbakery-pass' },
  },
} as const;

export interface DemoLane {
  provider: BrowserProvider;
  performer: BrowserPerformer;
  close(): Promise<void>;
}

/**
 * The browser lane as `npm start` wires it: the annexes and flows of both platforms, proof
 * capture, traces and drift, against the given origins; registered with the services'
 * performers for both platforms. `raize chaos` runs its runner processes on the same wiring.
 */
export function createBrowserLane(services: Services, provider: BrowserProvider, origins: { instagram: string; x: string }): DemoLane {
  const { config } = services;
  const sessions = new SessionStore(config.dataDir);
  const proofs = createProofStore(config.dataDir);
  const performer = createBrowserPerformer({
    provider, sessions, dataDir: config.dataDir,
    annexes: { instagram: INSTAGRAM_ANNEX, x: X_ANNEX }, flows: { instagram: INSTAGRAM_FLOWS, x: X_FLOWS },
    listeners: [createProofListener({ store: proofs, screenshot: { format: config.proofFormat } })],
    origins: { instagram: origins.instagram, x: origins.x },
    traces: proofStoreTraceRecorder(proofs, { screenshots: config.traceScreenshots }), drift: new DriftGuard(config.dataDir, proofs),
  });
  services.performers.register('browser', 'instagram', performer).register('browser', 'x', performer);
  return {
    provider, performer,
    async close() {
      await performer.close();
      await provider.close();
    },
  };
}

/** Logs an account in through its platform's login flow; returns the stored session and what the account surface showed. */
export function loginSandboxAccount(services: Services, provider: BrowserProvider, sandbox: Pick<Sandbox, 'platforms'>, a: { platform: 'instagram' | 'x'; platform_account_id: string; handle: string; password: string }) {
  const logins = { instagram: { login: instagramLogin, annex: INSTAGRAM_ANNEX }, x: { login: xLogin, annex: X_ANNEX } } as const;
  return connectBrowserAccount({
    provider, sessions: new SessionStore(services.config.dataDir), login: logins[a.platform].login, annex: logins[a.platform].annex,
    origin: sandbox.platforms[a.platform], platformAccountId: a.platform_account_id, handle: a.handle, password: a.password,
  });
}

/**
 * Seeds the demo agency (idempotent: reuses the client and accounts of an earlier start) and
 * connects both accounts through the platforms' login flows, refreshing their sessions.
 */
export async function seedDemo(services: Services, sandbox: Sandbox): Promise<DemoLane> {
  const { store, config } = services;
  const provider = await launchBrowserProvider({ chromium: config.chromium, stealth: config.stealth });
  const now = new Date().toISOString();
  if (!(await store.clients.get(DEMO.client_id))) {
    await store.clients.create({ client_id: DEMO.client_id, name: 'Northwind Bakery (demo)', created_at: now });
    await store.policies.put({
      client_id: DEMO.client_id, created_by: 'raize-demo', autonomy: 'auto',
      allowed_actions: {
        instagram: ['publish', 'delete', 'like', 'follow', 'comment_reply', 'dm_send'],
        x: ['publish', 'like', 'comment_reply', 'dm_send'],
      },
    });
  }
  for (const platform of ['instagram', 'x'] as const) {
    const a = DEMO.accounts[platform];
    const { session_ref, observed } = await loginSandboxAccount(services, provider, sandbox, { platform, ...a });
    const existing = await store.accounts.get(a.platform_account_id);
    if (!existing) {
      await store.accounts.create({
        platform_account_id: a.platform_account_id, client_id: DEMO.client_id, platform,
        fingerprint: { platform_user_id: a.platform_user_id, handle: observed.handle, display_name: observed.display_name ?? '', extra: {} },
        timezone: 'Europe/Madrid', state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
      });
    } else if (existing.state !== 'active') {
      // A fresh login is the human check that lets a degraded demo account act again.
      await store.accounts.setState(a.platform_account_id, 'active', null);
    }
  }
  const lane = createBrowserLane(services, provider, sandbox.platforms);
  // The API lane of both platforms (and the hybrid lane over both): each demo account's API token,
  // as the platform issued it to the agency's app, sealed in the vault.
  for (const platform of ['instagram', 'x'] as const) {
    const a = DEMO.accounts[platform];
    const token = SEED_ACCOUNTS.find((s) => s.platform === platform && s.id === a.platform_user_id)!.token;
    await services.vault.seal(a.platform_account_id, 'access_token', token, { scopes: platform === 'instagram' ? ['instagram_business_content_publish'] : ['tweet.write', 'users.read'] });
  }
  const api = registerApiLanes(services, { baseUrls: sandbox.platforms, ...(sandbox.ca ? { ca: await readFile(sandbox.ca, 'utf8') } : {}) });
  return {
    ...lane,
    async close() {
      await api.close();
      await lane.close();
    },
  };
}

export interface DemoResult {
  platform: string;
  lane: Lane;
  action_type: ActionType;
  outcome: RunOutcome;
  screenshots: string[];
  traces: string[];
}

/** One episode of every flow through the kernel on the browser lane, in an order where each has what it needs. */
export async function runDemoEpisodes(services: Services, lane: DemoLane): Promise<DemoResult[]> {
  const { store, config } = services;
  const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ');
  mkdirSync(join(config.dataDir, 'media'), { recursive: true });
  const image = join(config.dataDir, 'media', 'demo-loaf.png');
  await sharp({ create: { width: 800, height: 800, channels: 3, background: { r: 214, g: 160, b: 96 } } }).png().toFile(image);

  const results: DemoResult[] = [];
  const run = async (platform: 'instagram' | 'x', action_type: ActionType, payload: Record<string, unknown>, depends_on?: string, lane_: Lane = 'browser'): Promise<Action> => {
    const action = await submitAction(store, {
      client_id: DEMO.client_id, platform_account_id: DEMO.accounts[platform].platform_account_id, lane: lane_,
      action_type, payload, created_by: 'raize-demo', ...(depends_on ? { depends_on } : {}),
    });
    let outcome: RunOutcome;
    try {
      outcome = await runAction(services.kernel, action.action_id);
    } finally {
      await lane.performer.dispose(action.action_id);
    }
    const events = await store.audit.forAction(action.action_id);
    results.push({
      platform, lane: lane_, action_type, outcome,
      screenshots: events.flatMap((e) => e.event.proof.screenshots),
      traces: events.flatMap((e) => e.event.proof.artifact_refs.filter((r) => r.endsWith('.zip'))),
    });
    return outcome.action;
  };

  const published = await run('instagram', 'publish', { caption: `Raize demo: fresh loaves (${stamp})`, media: [{ source: image, kind: 'image' }] });
  await run('instagram', 'like', { target: 'SEED2aBc' });
  await run('instagram', 'follow', { target: 'lumen.studio' });
  await run('instagram', 'comment_reply', { target: 'SEED1aBc', comment_id: '18000000000000001', text: `Yes, we ship across Spain! (${stamp})` });
  await run('instagram', 'dm_send', { recipient: '6100000000000001', text: `Open Sundays 9–14. See you! (${stamp})` });
  if (published.result.permalink || published.result.platform_object_id) {
    await run('instagram', 'delete', { target: published.result.permalink ?? published.result.platform_object_id! }, published.action_id);
  }
  await run('x', 'publish', { text: `Raize demo: rye loaf back today (${stamp})` });
  await run('x', 'like', { target: '/lumenstudio/status/1860000000000000002' });
  await run('x', 'comment_reply', { target: '/ana_reads/status/1860000000000000101', text: `Thank you! (${stamp})` });
  await run('x', 'dm_send', { recipient: '1500000000000000101', text: `Yes, custom cakes from 3 days' notice. (${stamp})` });
  // The API lane: a Graph publish (container → FINISHED → media_publish → the post by id).
  await run('instagram', 'publish', { caption: `Raize demo via the Graph API (${stamp})`, media: [{ source: 'https://cdn.example.com/raize-demo/loaf.jpg', kind: 'image' }] }, undefined, 'api');
  // The hybrid lane: posted through X's API, confirmed in the browser on the post's own page.
  await run('x', 'publish', { text: `Raize demo: posted by API, seen in the browser (${stamp})` }, undefined, 'hybrid');
  return results;
}
