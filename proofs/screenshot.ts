import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { ProofStore, StoredProof } from './store.js';

export type ScreenshotFormat = 'webp' | 'png';

export interface ScreenshotOptions {
  /**
   * Stored encoding, measured on the sandbox's pages at 1280×720 (CPU time per image):
   * lossless WebP (effort 1) 16 KB for 187 ms, pixel-exact — 2.9× smaller than Chromium's own
   * PNG (46 KB); sharp's PNG at level 6 gained nothing (45 KB, 27 ms), level 9 8 % (68 ms);
   * WebP effort 0 was larger (76 KB), effort 3 no smaller and slower. `png` keeps Chromium's
   * bytes untouched: no encoding cost, 3× the disk. The WebP encoding overlaps the DOM
   * serialisation in the listener.
   * @default 'webp'
   */
  format?: ScreenshotFormat;
  /** Thumbnail width in pixels (lossy WebP, for lists and reports). @default 320 */
  thumbnailWidth?: number;
  fullPage?: boolean;
}

export interface ScreenshotProof {
  screenshot: StoredProof;
  thumbnail: StoredProof;
  /** The PNG Chromium returned (not stored), for callers that compare pixels. */
  png: Buffer;
}

/** Encodes a PNG screenshot in the compact stored form (lossless: decodes to the same pixels). */
export async function encodeScreenshot(png: Uint8Array, format: ScreenshotFormat = 'webp'): Promise<Buffer> {
  if (format === 'png') return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  return sharp(png).webp({ lossless: true, effort: 1 }).toBuffer();
}

export async function encodeThumbnail(png: Uint8Array, width = 320): Promise<Buffer> {
  return sharp(png).resize({ width, withoutEnlargement: true }).webp({ quality: 70 }).toBuffer();
}

/** Stores an already-taken PNG screenshot and its thumbnail. */
export async function storeScreenshot(png: Buffer, store: ProofStore, options: ScreenshotOptions = {}): Promise<ScreenshotProof> {
  const format = options.format ?? 'webp';
  const [full, thumb] = await Promise.all([encodeScreenshot(png, format), encodeThumbnail(png, options.thumbnailWidth ?? 320)]);
  const [screenshot, thumbnail] = await Promise.all([
    store.put(full, { kind: 'screenshot', ext: format }),
    store.put(thumb, { kind: 'screenshot', ext: 'thumb.webp' }),
  ]);
  return { screenshot, thumbnail, png };
}

/** Takes a viewport (or full-page) screenshot and stores it with its thumbnail. */
export async function captureScreenshot(page: Page, store: ProofStore, options: ScreenshotOptions = {}): Promise<ScreenshotProof> {
  const png = await page.screenshot({ type: 'png', fullPage: options.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  return storeScreenshot(png, store, options);
}
