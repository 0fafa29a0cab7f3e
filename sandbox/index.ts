import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { Activity } from './activity.js';
import { adminRouter } from './admin.js';
import type { PlatformOptions, SandboxContext } from './context.js';
import { faultInputSchema, Faults, type FaultInput } from './faults.js';
import { FaultGate } from './gate.js';
import { avatarPng, placeholderPng } from './images.js';
import { extraAccounts, historyPosts, SEED_ACCOUNTS } from './seed.js';
import { graphRouter } from './instagram/graph.js';
import { instagramUi } from './instagram/ui.js';
import { Lag, lagSchema, type LagInput } from './lag.js';
import { Reverter } from './revert.js';
import { SandboxState } from './state.js';
import { sandboxTls, type SandboxTls } from './tls.js';
import { churnConfig } from './ui/churn-http.js';
import { LOCALES } from './ui/locale.js';
import { uiRouter } from './ui/router.js';
import { webhookFaultsSchema, type WebhookFaultsInput } from './webhook-faults.js';
import { Webhooks, type WebhookOptions } from './webhooks.js';
import { World } from './world.js';
import { xApiRouter } from './x/api.js';
import { xUi } from './x/ui.js';

export type { Effect, EffectKind, Platform, LayoutVersion, Lane, Account } from './types.js';
export type { FaultKind, FaultInput, FaultRule } from './faults.js';
export { FAULT_KINDS, FIRED_KINDS } from './faults.js';
export type { LagInput, LagConfig, LagSurface, LagEntry } from './lag.js';
export { LAG_SURFACES } from './lag.js';
export type { WebhookFaultsInput } from './webhook-faults.js';
export type { FiredEvent } from './fired.js';
export { SEED_ACCOUNTS, extraAccounts, historyPosts } from './seed.js';
export { sandboxSurfaceVisits, type SurfaceVisit } from './surfaces.js';
export { mulberry32 } from './rng.js';
export { metaJson, metaSignature } from './webhooks.js';
export { avatarPath } from './avatars.js';
export { instagramThreadId } from './threads.js';
export type { MessagingEvent } from './webhooks.js';
export { variantOf, hashedClass, CHURN_DEFAULTS, type ChurnOptions, type ChurnVariant } from './ui/churn.js';
export { PROMPT_KINDS, PROMPT_TEXT, type PromptKind } from './ui/churn-widgets.js';
export { UI_STRINGS_ES, UI_PATTERNS_ES, type UiPattern } from './ui/locale-es.js';
export { translate, LOCALES, type Locale } from './ui/locale.js';

const HOST = '127.0.0.1';

export interface SandboxOptions {
  /** Admin API port; 0 = a free port. @default 0 */
  port?: number;
  /** Ports of the platform origins; 0 = free. @default { instagram: 0, x: 0 } */
  platformPorts?: { instagram?: number; x?: number };
  /** lowdb JSON file of the world state; reused when it exists. @default a new temp dir, removed on close */
  dataFile?: string;
  /** Admin bearer token. @default RAIZE_SANDBOX_ADMIN_TOKEN, else random */
  adminToken?: string;
  /** Seed of the fault RNG streams. @default RAIZE_SANDBOX_SEED, else 1 */
  seed?: number;
  /** Graph containers go IN_PROGRESS → FINISHED after this many ms. @default 300 */
  containerDelayMs?: number;
  /** Graph REELS and video carousel items finish processing after this many ms plus a seeded draw of up to half of it. @default 3000 */
  reelDelayMs?: number;
  /** Unpublished containers expire after this many ms. @default 86400000 */
  containerTtlMs?: number;
  /** Graph content publishing quota per 24 h. @default 100 */
  igPublishQuota?: number;
  /** X v2 requests per caller and endpoint per 15 minutes, replacing X's per-endpoint table (sandbox/x/api-limits.ts). @default the table */
  xRateLimit?: number;
  /** X POST /2/tweets 24-hour caps (x-user-limit-24hour-* / x-app-limit-24hour-*). @default { user: 100, app: 10000 } */
  xPostCaps24h?: { user?: number; app?: number };
  /** Webhook delivery: attempts, backoff base, per-attempt timeout. @default { maxAttempts: 5, baseMs: 200, timeoutMs: 5000 } */
  webhook?: Partial<WebhookOptions>;
  /** Read-after-write lag per surface (sandbox/README.md "Eventual consistency"). @default off */
  lag?: LagInput;
  /** Webhook delays, re-ordering and re-batching. @default off */
  webhookFaults?: WebhookFaultsInput;
  /** Fault rules in place from the start, as POST /__sandbox/faults takes them. @default none */
  faults?: FaultInput[];
  /**
   * Serve the platform origins (UI and APIs) over HTTPS with a local CA kept in `dir`
   * (`ca.pem`, given back as `ca`). The admin API stays plain http on loopback. @default off
   */
  tls?: { dir: string };
  /**
   * More business accounts per platform beside the seeded ones (`agency.client001`, … on
   * Instagram, `agencyclient001`, … on X; see `extraAccounts` and sandbox/README.md), kept
   * across `POST /__sandbox/reset`. @default 0
   */
  extraAccounts?: number;
  /**
   * Older posts on every business account (extra accounts included), one a day before the
   * seeded ones (sandbox/README.md "History"), kept across `POST /__sandbox/reset`. @default 0
   */
  history?: number;
  /**
   * Seed of the harmless UI churn of the browser pages (hashed classes, wrappers, shuffled
   * unordered siblings, A/B variant, prompts, slow rendering; sandbox/README.md "Churn and
   * locale"). @default RAIZE_SANDBOX_CHURN_SEED, else no churn
   */
  churnSeed?: number;
  /** Language of the browser pages' UI text. @default RAIZE_SANDBOX_LOCALE, else 'en' */
  locale?: 'en' | 'es';
}

export interface Sandbox {
  adminUrl: string;
  adminToken: string;
  platforms: { instagram: string; x: string };
  seed: number;
  dataFile: string;
  /** With `tls`: the CA certificate file (PEM) clients add to the CAs they trust. */
  ca?: string;
  close(): Promise<void>;
}

const port = z.number().int().min(0).max(65535);
const optionsSchema = z
  .object({
    port: port.default(0),
    platformPorts: z.object({ instagram: port.default(0), x: port.default(0) }).strict().default({ instagram: 0, x: 0 }),
    dataFile: z.string().min(1).optional(),
    adminToken: z.string().min(8).optional(),
    seed: z.number().int().optional(),
    containerDelayMs: z.number().int().min(0).max(600_000).default(300),
    reelDelayMs: z.number().int().min(0).max(600_000).default(3000),
    containerTtlMs: z.number().int().min(1).default(86_400_000),
    igPublishQuota: z.number().int().min(1).default(100),
    xRateLimit: z.number().int().min(1).optional(),
    xPostCaps24h: z.object({ user: z.number().int().min(1).optional(), app: z.number().int().min(1).optional() }).strict().optional(),
    webhook: z
      .object({ maxAttempts: z.number().int().min(1).max(20).default(5), baseMs: z.number().int().min(0).max(60_000).default(200), timeoutMs: z.number().int().min(100).max(60_000).default(5000) })
      .strict()
      .default({ maxAttempts: 5, baseMs: 200, timeoutMs: 5000 }),
    lag: lagSchema.optional(),
    webhookFaults: webhookFaultsSchema.optional(),
    faults: z.array(faultInputSchema).optional(),
    tls: z.object({ dir: z.string().min(1) }).strict().optional(),
    extraAccounts: z.number().int().min(0).max(999).default(0),
    history: z.number().int().min(0).max(200).default(0),
    churnSeed: z.number().int().optional(),
    locale: z.enum(LOCALES).optional(),
  })
  .strict();

/** Thrown by startSandbox when an option is invalid; names the option. */
export class SandboxOptionsError extends Error {
  readonly code = 'sandbox_options_invalid';
}

function listen(app: Express, portNumber: number, tls?: SandboxTls): Promise<Server> {
  return new Promise((ok, ko) => {
    // Idle keep-alive sockets outlive the clients' own idle timeout, so a client never reuses a
    // socket the server is closing at that very moment ("other side closed").
    const server = tls
      ? createTlsServer({ keepAliveTimeout: 30_000, cert: tls.cert, key: tls.key }, app)
      : createServer({ keepAliveTimeout: 30_000 }, app);
    server.once('error', ko);
    server.listen(portNumber, HOST, () => ok(server));
  });
}

/** The churn options the environment gives (validated with the others, so a bad value names its option). */
function churnEnv(): Record<string, unknown> {
  const seed = process.env.RAIZE_SANDBOX_CHURN_SEED?.trim();
  const locale = process.env.RAIZE_SANDBOX_LOCALE?.trim();
  return { ...(seed ? { churnSeed: /^-?\d+$/.test(seed) ? Number(seed) : seed } : {}), ...(locale ? { locale } : {}) };
}
const ENV_OF: Record<string, string> = { churnSeed: 'RAIZE_SANDBOX_CHURN_SEED', locale: 'RAIZE_SANDBOX_LOCALE' };
const envHint = (options: SandboxOptions, option: PropertyKey | undefined) =>
  typeof option === 'string' && ENV_OF[option] && options[option as keyof SandboxOptions] === undefined ? ` (from ${ENV_OF[option]})` : '';

const urlOf = (server: Server, secure = false) => `${secure ? 'https' : 'http'}://${HOST}:${(server.address() as AddressInfo).port}`;

function finalHandlers(app: Express): void {
  app.use((_req: Request, res: Response) => res.status(404).type('text').send('Not found'));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    res.status(500).json({ error: 'internal_error', message: (error as Error).message });
  });
}

/**
 * Starts the simulated outside world: an Instagram-like and an X-like platform (browser UI and
 * API, each on its own loopback origin) and the admin API (faults, layouts, webhooks, ground truth).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const parsed = optionsSchema.safeParse({ ...churnEnv(), ...options });
  if (!parsed.success) throw new SandboxOptionsError(`Invalid sandbox option ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${envHint(options, i.path[0])}`).join('; ')}`);
  const o = parsed.data;
  const envSeed = process.env.RAIZE_SANDBOX_SEED ? Number(process.env.RAIZE_SANDBOX_SEED) : undefined;
  const seed = o.seed ?? (Number.isInteger(envSeed) ? envSeed! : 1);
  const adminToken = o.adminToken ?? (process.env.RAIZE_SANDBOX_ADMIN_TOKEN || randomBytes(24).toString('base64url'));
  const faults = new Faults(seed);
  for (const [i, rule] of (o.faults ?? []).entries()) {
    const resolve = (field: 'account' | 'to') => {
      const given = rule[field]?.replace(/^@/, '');
      const found = given ? SEED_ACCOUNTS.find((a) => a.platform === rule.platform && (a.id === given || a.handle === given)) : undefined;
      if (given && !found) throw new SandboxOptionsError(`Invalid sandbox option faults.${i}.${field}: no ${rule.platform} account with id or handle ${given}`);
      return found ? { [field]: found.id } : {};
    };
    faults.add({ ...rule, ...resolve('account'), ...resolve('to') });
  }
  const tempDir = o.dataFile ? undefined : await mkdtemp(join(tmpdir(), 'raize-sandbox-'));
  const dataFile = o.dataFile ? resolve(o.dataFile) : join(tempDir!, 'sandbox.json');
  const tls = o.tls ? await sandboxTls(resolve(o.tls.dir)) : undefined;

  const state = await SandboxState.open(dataFile);
  // The extra accounts join the seeded world (a reused file or a reset keeps or regains them).
  const extras = extraAccounts(o.extraAccounts);
  const addExtras = () => {
    const missing = extras.filter((a) => !state.account(a.platform, a.id));
    state.data.accounts.push(...missing.map((a) => ({ ...a })));
    const have = new Set(state.data.posts.map((p) => `${p.platform}:${p.id}`));
    const past = historyPosts(state.data.accounts, o.history, Date.now()).filter((p) => !have.has(`${p.platform}:${p.id}`));
    state.data.posts.push(...past);
    return missing.length > 0 || past.length > 0;
  };
  if (addExtras()) await state.save();
  const lag = new Lag(seed, o.lag ?? lagSchema.parse({}), faults.fired);
  const world = new World(state, lag);
  const webhooks = new Webhooks(world, o.webhook, seed, faults.fired);
  if (o.webhookFaults) webhooks.faults = o.webhookFaults;
  const reverter = new Reverter(world, faults);
  world.events.onEffect = (effect) => reverter.onEffect(effect);
  const avatars = new Map<string, Promise<Buffer>>();
  const platformOptions: PlatformOptions = { containerDelayMs: o.containerDelayMs, reelDelayMs: o.reelDelayMs, containerTtlMs: o.containerTtlMs, igPublishQuota: o.igPublishQuota, xRateLimit: o.xRateLimit, xPostCaps24h: o.xPostCaps24h };
  const ctx: SandboxContext = {
    state,
    world,
    faults,
    gate: new FaultGate(faults),
    webhooks,
    lag,
    reverter,
    activity: new Activity(),
    options: platformOptions,
    churn: churnConfig({ ...(o.churnSeed !== undefined ? { seed: o.churnSeed } : {}), ...(o.locale ? { locale: o.locale } : {}) }),
    avatar(accountId) {
      let png = avatars.get(accountId);
      if (!png) avatars.set(accountId, (png = avatarPng(`raize-sandbox-avatar:${accountId}`)));
      return png;
    },
  };
  world.events.onMessage = (message, direction) => {
    if (direction === 'outbound' && message.platform === 'instagram' && webhooks.subscription?.echoes) {
      void webhooks.deliver('echo', webhooks.messageBody(message, true)).catch(() => undefined);
    }
  };
  const ensureSeedMedia = async () => {
    for (const post of world.data.posts) {
      if ((post.media?.startsWith('seed-') || post.media?.startsWith('history-')) && !(await state.getMedia(post.media))) await state.putMedia(post.media, await placeholderPng(post.id));
    }
  };
  await ensureSeedMedia();

  const base = () => {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    return app;
  };
  const ig = base();
  ig.use(ctx.activity.track);
  ig.use('/:version', graphRouter(ctx));
  ig.use(uiRouter(ctx, instagramUi));
  finalHandlers(ig);
  const x = base();
  x.use(ctx.activity.track);
  x.use('/2', xApiRouter(ctx));
  x.use(uiRouter(ctx, xUi));
  finalHandlers(x);
  const admin = base();
  admin.use(adminRouter(ctx, adminToken, () => {
    // Called after a reset as well as a layout change: a reset reseeds the 12 accounts only.
    if (addExtras()) void state.save().catch(() => undefined);
    void ensureSeedMedia();
  }));
  finalHandlers(admin);

  const servers: Server[] = [];
  try {
    servers.push(await listen(ig, o.platformPorts.instagram, tls), await listen(x, o.platformPorts.x, tls), await listen(admin, o.port));
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    webhooks.close();
    reverter.clear();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  world.urls.instagram = urlOf(servers[0]!, !!tls);
  world.urls.x = urlOf(servers[1]!, !!tls);

  let closed: Promise<void> | undefined;
  return {
    adminUrl: urlOf(servers[2]!),
    adminToken,
    platforms: { instagram: world.urls.instagram, x: world.urls.x },
    seed,
    dataFile,
    ...(tls ? { ca: tls.caFile } : {}),
    close() {
      closed ??= (async () => {
        webhooks.close();
        reverter.clear();
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((r) => {
                s.close(() => r());
                s.closeAllConnections();
              }),
          ),
        );
        await state.close();
        if (tempDir) await rm(tempDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/** The one JSON line printed once the sandbox is ready (DESIGN.md "Interfaces others rely on"). */
export function sandboxReadyLine(sandbox: Pick<Sandbox, 'adminUrl' | 'adminToken' | 'platforms' | 'ca'>): string {
  return JSON.stringify({
    admin: sandbox.adminUrl, admin_token: sandbox.adminToken, platforms: { instagram: sandbox.platforms.instagram, x: sandbox.platforms.x },
    ...(sandbox.ca ? { ca: sandbox.ca } : {}),
  });
}
