import { spawn, type ChildProcess } from 'node:child_process';
import { chromium } from 'playwright-core';
import { BrowserProvider, NoBrowserCapacityError } from '../../runners/index.js';
import { TransientError } from '../../safety/index.js';
import { test, expect } from './fixtures.js';

/** `npx raize browser-server --port 0` as another host would run it: the process and the ws URL it printed. */
async function browserServer(): Promise<{ child: ChildProcess; ws: string }> {
  const child = spawn(process.execPath, [new URL('../../bin/raize.mjs', import.meta.url).pathname, 'browser-server', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const ws = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { ws: string }).ws);
    });
    child.once('exit', (code) => reject(new Error(`browser-server exited ${code}: ${err.slice(-1000)}`)));
  });
  return { child, ws };
}

test.describe('remote browser servers (issue 14)', () => {
  test.setTimeout(120_000);
  const servers: ChildProcess[] = [];
  test.afterEach(() => {
    for (const s of servers.splice(0)) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
  });

  test('should place contexts on the server with the most free capacity, refuse when all are full, and move on when one dies', async () => {
    const [one, two] = [await browserServer(), await browserServer()];
    servers.push(one.child, two.child);
    // The URL's path is the token: on loopback only, and nothing answers without it.
    for (const { ws } of [one, two]) {
      expect(ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{16,}$/);
      await expect(chromium.connect(`${new URL(ws).origin}/`, { timeout: 5000 })).rejects.toThrow();
    }
    const token = (ws: string) => new URL(ws).pathname.slice(1);
    const provider = await BrowserProvider.launch({ wsEndpoints: [one.ws, two.ws], endpointCapacity: 2 });
    try {
      expect((await provider.checkHealth()).map((h) => [h.up, h.open])).toEqual([[true, 0], [true, 0]]);
      const contexts = [];
      for (let i = 0; i < 4; i += 1) contexts.push(await provider.newContext());
      expect(provider.health().map((h) => h.open)).toEqual([2, 2]);
      // Stealth applies to pages on a remote server too (the provider's side).
      const page = await contexts[0]!.newPage();
      await page.goto('data:text/html,<p>remote</p>');
      expect(await page.evaluate(() => navigator.webdriver)).toBeFalsy();
      // Full everywhere: refused before anything opens, as a transient failure (nothing was sent).
      const full = await provider.newContext().then(() => null, (e: unknown) => e);
      expect(full).toBeInstanceOf(NoBrowserCapacityError);
      expect(full).toBeInstanceOf(TransientError);
      expect(String((full as Error).message)).not.toContain(token(one.ws));
      // Placed in turn (the least loaded first): 0 and 2 on the first server, 1 and 3 on the second.
      await contexts[2]!.close();
      expect(provider.health().map((h) => h.open)).toEqual([1, 2]);
      contexts[2] = await provider.newContext();
      expect(provider.health().map((h) => h.open)).toEqual([2, 2]);

      // The first server dies: its contexts go with it, it is marked down, new contexts go to the other.
      one.child.kill('SIGKILL');
      await expect.poll(() => provider.health()[0]!.up, { timeout: 20_000 }).toBe(false);
      await expect(contexts[0]!.newPage()).rejects.toThrow();
      for (const c of [contexts[1]!, contexts[3]!]) await c.close();
      const after = await provider.newContext();
      const health = provider.health();
      // The dead server's contexts went with it: nothing counts against it when it comes back.
      expect(health.map((h) => [h.up, h.open])).toEqual([[false, 0], [true, 1]]);
      // Health names the servers without their tokens.
      expect(JSON.stringify(health)).not.toContain(token(one.ws));
      expect(JSON.stringify(health)).not.toContain(token(two.ws));
      await after.close();
    } finally {
      await provider.close();
    }
  });
});
