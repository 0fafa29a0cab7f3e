#!/usr/bin/env node
// Checks the import arrows of DESIGN.md, like Playwright's DEPS.list: each top-level folder
// names the folders and packages it may import. Fails `npm test` on the first violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder → the product folders it may import (besides itself). */
const ARROWS = {
  config: [],
  store: ['config'],
  safety: ['store', 'config'],
  selectors: ['config'],
  proofs: ['safety', 'store', 'config'],
  flows: ['selectors', 'safety', 'proofs', 'config'],
  connectors: ['safety', 'config'],
  verifiers: ['connectors', 'selectors', 'proofs', 'safety', 'config'],
  runners: ['safety', 'flows', 'verifiers', 'connectors', 'proofs', 'store', 'selectors', 'config'],
  dm: ['safety', 'store', 'config'],
  api: ['runners', 'dm', 'store', 'proofs', 'safety', 'config'],
  sandbox: [],
  cli: '*',
  test: '*',
  bench: '*',
  scripts: '*',
};

/** Folder → packages it must never import (prefix match). */
const BANNED_PACKAGES = {
  config: ['playwright', '@playwright/', 'playwright-extra', 'express'],
  store: ['playwright', '@playwright/', 'playwright-extra', 'express'],
  safety: ['playwright', '@playwright/', 'playwright-extra', 'playwright-core', 'express'],
  dm: ['playwright', '@playwright/', 'playwright-extra'],
  connectors: ['playwright', '@playwright/', 'playwright-extra', 'express'],
};

/** Folders whose code is the product: it never imports sandbox/. */
const PRODUCT = Object.keys(ARROWS).filter((f) => !['sandbox', 'cli', 'test', 'bench', 'scripts'].includes(f));

const SPECIFIER = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

const violations = [];
for (const folder of Object.keys(ARROWS)) {
  const dir = join(root, folder);
  let exists = true;
  try { statSync(dir); } catch { exists = false; }
  if (!exists) continue;
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const where = relative(root, file);
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).split(sep)[0];
        if (target === folder) continue;
        if (target === 'sandbox' && PRODUCT.includes(folder)) {
          violations.push(`${where}: product code imports sandbox/ (${spec})`);
          continue;
        }
        const allowed = ARROWS[folder];
        if (allowed !== '*' && !allowed.includes(target)) {
          violations.push(`${where}: ${folder}/ may not import ${target}/ (${spec}); allowed: ${allowed.join(', ') || 'nothing'}`);
        }
      } else {
        for (const banned of BANNED_PACKAGES[folder] ?? []) {
          if (spec === banned || spec.startsWith(banned.endsWith('/') ? banned : `${banned}/`)) {
            violations.push(`${where}: ${folder}/ may not import the package ${spec}`);
          }
        }
      }
    }
  }
}

if (violations.length > 0) {
  console.error(`Import arrows of DESIGN.md violated (${violations.length}):`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log('import arrows ok');
