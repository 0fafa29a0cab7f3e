import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { ProofStore, StoredProof } from './store.js';

export type ScreenshotFormat = 'webp' | 'png';

export interface ScreenshotOptions {
  /**
   * Stored encoding. Lossless WebP (effort 1), measured on the sandbox's pages: 2.5–3.5× smaller
   * than Chromium's PNG (17–21 KB against 45–71 KB at 1280×720), pixel-exact, and its encoding
   * overlaps the DOM serialisation in the listener. PNG re-compressed by sharp was no smaller
   * than Chromium's own (40–81 KB) and higher zlib levels cost 70–180 ms for ≤ 15 %.
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
  const image = sharp(png);
  return format === 'webp' ? image.webp({ lossless: true, effort: 1 }).toBuffer() : image.png({ compressionLevel: 6, adaptiveFiltering: true }).toBuffer();
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
