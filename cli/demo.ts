import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { INSTAGRAM_FLOWS, X_FLOWS, instagramLogin, xLogin } from '../flows/index.js';
import { createProofListener, createProofStore } from '../proofs/index.js';
import {
  connectBrowserAccount, createBrowserPerformer, launchBrowserProvider, proofStoreTraceRecorder, registerApiLanes, SessionStore, type ApiLanes, DriftGuard,
  type BrowserPerformer, type BrowserProvider, type PacingTable, type Services,
} from '../runners/index.js';
import { submitAction, ValidationError, type Action, type ActionType, type RunOutcome } from '../safety/index.js';
import { newId, type Lane } from '../store/index.js';
import type { ConnectAccount } from '../api/index.js';
import { INSTAGRAM_ANNEX, X_ANNEX } from '../selectors/index.js';
import { SEED_ACCOUNTS, type Sandbox } from '../sandbox/index.js';

/** The demo agency: two clients, each with a connected account on both sandbox platforms. */
export const DEMO = {
  client_id: 'demo-client-northwind',
  accounts: {
    instagram: { platform_account_id: 'demo-ig-northwind', platform_user_id: '17841400000000001', handle: 'northwind.bakery', password: 'northwindbakery-pass' },
    x: { platform_account_id: 'demo-x-northwind', platform_user_id: '1500000000000000001', handle: 'northwindbakery', password: 'northwindbakery-pass' },
  },
  second: {
    client_id: 'demo-client-lumen',
    accounts: {
      instagram: { platform_account_id: 'demo-ig-lumen', platform_user_id: '17841400000000002', handle: 'lumen.studio', password: 'lumenstudio-pass' },
      x: { platform_account_id: 'demo-x-lumen', platform_user_id: '1500000000000000002', handle: 'lumenstudio', password: 'lumenstudio-pass' },
    },
  },
} as const;

/** The demo's clients with their names, policies' scope and accounts. */
const DEMO_CLIENTS = [
  { client_id: DEMO.client_id, name: 'Northwind Bakery (demo)', accounts: DEMO.accounts, timezone: 'Europe/Madrid' },
  { client_id: DEMO.second.client_id, name: 'Lumen Studio (demo)', accounts: DEMO.second.accounts, timezone: 'Europe/Lisbon' },
] as const;

/**
 * Pacing of the demo's accounts: a few seconds between side effects (the farm's defaults are
 * minutes, which a demo cannot wait), still jittered.
 */
export const DEMO_PACING: PacingTable = {
  instagram: { '*': { minGapMs: 1500, maxGapMs: 4000, breakChance: 0, breakMs: [0, 0] } },
  x: { '*': { minGapMs: 1500, maxGapMs: 4000, breakChance: 0, breakMs: [0, 0] } },
  facebook: {}, tiktok: {}, youtube: {}, linkedin: {}, skool: {},
};

export interface DemoLane {
  provider: BrowserProvider;
  performer: BrowserPerformer;
  close(): Promise<void>;
}

/** The demo's lanes: the browser lane, and the API lane's read-only comment poll. */
export interface SeededDemoLane extends DemoLane {
  readComments: ApiLanes['readComments'];
  readUsername: ApiLanes['readUsername'];
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

/**
 * The API's `POST /accounts` on the browser lane: logs in through the platform's login flow, keeps
 * the session (0600), and creates the account with the fingerprint the platform showed (§4.1):
 * the handle and name from the account surface, the user id from the platform's own account
 * cookie (Instagram's `ds_user_id`, X's `twid`), as the commit guard later checks it.
 */
export function browserConnect(services: Services, provider: BrowserProvider, origins: { instagram: string; x: string }): ConnectAccount {
  const annexes = { instagram: INSTAGRAM_ANNEX, x: X_ANNEX } as const;
  return async (input) => {
    if (input.platform !== 'instagram' && input.platform !== 'x') throw new ValidationError('platform', `the browser lane connects instagram and x accounts, not ${input.platform}`);
    const platform = input.platform;
    const platform_account_id = newId();
    const { session_ref, observed } = await loginSandboxAccount(services, provider, { platforms: origins }, {
      platform, platform_account_id, handle: input.handle, password: input.password,
    });
    const cookie = annexes[platform].account_cookie!;
    const state = await new SessionStore(services.config.dataDir).load(session_ref);
    const raw = state?.cookies.find((c) => c.name === cookie.name)?.value;
    const value = raw === undefined ? undefined : decodeURIComponent(raw.replace(/^"|"$/g, ''));
    if (!value || !value.startsWith(cookie.prefix)) throw new ValidationError('handle', `the ${platform} session shows no account id: the login did not complete`);
    const now = new Date().toISOString();
    return services.store.accounts.create({
      platform_account_id, client_id: input.client_id, platform,
      fingerprint: { platform_user_id: value.slice(cookie.prefix.length), handle: observed.handle, display_name: observed.display_name ?? '', extra: {} },
      timezone: input.timezone, state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
    });
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
 * Seeds the demo agency (idempotent: reuses the clients and accounts of an earlier start) and
 * connects every account through the platforms' login flows, refreshing their sessions.
 */
export async function seedDemo(services: Services, sandbox: Sandbox): Promise<SeededDemoLane> {
  const { store, config } = services;
  const provider = await launchBrowserProvider(config);
  const now = new Date().toISOString();
  for (const c of DEMO_CLIENTS) {
    if (!(await store.clients.get(c.client_id))) {
      await store.clients.create({ client_id: c.client_id, name: c.name, created_at: now });
      await store.policies.put({
        client_id: c.client_id, created_by: 'raize-demo', autonomy: 'auto',
        allowed_actions: {
          instagram: ['publish', 'delete', 'like', 'follow', 'comment_reply', 'dm_send'],
          x: ['publish', 'like', 'comment_reply', 'dm_send'],
        },
      });
    }
    for (const platform of ['instagram', 'x'] as const) {
      const a = c.accounts[platform];
      const { session_ref, observed } = await loginSandboxAccount(services, provider, sandbox, { platform, ...a });
      const existing = await store.accounts.get(a.platform_account_id);
      if (!existing) {
        await store.accounts.create({
          platform_account_id: a.platform_account_id, client_id: c.client_id, platform,
          fingerprint: { platform_user_id: a.platform_user_id, handle: observed.handle, display_name: observed.display_name ?? '', extra: {} },
          timezone: c.timezone, state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
        });
      } else if (existing.state !== 'active') {
        // A fresh login is the human check that lets a degraded demo account act again.
        await store.accounts.setState(a.platform_account_id, 'active', null);
      }
      // Demo caps: generous, so the demo's few minutes are not spent waiting on the real defaults.
      await store.budgets.set({ platform_account_id: a.platform_account_id, action_type: '*', per_hour: 120, per_day: 1000, min_spacing_ms: 0 });
      // The API lane of both platforms (and the hybrid lane over both): each demo account's API
      // token, as the platform issued it to the agency's app, sealed in the vault.
      const token = SEED_ACCOUNTS.find((s) => s.platform === platform && s.id === a.platform_user_id)!.token;
      await services.vault.seal(a.platform_account_id, 'access_token', token, { scopes: platform === 'instagram' ? ['instagram_business_content_publish'] : ['tweet.write', 'users.read'] });
    }
  }
  const lane = createBrowserLane(services, provider, sandbox.platforms);
  const api = registerApiLanes(services, { baseUrls: sandbox.platforms, ...(sandbox.ca ? { ca: await readFile(sandbox.ca, 'utf8') } : {}) });
  return {
    ...lane,
    readComments: api.readComments,
    readUsername: api.readUsername,
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
  client: string;
  action: Action;
  /** Where the action ended, as runAction would have said it. */
  status: RunOutcome['status'];
  reason?: string;
  screenshots: string[];
  traces: string[];
}

interface DemoItem {
  client: (typeof DEMO_CLIENTS)[number];
  platform: 'instagram' | 'x';
  action_type: ActionType;
  payload: Record<string, unknown>;
  lane?: Lane;
  /** Scheduled this long after the start (scaled); omitted = as soon as possible. */
  dueInMs?: number;
}

/** What the demo scheduled, and the follow-ups it submits as their prerequisites succeed. */
export interface DemoPlan {
  /** Submitted so far, in order. */
  readonly actions: Action[];
  /** Submits follow-ups whose prerequisite has succeeded; true once every action has ended. */
  tick(): Promise<boolean>;
  results(): Promise<DemoResult[]>;
}

const ENDED = new Set(['postcheck_complete', 'blocked', 'confirmed_failed']);

/**
 * The demo's work, handed to the farm (nothing is run here): one action of every flow on the
 * browser lane, a Graph API publish and a hybrid X post for the first client, posts scheduled
 * over the next minutes for both (`scale` shrinks the schedule, for `--exit`), and, once the
 * Instagram post is live, its deletion (which needs the post's permalink, so it follows it).
 */
export async function scheduleDemo(services: Services, scale = 1): Promise<DemoPlan> {
  const { store, config } = services;
  const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ');
  mkdirSync(join(config.dataDir, 'media'), { recursive: true });
  const image = join(config.dataDir, 'media', 'demo-loaf.png');
  await sharp({ create: { width: 800, height: 800, channels: 3, background: { r: 214, g: 160, b: 96 } } }).png().toFile(image);
  const [northwind, lumen] = DEMO_CLIENTS;
  const min = 60_000 * scale;
  const items: DemoItem[] = [
    { client: northwind, platform: 'instagram', action_type: 'publish', payload: { caption: `Raize demo: fresh loaves (${stamp})`, media: [{ source: image, kind: 'image' }] } },
    { client: northwind, platform: 'instagram', action_type: 'like', payload: { target: 'SEED2aBc' } },
    { client: northwind, platform: 'instagram', action_type: 'follow', payload: { target: 'lumen.studio' } },
    { client: northwind, platform: 'instagram', action_type: 'comment_reply', payload: { target: 'SEED1aBc', comment_id: '18000000000000001', text: `Yes, we ship across Spain! (${stamp})` } },
    { client: northwind, platform: 'instagram', action_type: 'dm_send', payload: { recipient: 'ana.reads', text: `Open Sundays 9–14. See you! (${stamp})` } },
    { client: northwind, platform: 'x', action_type: 'publish', payload: { text: `Raize demo: rye loaf back today (${stamp})` } },
    { client: northwind, platform: 'x', action_type: 'like', payload: { target: '/lumenstudio/status/1860000000000000002' } },
    { client: northwind, platform: 'x', action_type: 'comment_reply', payload: { target: '/ana_reads/status/1860000000000000101', text: `Thank you! (${stamp})` } },
    { client: northwind, platform: 'x', action_type: 'dm_send', payload: { recipient: '1500000000000000101', text: `Yes, custom cakes from 3 days' notice. (${stamp})` } },
    // The API lane: a Graph publish (container → FINISHED → media_publish → the post by id).
    { client: northwind, platform: 'instagram', action_type: 'publish', lane: 'api', payload: { caption: `Raize demo via the Graph API (${stamp})`, media: [{ source: 'https://cdn.example.com/raize-demo/loaf.jpg', kind: 'image' }] }, dueInMs: min },
    // The hybrid lane: posted through X's API, confirmed in the browser on the post's own page.
    { client: northwind, platform: 'x', action_type: 'publish', lane: 'hybrid', payload: { text: `Raize demo: posted by API, seen in the browser (${stamp})` }, dueInMs: min },
    // The second client: scheduled posts over the next minutes, and some engagement.
    { client: lumen, platform: 'instagram', action_type: 'like', payload: { target: 'SEED1aBc' } },
    { client: lumen, platform: 'instagram', action_type: 'publish', lane: 'api', payload: { caption: `Lumen Studio: new portrait series (${stamp})`, media: [{ source: 'https://cdn.example.com/raize-demo/portrait.jpg', kind: 'image' }] }, dueInMs: 2 * min },
    { client: lumen, platform: 'x', action_type: 'publish', payload: { text: `Lumen Studio: booking spring shoots now (${stamp})` }, dueInMs: 3 * min },
  ];
  const start = Date.now();
  const actions: Action[] = [];
  const submit = (item: DemoItem, extra: { depends_on?: string } = {}) => submitAction(store, {
    client_id: item.client.client_id, platform_account_id: item.client.accounts[item.platform].platform_account_id, lane: item.lane ?? 'browser',
    action_type: item.action_type, payload: item.payload, created_by: 'raize-demo', ...extra,
    ...(item.dueInMs !== undefined ? { due_at: new Date(start + item.dueInMs).toISOString(), window_end_at: new Date(start + item.dueInMs + 30 * 60_000).toISOString() } : {}),
  });
  for (const item of items) actions.push(await submit(item));
  const publish = actions[0]!;
  let deletion: Action | undefined;
  const latest = async () => Promise.all(actions.map(async (a) => (await store.actions.get(a.action_id))!));
  return {
    actions,
    async tick() {
      const now = await latest();
      const published = now[0]!;
      if (!deletion && published.state === 'postcheck_complete' && !published.result.error_code && (published.result.permalink || published.result.platform_object_id)) {
        deletion = await submit({ client: northwind, platform: 'instagram', action_type: 'delete', payload: { target: published.result.permalink ?? published.result.platform_object_id! } }, { depends_on: publish.action_id });
        // Listed right after the post it deletes.
        actions.splice(5, 0, deletion);
        return false;
      }
      const publishEnded = ENDED.has(published.state) || published.state === 'unknown';
      return publishEnded && (deletion !== undefined || published.state !== 'postcheck_complete' || Boolean(published.result.error_code))
        && now.every((a) => ENDED.has(a.state) || a.state === 'unknown');
    },
    async results() {
      const out: DemoResult[] = [];
      for (const a of await latest()) {
        const events = await store.audit.forAction(a.action_id);
        const status: RunOutcome['status'] = a.state === 'postcheck_complete' ? (a.result.error_code ? 'confirmed_failed' : 'confirmed_success')
          : a.state === 'blocked' ? 'blocked' : a.state === 'unknown' ? 'unknown' : a.state === 'confirmed_failed' ? 'confirmed_failed' : 'deferred';
        out.push({
          platform: a.platform, lane: a.lane, action_type: a.action_type, client: a.client_id, action: a, status,
          ...(a.result.error_code ? { reason: a.result.error_code } : {}),
          screenshots: events.flatMap((e) => e.event.proof.screenshots),
          traces: events.flatMap((e) => e.event.proof.artifact_refs.filter((r) => r.endsWith('.zip'))),
        });
      }
      return out;
    },
  };
}
