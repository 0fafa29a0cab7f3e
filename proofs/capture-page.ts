import type { Page } from 'playwright-core';
import { snapshotDom, type DomSnapshot } from './dom.js';
import { grabPng } from './screenshot.js';

/**
 * What a page looked like at one moment, taken once and shared by every listener of a step
 * boundary (the proof listener stores it, the drift guard compares it).
 */
export interface PageCapture {
  /** Viewport PNG; absent when the page was gone (after a failed step). */
  png?: Buffer;
  /** Normalised DOM, structure fingerprint and dynamic-region boxes; absent when the page was gone. */
  dom?: DomSnapshot;
  /** CSS width of the viewport (screenshot pixels per CSS pixel = png width / this). */
  viewport_width: number;
  /** Why a part is missing. */
  errors: Error[];
}

export interface CapturePageOptions {
  /** The layout's dynamic regions: folded in the structure fingerprint, boxed for masking. */
  dynamicRegions?: readonly string[];
  fullPage?: boolean;
  /** CDP's fast PNG (re-encoded later anyway); off keeps Chromium's default PNG bytes. @default true */
  fast?: boolean;
}

/**
 * Screenshot and DOM snapshot at once (the browser serialises the DOM while it paints). A page
 * still navigating (a reload, a redirect, a client-side move) can destroy its context under the
 * capture: a part that failed is taken once more after the page reached its load state. A page
 * that is gone fails both times at once, and its capture says why.
 */
export async function capturePage(page: Page, options: CapturePageOptions = {}): Promise<PageCapture> {
  const png = () => grabPng(page, { fullPage: options.fullPage ?? false, fast: options.fast ?? true });
  const dom = () => snapshotDom(page, { dynamicRegions: options.dynamicRegions ?? [] });
  let [shot, tree] = await Promise.allSettled([png(), dom()]);
  if ((shot.status === 'rejected' || tree.status === 'rejected') && !page.isClosed()) {
    await page.waitForLoadState('load', { timeout: 5_000 }).catch(() => undefined);
    [shot, tree] = await Promise.allSettled([
      shot.status === 'fulfilled' ? Promise.resolve(shot.value) : png(),
      tree.status === 'fulfilled' ? Promise.resolve(tree.value) : dom(),
    ]);
  }
  const errors = [shot, tree].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  return {
    ...(shot.status === 'fulfilled' ? { png: shot.value } : {}),
    ...(tree.status === 'fulfilled' ? { dom: tree.value } : {}),
    viewport_width: page.viewportSize()?.width ?? 1280,
    errors,
  };
}
