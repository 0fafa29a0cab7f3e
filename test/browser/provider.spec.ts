import { statSync } from 'node:fs';
import { BrowserProvider, SessionStore, connectBrowserAccount, resolveChromium } from '../../runners/index.js';
import { instagramLogin } from '../../flows/index.js';
import { INSTAGRAM_ANNEX } from '../../selectors/index.js';
import { tempDir } from '../helpers/kernel.js';
import { test, expect, IG } from './fixtures.js';
import { avatarPath } from '../../sandbox/index.js';

test.describe('browser provider and sessions', () => {
  test('should prefer the configured Chromium and never download one', () => {
    expect(resolveChromium('/opt/chromium')).toBe('/opt/chromium');
    expect(typeof resolveChromium()).toBe('string');
  });

  test('should let several runners connect to one browser server with stealth applied to their pages', async ({ provider }) => {
    expect(provider.wsEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    const other = await provider.connect();
    try {
      const a = await provider.newContext();
      const b = await other.newContext();
      const pa = await a.newPage();
      const pb = await b.newPage();
      await pa.goto('data:text/html,<p>a</p>');
      await pb.goto('data:text/html,<p>b</p>');
      for (const page of [pa, pb]) {
        expect(await page.evaluate(() => navigator.webdriver)).toBeFalsy();
        expect(await page.evaluate(() => navigator.userAgent)).not.toContain('HeadlessChrome');
      }
      await a.close();
      await b.close();
    } finally {
      await other.close();
    }
  });

  test('should survive contexts closed before the stealth evasions land (no unhandled rejection)', async ({ provider }) => {
    // The stealth user-agent evasion used to leave its CDP send unawaited: a context closed
    // right after its page was made rejected it unhandled, which ends a Node process.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let i = 0; i < 20; i++) {
        const context = await provider.newContext();
        await context.newPage();
        await context.close();
      }
      const context = await provider.newContext();
      const page = await context.newPage();
      await page.goto('data:text/html,<p>after</p>');
      expect(await page.evaluate(() => navigator.userAgent)).not.toContain('HeadlessChrome');
      await context.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('should launch without stealth when switched off', async () => {
    const plain = await BrowserProvider.launch({ executablePath: process.env.RAIZE_CHROMIUM, stealth: false });
    try {
      const context = await plain.newContext();
      const page = await context.newPage();
      await page.goto('data:text/html,<p>plain</p>');
      expect(await page.evaluate(() => navigator.userAgent)).toContain('HeadlessChrome');
      expect(plain.stealth).toBe(false);
    } finally {
      await plain.close();
    }
  });

  test('should log in at connect time and store the session 0600 in a 0700 directory', async ({ provider, sandbox }) => {
    const dir = tempDir();
    try {
      const sessions = new SessionStore(dir.path);
      const { session_ref, observed } = await connectBrowserAccount({
        provider, sessions, login: instagramLogin, annex: INSTAGRAM_ANNEX, origin: sandbox.platforms.instagram,
        platformAccountId: 'acct-1', handle: IG.northwind.handle, password: IG.northwind.password,
      });
      expect(session_ref).toBe('sessions/acct-1.json');
      expect(observed).toEqual({ handle: IG.northwind.handle, display_name: 'Northwind Bakery', avatar_src: avatarPath('instagram', IG.northwind.id) });
      expect(statSync(sessions.fileOf(session_ref)).mode & 0o777).toBe(0o600);
      expect(statSync(sessions.dir).mode & 0o777).toBe(0o700);
      const state = await sessions.load(session_ref);
      expect(state?.cookies.some((c) => c.name === 'sessionid')).toBe(true);
      // The stored session opens the account in a new context, without logging in again.
      const context = await provider.newContext({ storageState: state });
      const page = await context.newPage();
      await page.goto(`${sandbox.platforms.instagram}/`);
      await expect(page.locator('[data-testid="current-handle"]')).toHaveText(IG.northwind.handle);
      await context.close();
      expect(await sessions.load('sessions/missing.json')).toBeUndefined();
    } finally {
      dir.remove();
    }
  });

  test('should refuse wrong credentials at connect time and store nothing', async ({ provider, sandbox }) => {
    const dir = tempDir();
    try {
      const sessions = new SessionStore(dir.path);
      await expect(connectBrowserAccount({
        provider, sessions, login: instagramLogin, annex: INSTAGRAM_ANNEX, origin: sandbox.platforms.instagram,
        platformAccountId: 'acct-2', handle: IG.northwind.handle, password: 'wrong-pass',
      })).rejects.toThrow(/refused the credentials/);
      expect(await sessions.load(sessions.refFor('acct-2'))).toBeUndefined();
    } finally {
      dir.remove();
    }
  });
});
