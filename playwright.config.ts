import { defineConfig } from '@playwright/test';

// Playwright Test is the one runner: unit tests are plain test()s without a page; browser,
// golden-path and chaos tests use the Chromium from RAIZE_CHROMIUM or Debian's package.
const executablePath = process.env.RAIZE_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './test',
  timeout: 60_000,
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  reporter: [['list']],
  // The seeded chaos run starts once everything else has finished: it loads the whole machine
  // (three runner processes and a browser), and the other suites' timings are not its concern.
  projects: [
    { name: 'suite', testIgnore: /browser\/chaos\.spec\.ts$/ },
    { name: 'chaos', testMatch: /browser\/chaos\.spec\.ts$/, dependencies: ['suite'] },
  ],
  use: {
    headless: true,
    launchOptions: {
      executablePath,
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
