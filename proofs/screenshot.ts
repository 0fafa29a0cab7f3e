import type { Page } from 'playwright-core';
import { cdpSessionOf } from './cdp.js';
import { decodedPng, fromDecoded } from './decoded.js';
import type { ProofStore, StoredProof } from './store.js';

export type ScreenshotFormat = 'webp' | 'webp-lossless' | 'png';

/** File extension of each stored format. */
export const SCREENSHOT_EXT: Record<ScreenshotFormat, string> = { webp: 'webp', 'webp-lossless': 'webp', png: 'png' };

export interface ScreenshotOptions {
  /**
   * Stored encoding, measured on the sandbox's profile page at 1280×900 (CPU time per image):
   * `webp` — lossy WebP, quality 85: 21 KB for 28 ms, text and UI plainly legible (the default:
   * a proof is read by people; pixel comparisons use their own PNG captures);
   * `webp-lossless` — pixel-exact, 17 KB but 230–330 ms (effort 1; effort 0 is 138 KB);
   * `png` — Chromium's own bytes kept: pixel-exact, no encoding, 45 KB.
   * @default 'webp'
   */
  format?: ScreenshotFormat;
  /** Thumbnail width in pixels (lossy WebP, for lists and reports). @default 320 */
  thumbnailWidth?: number;
  /** Full-page screenshots when the listener captures the page itself; the runner's shared step capture is the viewport. */
  fullPage?: boolean;
}

export interface ScreenshotProof {
  screenshot: StoredProof;
  thumbnail: StoredProof;
  /** The PNG Chromium returned (not stored), for callers that compare pixels. */
  png: Buffer;
}

/** Encodes a PNG screenshot in its stored form. */
export async function encodeScreenshot(png: Uint8Array, format: ScreenshotFormat = 'webp'): Promise<Buffer> {
  if (format === 'png') return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const pixels = fromDecoded(await decodedPng(png));
  if (format === 'webp-lossless') return pixels.webp({ lossless: true, effort: 1 }).toBuffer();
  return pixels.webp({ quality: 85, effort: 0 }).toBuffer();
}

export async function encodeThumbnail(png: Uint8Array, width = 320): Promise<Buffer> {
  return fromDecoded(await decodedPng(png)).resize({ width, withoutEnlargement: true }).webp({ quality: 70 }).toBuffer();
}

/** Stores an already-taken PNG screenshot and its thumbnail. */
export async function storeScreenshot(png: Buffer, store: ProofStore, options: ScreenshotOptions = {}): Promise<ScreenshotProof> {
  const format = options.format ?? 'webp';
  const [full, thumb] = await Promise.all([encodeScreenshot(png, format), encodeThumbnail(png, options.thumbnailWidth ?? 320)]);
  const [screenshot, thumbnail] = await Promise.all([
    store.put(full, { kind: 'screenshot', ext: SCREENSHOT_EXT[format] }),
    store.put(thumb, { kind: 'screenshot', ext: 'thumb.webp' }),
  ]);
  return { screenshot, thumbnail, png };
}

/**
 * A PNG of the page as it is now. The viewport of a Chromium page is read straight from the
 * DevTools protocol with its fast PNG setting (34 ms instead of 51 ms at 1280×900 here): the bytes
 * are re-encoded for storage anyway. Full pages, other browsers and the `png` format (whose
 * stored bytes are Chromium's own) go through Playwright.
 */
export async function grabPng(page: Page, options: { fullPage?: boolean; fast?: boolean } = {}): Promise<Buffer> {
  if (!options.fullPage && options.fast !== false) {
    const cdp = await cdpSessionOf(page);
    if (cdp) {
      const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', optimizeForSpeed: true, captureBeyondViewport: false });
      return Buffer.from(data, 'base64');
    }
  }
  return page.screenshot({ type: 'png', fullPage: options.fullPage ?? false, animations: 'disabled', caret: 'hide' });
}

/** Takes a viewport (or full-page) screenshot and stores it with its thumbnail. */
export async function captureScreenshot(page: Page, store: ProofStore, options: ScreenshotOptions = {}): Promise<ScreenshotProof> {
  const png = await grabPng(page, { fullPage: options.fullPage ?? false, fast: (options.format ?? 'webp') !== 'png' });
  return storeScreenshot(png, store, options);
}
