import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/kernel.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));

test.describe('npm start', () => {
  test.setTimeout(300_000);

  test('should seed two clients and let the farm run the demo\'s scheduled work through the kernel — every flow on the browser lane, the API and hybrid lanes — and say where the proofs are', async () => {
    const dir = tempDir('raize-start-');
    try {
      const child = spawn(process.execPath, [bin, 'start', '--exit'], {
        env: { ...process.env, RAIZE_DATA_DIR: dir.path, RAIZE_PORT: '0', RAIZE_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, `${out}\n${err}`).toBe(0);

      const episodes = [...out.matchAll(/^\s{2}(instagram|x)\s+(\w+)\s+(\w+)/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
      expect(episodes).toEqual([
        'instagram publish confirmed_success', 'instagram like confirmed_success', 'instagram follow confirmed_success',
        'instagram comment_reply confirmed_success', 'instagram dm_send confirmed_success', 'instagram delete confirmed_success',
        'x publish confirmed_success', 'x like confirmed_success', 'x comment_reply confirmed_success', 'x dm_send confirmed_success',
        // Then the API lane (a Graph publish) and the hybrid lane (X: posted by API, confirmed in the browser).
        'instagram publish confirmed_success', 'x publish confirmed_success',
        // The second client's engagement and scheduled posts.
        'instagram like confirmed_success', 'instagram publish confirmed_success', 'x publish confirmed_success',
      ]);
      const lanes = [...out.matchAll(/^\s{2}(?:instagram|x)\s.*· lane (\w+)/gm)].map((m) => m[1]);
      expect(lanes).toEqual([...Array(10).fill('browser'), 'api', 'hybrid', 'browser', 'api', 'browser']);
      const clients = [...out.matchAll(/· lane \w+ · (\S+)/g)].map((m) => m[1]);
      expect(new Set(clients)).toEqual(new Set(['demo-client-northwind', 'demo-client-lumen']));
      // Scheduled posts went out at their time, not before.
      for (const m of out.matchAll(/· due (\S+)/g)) expect(Date.parse(m[1]!)).toBeGreaterThan(0);
      // The hybrid post's confirmation was read in the browser: its proofs include screenshots.
      expect(out).toMatch(/lane hybrid[^\n]*\n\s+screenshots \d+/);
      expect(out).toMatch(/verification level [23]/);
      expect(out).toMatch(/^progress {5}.*browser: [^|]*done [1-9]/m);
      const traces = [...out.matchAll(/npx playwright show-trace (\S+)/g)].map((m) => m[1]!);
      const shots = [...out.matchAll(/screenshots \d+, e\.g\. (\S+)/g)].map((m) => m[1]!);
      expect(traces.length).toBeGreaterThanOrEqual(12);
      expect(shots).toHaveLength(13);
      for (const f of [...traces, ...shots]) expect(existsSync(f), f).toBe(true);
      expect(out).toContain('audit chain  intact');
      // The API and its console, with an admin token printed once (the store keeps its hash).
      expect(out).toMatch(/^console {6}http:\/\/127\.0\.0\.1:\d+\/console\/login/m);
      const token = /^admin token {2}(rzt_[A-Za-z0-9_-]{43})/m.exec(out)?.[1];
      expect(token).toBeDefined();
      expect(err).not.toContain(token!);
    } finally {
      dir.remove();
    }
  });
});
