// Screenshots of the reviewer console for the README: runs `raize start` (the demo agency and its
// farm) in a temp data dir, logs in with the admin token it prints, and captures the main pages.
// Usage: node --import tsx scripts/console-screenshots.ts [outDir=docs]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const outDir = process.argv[2] ?? 'docs';
mkdirSync(outDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'raize-shots-'));
const bin = fileURLToPath(new URL('../bin/raize.mjs', import.meta.url));
const child = spawn(process.execPath, [bin, 'start'], { env: { ...process.env, RAIZE_DATA_DIR: dataDir, RAIZE_PORT: '0', RAIZE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.resume();
const until = async (re: RegExp, ms = 120_000) => {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(out);
    if (m) return m;
    if (Date.now() > end) throw new Error(`not seen: ${re}\n${out}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};
try {
  const url = (await until(/^console {6}(http:\/\/127\.0\.0\.1:\d+)\/console\/login/m))[1]!;
  const token = (await until(/^admin token {2}(rzt_\S+)/m))[1]!;
  // Let the farm run the browser lane's first episodes.
  await until(/browser: [^|\n]*done ([5-9]|\d\d)/, 240_000);
  const browser = await chromium.launch({ executablePath: process.env.RAIZE_CHROMIUM ?? '/usr/bin/chromium', args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${url}/console/login`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${url}/console/`);
  const shot = async (name: string) => page.screenshot({ path: join(outDir, `console-${name}.png`), fullPage: false });
  await shot('dashboard');
  await page.goto(`${url}/console/schedule`);
  await shot('schedule');
  await page.goto(`${url}/console/episodes`);
  // The oldest episode: the demo's first browser publish, run to the end by now.
  await page.locator('main a[href*="/console/episodes/"]').last().click();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(outDir, 'console-episode.png'), fullPage: true });
  await page.goto(`${url}/console/`);
  await page.locator('a[href*="/pacing"]').first().click();
  await shot('pacing');
  await browser.close();
  console.log(`screenshots in ${outDir}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
