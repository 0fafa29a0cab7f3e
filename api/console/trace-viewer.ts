import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

/** Where the console serves Playwright's trace viewer: its service worker's scope is this folder. */
export const TRACE_VIEWER_PATH = '/console/trace';

/** playwright-core's static trace viewer (the files `npx playwright show-trace` serves). */
export function traceViewerDir(): string {
  const pkg = createRequire(import.meta.url).resolve('playwright-core/package.json');
  return join(dirname(pkg), 'lib', 'vite', 'traceViewer');
}

/** The `'sha256-…'` sources of the inline scripts of the viewer's HTML files, so the CSP can name them. */
function inlineScriptHashes(dir: string): string[] {
  const hashes = new Set<string>();
  for (const file of ['index.html', 'snapshot.html']) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      hashes.add(`'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
    }
  }
  return [...hashes];
}

/**
 * The trace viewer's own CSP, as narrow as it runs: its scripts from here (plus its inline
 * script, by hash), its styles from here and the inline styles its editor and terminal widgets
 * insert, images and fonts from here, `data:` and `blob:` (screencast frames and video), frames of
 * itself (the DOM snapshots, answered by its service worker) and the empty `data:` page it shows
 * while no snapshot is selected; nothing from another origin, no framing by another site. Every
 * other console path keeps the strict CSP.
 */
export function traceViewerCsp(dir = traceViewerDir()): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${inlineScriptHashes(dir).join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "media-src 'self' blob:",
    "frame-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** Sets the viewer's CSP on everything under its path (the app's helmet set the strict one first). */
export function traceViewerHeaders(): RequestHandler {
  const csp = traceViewerCsp();
  return (_req, res, next) => {
    res.setHeader('content-security-policy', csp);
    next();
  };
}

/** The viewer's files, read-only; the traces it opens come from the tenant-checked trace route. */
export function traceViewerFiles(): Router {
  const router = express.Router();
  router.use(express.static(traceViewerDir(), { index: 'index.html', fallthrough: false, dotfiles: 'deny', redirect: false }));
  return router;
}
