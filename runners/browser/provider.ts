import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as coreChromium, type Browser, type BrowserContext, type BrowserContextOptions, type BrowserServer } from 'playwright-core';
import { addExtra } from 'playwright-extra';
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

  private constructor(
    private readonly launcher: ReturnType<typeof addExtra<typeof coreChromium>>,
    readonly wsEndpoint: string,
    private readonly server: BrowserServer | undefined,
    readonly stealth: boolean,
    private readonly tracesDir?: string,
  ) {}

  /** Launches the farm's browser server (or prepares to connect to `wsEndpoint`). */
  static async launch(options: BrowserProviderOptions = {}): Promise<BrowserProvider> {
    const stealth = options.stealth ?? true;
    // A fresh playwright-extra instance per provider: the default export is a process-wide singleton.
    const launcher = addExtra(coreChromium);
    if (stealth) for (const plugin of stealthPlugins()) launcher.use(plugin as Parameters<typeof launcher.use>[0]);
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

  /** One context per episode, with the account's stored session state (cookies, storage). */
  async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const browser = await this.shared();
    return browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', ...options });
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await browser.then((b) => b.close()).catch(() => undefined);
    await this.server?.close();
    if (this.tracesDir) rmSync(this.tracesDir, { recursive: true, force: true });
  }
}

/** Launches the provider from the product's configuration (`chromium`, `stealth`). */
export function launchBrowserProvider(config: { chromium?: string; stealth?: boolean }, options: BrowserProviderOptions = {}): Promise<BrowserProvider> {
  return BrowserProvider.launch({ executablePath: config.chromium, stealth: config.stealth, ...options });
}
