import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, resolveChromium } from './provider.js';

export interface BrowserServerOptions {
  port: number;
  /** Interface to listen on. @default 127.0.0.1 (other hosts reach it through a tunnel or a private network) */
  host?: string;
  /** The secret path clients must know (`ws://host:port/<token>`). @default RAIZE_BROWSER_TOKEN, else 32 random bytes */
  token?: string;
  chromium?: string;
  headless?: boolean;
}

export interface ServedBrowser {
  /** The URL a farm lists in RAIZE_BROWSER_ENDPOINTS: a secret (its path is the token). */
  wsEndpoint: string;
  close(): Promise<void>;
}

/**
 * A Playwright browser server for farms on other hosts (`npx raize browser-server`, issue 14):
 * Chromium with the farm's flags, reached at a path only the token's holders know. The stealth
 * evasions are applied by the connecting farm's provider, to every page it opens (as on a
 * local server: playwright-extra augments `connect`, not `launchServer`).
 */
export async function serveBrowser(options: BrowserServerOptions): Promise<ServedBrowser> {
  const token = options.token ?? process.env.RAIZE_BROWSER_TOKEN ?? randomBytes(32).toString('base64url');
  if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) throw new Error('browser server token: at least 16 characters of A-Z a-z 0-9 _ -');
  const server = await chromium.launchServer({
    executablePath: resolveChromium(options.chromium),
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    host: options.host ?? '127.0.0.1',
    port: options.port,
    wsPath: `/${token}`,
  });
  return { wsEndpoint: server.wsEndpoint(), close: () => server.close() };
}
