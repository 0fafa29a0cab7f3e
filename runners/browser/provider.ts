import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as coreChromium, type Browser, type BrowserContext, type BrowserContextOptions, type BrowserServer } from 'playwright-core';
import { addExtra } from 'playwright-extra';
import { TransientError } from '../../safety/index.js';
import { stealthPlugins } from './stealth.js';

/** Flags that keep Chromium from reaching the network on its own or downloading components. */
export const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface BrowserProviderOptions {
  /** Chromium executable (config `chromium`, RAIZE_CHROMIUM); else Playwright's own if installed, else /usr/bin/chromium. */
  executablePath?: string;
  /** playwright-extra stealth plugin. @default true */
  stealth?: boolean;
  /** @default true */
  headless?: boolean;
  /** Extra Chromium flags, after CHROMIUM_ARGS. */
  args?: string[];
  /** Connect to a browser server elsewhere instead of launching one. */
  wsEndpoint?: string;
  /**
   * Several browser servers elsewhere (`npx raize browser-server`, config `browserEndpoints`):
   * each context goes to the healthy one with the most free capacity.
   */
  wsEndpoints?: string[];
  /** Contexts one remote server takes at most (config `browserEndpointCapacity`). @default 24 */
  endpointCapacity?: number;
}

/** One browser server a provider places contexts on, and what it knows of it. */
interface Endpoint {
  url: string;
  browser?: Promise<Browser>;
  /** The contexts open on it now (their count is its load; a disconnect empties it). */
  contexts: Set<BrowserContext>;
  /** Down (refused a connection, or disconnected) until then; epoch ms. */
  downUntil: number;
  lastError?: string;
}

/** How long an endpoint that failed is left alone before it is tried again. */
const DOWN_MS = 10_000;

/** A browser server as the provider sees it (no token: the URL's path is cut). */
export interface EndpointHealth {
  endpoint: string;
  up: boolean;
  open: number;
  capacity: number;
  error?: string;
}

/** No browser server can take a context: every endpoint is down or full. Transient, and nothing was sent (no page was even opened). */
export class NoBrowserCapacityError extends TransientError {
  constructor(message: string) {
    super(message, false, DOWN_MS);
  }
}

/** The Chromium to launch: the configured one, else Playwright's own if present, else Debian's. Never downloads. */
export function resolveChromium(configured?: string): string {
  if (configured) return configured;
  try {
    const own = coreChromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright has no browser of its own here.
  }
  return '/usr/bin/chromium';
}

/**
 * One Chromium per farm (DESIGN.md "Browser lane"): a Playwright browser server that runner
 * workers `connect` to; each episode gets its own context with the account's stored session.
 *
 * Stealth: playwright-extra augments `launch` and `connect`, not `launchServer`. The plugin's
 * launch-time hooks therefore do not run on the server; its page evasions (navigator.webdriver,
 * user agent, plugins, …) are applied on the connecting side, to every page of every context.
 */
export class BrowserProvider {
  private browser?: Promise<Browser>;
  private readonly endpoints: Endpoint[];
  /** Contexts being opened per remote server, not yet open. */
  private readonly opening = new Map<Endpoint, number>();

  private constructor(
    private readonly launcher: ReturnType<typeof addExtra<typeof coreChromium>>,
    readonly wsEndpoint: string,
    private readonly server: BrowserServer | undefined,
    readonly stealth: boolean,
    private readonly tracesDir?: string,
    remote: string[] = [],
    private readonly capacity = 24,
  ) {
    this.endpoints = remote.map((url) => ({ url, contexts: new Set<BrowserContext>(), downUntil: 0 }));
  }

  /** Launches the farm's browser server (or prepares to connect to `wsEndpoint`, or to `wsEndpoints`). */
  static async launch(options: BrowserProviderOptions = {}): Promise<BrowserProvider> {
    const stealth = options.stealth ?? true;
    // A fresh playwright-extra instance per provider: the default export is a process-wide singleton.
    const launcher = addExtra(coreChromium);
    if (stealth) for (const plugin of stealthPlugins()) launcher.use(plugin as Parameters<typeof launcher.use>[0]);
    if (options.wsEndpoints?.length) return new BrowserProvider(launcher, options.wsEndpoints[0]!, undefined, stealth, undefined, options.wsEndpoints, options.endpointCapacity);
    if (options.wsEndpoint) return new BrowserProvider(launcher, options.wsEndpoint, undefined, stealth);
    const args = [...CHROMIUM_ARGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...(options.args ?? [])];
    // The server's own scratch space for traces, not the caller's (a test runner cleans its own).
    const tracesDir = mkdtempSync(join(tmpdir(), 'raize-browser-'));
    const server = await coreChromium.launchServer({
      tracesDir,
      executablePath: resolveChromium(options.executablePath),
      headless: options.headless ?? true,
      args,
      // Keep the server on loopback; runners elsewhere reach it through a tunnel, not an open port.
      host: '127.0.0.1',
    });
    return new BrowserProvider(launcher, server.wsEndpoint(), server, stealth, tracesDir);
  }

  /** A fresh connection to the browser server (one per runner worker). */
  async connect(): Promise<Browser> {
    return this.launcher.connect(this.wsEndpoint);
  }

  /** This process's shared connection, opened on first use. */
  async shared(): Promise<Browser> {
    this.browser ??= this.connect().catch((error) => {
      this.browser = undefined;
      throw error;
    });
    return this.browser;
  }

  /**
   * One context per episode, with the account's stored session state (cookies, storage). With
   * several remote servers: on the healthy one with the most free capacity; one that refuses is
   * marked down (tried again after a while) and the next is tried. None can take it →
   * NoBrowserCapacityError, before anything was opened.
   */
  async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const settings = { viewport: { width: 1280, height: 900 }, locale: 'en-US', ...options };
    if (this.endpoints.length === 0) return (await this.shared()).newContext(settings);
    const opening = this.opening;
    for (;;) {
      const now = Date.now();
      // A context being opened counts at once: concurrent episodes do not all pick the same server.
      const load = (e: Endpoint) => e.contexts.size + (opening.get(e) ?? 0);
      const candidates = this.endpoints.filter((e) => e.downUntil <= now && load(e) < this.capacity).sort((a, b) => load(a) - load(b));
      const endpoint = candidates[0];
      if (!endpoint) {
        throw new NoBrowserCapacityError(`no browser server can take a context: ${this.health().map((h) => `${h.endpoint} ${h.up ? `${h.open}/${h.capacity}` : `down (${h.error ?? 'unreachable'})`}`).join('; ')}`);
      }
      opening.set(endpoint, (opening.get(endpoint) ?? 0) + 1);
      try {
        const context = await (await this.connected(endpoint)).newContext(settings);
        endpoint.contexts.add(context);
        context.once('close', () => void endpoint.contexts.delete(context));
        return context;
      } catch (error) {
        this.markDown(endpoint, error);
      } finally {
        opening.set(endpoint, opening.get(endpoint)! - 1);
      }
    }
  }

  /** Every remote server: up or down, its open contexts and capacity (the health check). */
  health(): EndpointHealth[] {
    const now = Date.now();
    return this.endpoints.map((e) => ({
      endpoint: redactEndpoint(e.url), up: e.downUntil <= now, open: e.contexts.size, capacity: this.capacity, ...(e.lastError ? { error: e.lastError } : {}),
    }));
  }

  /** Connects to every remote server not known down (or due for another try); resolves their health. */
  async checkHealth(): Promise<EndpointHealth[]> {
    const now = Date.now();
    await Promise.all(this.endpoints.filter((e) => e.downUntil <= now || e.browser === undefined).map(async (e) => {
      try {
        if (e.downUntil > now) e.downUntil = 0;
        await this.connected(e);
        delete e.lastError;
      } catch (error) {
        this.markDown(e, error);
      }
    }));
    return this.health();
  }

  private connected(endpoint: Endpoint): Promise<Browser> {
    if (endpoint.browser) return endpoint.browser;
    const pending: Promise<Browser> = this.launcher.connect(endpoint.url, { timeout: 10_000 }).then((browser) => {
      // A server that goes away mid-episode: its contexts fail (the episode is then transient
      // before a commit, unknown after one); new ones go elsewhere. Only this connection's end
      // counts: an old one's late event says nothing of a newer connection.
      browser.on('disconnected', () => {
        if (endpoint.browser === pending) this.markDown(endpoint, new Error('disconnected'));
      });
      return browser;
    });
    endpoint.browser = pending;
    pending.catch(() => { if (endpoint.browser === pending) endpoint.browser = undefined; });
    return pending;
  }

  private markDown(endpoint: Endpoint, error: unknown): void {
    endpoint.downUntil = Date.now() + DOWN_MS;
    endpoint.lastError = String((error as Error)?.message ?? error).split('\n')[0]!.replaceAll(endpoint.url, redactEndpoint(endpoint.url)).slice(0, 200);
    endpoint.browser = undefined;
    // Its contexts went with it.
    endpoint.contexts.clear();
  }

  async close(): Promise<void> {
    for (const e of this.endpoints) {
      const b = e.browser;
      e.browser = undefined;
      if (b) await b.then((x) => x.close()).catch(() => undefined);
    }
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await browser.then((b) => b.close()).catch(() => undefined);
    await this.server?.close();
    if (this.tracesDir) rmSync(this.tracesDir, { recursive: true, force: true });
  }
}

/** A browser server's URL without its token (the path): for logs, health and errors. */
export function redactEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid endpoint)';
  }
}

/** Launches the provider from the product's configuration (`chromium`, `stealth`; `browserEndpoints` → the remote servers, no local browser). */
export function launchBrowserProvider(config: { chromium?: string; stealth?: boolean; browserEndpoints?: string[]; browserEndpointCapacity?: number }, options: BrowserProviderOptions = {}): Promise<BrowserProvider> {
  const remote = config.browserEndpoints?.length && !options.wsEndpoint ? { wsEndpoints: config.browserEndpoints, endpointCapacity: config.browserEndpointCapacity } : {};
  return BrowserProvider.launch({ executablePath: config.chromium, stealth: config.stealth, ...remote, ...options });
}
