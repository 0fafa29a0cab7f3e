#!/usr/bin/env node
// Makes a fresh clone runnable: npm packages and a Chromium. Plain Node, no dependencies,
// because it runs before node_modules exists. Never downloads a browser: Chromium comes from
// RAIZE_CHROMIUM or Debian's package.
import { existsSync, statSync, accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

function ensurePackages() {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  const stale = !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000);
  if (!stale) return;
  console.log('[raize] installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function ensureChromium() {
  const fromEnv = process.env.RAIZE_CHROMIUM;
  if (fromEnv) {
    if (executable(fromEnv)) return;
    fail(`RAIZE_CHROMIUM=${fromEnv} is not an executable file. Point RAIZE_CHROMIUM at a Chromium binary.`);
  }
  if (executable('/usr/bin/chromium')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && executable('/usr/bin/apt-get')) {
    console.log('[raize] installing Chromium from Debian (apt-get install -y chromium)…');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'chromium']);
    if (executable('/usr/bin/chromium')) return;
  }
  fail('No Chromium found. Install Debian\'s "chromium" package (as root: apt-get install -y chromium) or set RAIZE_CHROMIUM to a Chromium executable. Raize never downloads a browser.');
}

function fail(message) {
  console.error(`[raize] ${message}`);
  process.exit(1);
}

ensurePackages();
if (!process.argv.includes('--no-browser')) ensureChromium();
