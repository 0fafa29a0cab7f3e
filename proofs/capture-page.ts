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

/** Screenshot and DOM snapshot at once (the browser serialises the DOM while it paints). */
export async function capturePage(page: Page, options: CapturePageOptions = {}): Promise<PageCapture> {
  const [png, dom] = await Promise.allSettled([
    grabPng(page, { fullPage: options.fullPage ?? false, fast: options.fast ?? true }),
    snapshotDom(page, { dynamicRegions: options.dynamicRegions ?? [] }),
  ]);
  const errors = [png, dom].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  return {
    ...(png.status === 'fulfilled' ? { png: png.value } : {}),
    ...(dom.status === 'fulfilled' ? { dom: dom.value } : {}),
    viewport_width: page.viewportSize()?.width ?? 1280,
    errors,
  };
}
