import type { Page } from 'playwright-core';
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import { sha256Hex } from '../store/hash.js';
import { loadBaseline, recognizeLayout, recordBaseline, type BaselineKey, type BaselineMeta, type Box } from './baselines.js';
import type { DomSnapshot } from './dom.js';
import { capturePage, type PageCapture } from './capture-page.js';
import { appendDriftRecord, type DriftRecord } from './drift-records.js';
import { decodedPng } from './decoded.js';
import { alignReflow, alignRows } from './reflow.js';
import { encodeScreenshot } from './screenshot.js';
import type { ProofStore } from './store.js';

/** No confirmed baseline for a surface: a human must record one before drift can be judged. */
export class BaselineMissingError extends Error {
  readonly code = 'baseline_missing';
  constructor(readonly key: BaselineKey) {
    super(`no baseline for ${key.platform}/${key.layout}/${key.surface}; record one with a human confirmation`);
    this.name = 'BaselineMissingError';
  }
}

export interface CompareOptions extends BaselineKey {
  dataDir: string;
  /** Dynamic regions (the annex's `dynamic_regions`): painted out on both images. */
  maskSelectors?: readonly string[];
  /** pixelmatch per-pixel colour threshold (0–1). @default 0.1 */
  pixelThreshold?: number;
}

export interface DriftComparison extends ImageComparison {
  /** Mismatched pixels over the pixels left after masking (0–1). */
  diff_ratio: number;
  structure_match: boolean;
  current_png: Buffer;
  structure_seen: string;
  mismatched_pixels: number;
  width: number;
  height: number;
  mask_boxes: Box[];
  baseline: BaselineMeta;
  baseline_png: Buffer;
}

/**
 * The viewport boxes of every element matching the selectors (hidden ones have no box), grown
 * by `padding` px: focus rings and glyph overhang paint just outside an element's box.
 */
export async function maskBoxes(page: Page, selectors: readonly string[], padding = 4): Promise<Box[]> {
  if (selectors.length === 0) return [];
  // Source text, not a function: see the serializer note in dom.ts.
  const script = `(${JSON.stringify(selectors)}).flatMap((s) => [...document.querySelectorAll(s)]).map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0).map((r) => ({ x: r.x - ${padding}, y: r.y - ${padding}, width: r.width + ${2 * padding}, height: r.height + ${2 * padding} }))`;
  return page.evaluate<Box[]>(script);
}

const MASK = [255, 0, 255, 255] as const;
const MASK32 = new Uint32Array(new Uint8Array(MASK).buffer)[0]!;

/** Paints the boxes on an RGBA image (row by row, 32 bits a pixel); returns how many pixels it newly covered. */
function paint(rgba: Uint8Array, width: number, height: number, boxes: readonly Box[], scale: number): number {
  const px = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  let painted = 0;
  for (const b of boxes) {
    const x0 = Math.max(0, Math.floor(b.x * scale)), y0 = Math.max(0, Math.floor(b.y * scale));
    const x1 = Math.min(width, Math.ceil((b.x + b.width) * scale)), y1 = Math.min(height, Math.ceil((b.y + b.height) * scale));
    if (x1 <= x0) continue;
    for (let y = y0; y < y1; y++) {
      const row = y * width;
      for (let i = row + x0; i < row + x1; i++) if (px[i] !== MASK32) painted++;
      px.fill(MASK32, row + x0, row + x1);
    }
  }
  return painted;
}

async function decode(png: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  // Images of another size are padded (or cropped) to the baseline's: the padding counts as drift.
  const { data, info } = await decodedPng(png);
  // A copy: the decoded pixels are shared with the proof listener, and the masks are painted in.
  if (info.width === width && info.height === height) return new Uint8Array(data);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < Math.min(height, info.height); y++) {
    out.set(data.subarray(y * info.width * 4, y * info.width * 4 + Math.min(width, info.width) * 4), y * width * 4);
  }
  return out;
}

/** Decoded baselines by the sha256 of their PNG (content-addressed, so never stale); a few kept. */
const DECODED = new Map<string, Promise<{ rgba: Uint8Array; width: number; height: number }>>();
const DECODED_MAX = 12;

function decodeBaseline(png: Uint8Array): Promise<{ rgba: Uint8Array; width: number; height: number }> {
  const key = sha256Hex(png);
  let entry = DECODED.get(key);
  if (entry) {
    DECODED.delete(key);
  } else {
    entry = (async () => {
      const { width, height } = await sharp(png).metadata();
      if (!width || !height) throw new Error('baseline image has no size');
      return { rgba: await decode(png, width, height), width, height };
    })();
    entry.catch(() => DECODED.delete(key));
  }
  DECODED.set(key, entry);
  while (DECODED.size > DECODED_MAX) DECODED.delete(DECODED.keys().next().value!);
  return entry;
}

export interface ImageComparison {
  diff_ratio: number;
  mismatched_pixels: number;
  width: number;
  height: number;
  /** pixelmatch's diff image as PNG, rendered on demand (only drift worth recording needs it). */
  diffPng(): Promise<Buffer>;
}

export interface CompareImagesOptions {
  /** pixelmatch per-pixel colour threshold (0–1). @default 0.1 */
  pixelThreshold?: number;
  /** Image pixels per CSS pixel of the boxes. @default 1 */
  scale?: number;
  /**
   * Each image's own dynamic-region boxes: when given, the comparison also aligns the rows the
   * regions' change in height moved (see alignReflow) and keeps the smaller of the two ratios.
   */
  reflow?: { baseline: readonly Box[]; current: readonly Box[] };
}

/** Compares two screenshots with the same boxes painted out on both (and, with `reflow`, with reflowed rows aligned). */
export async function compareImages(baselinePng: Uint8Array, currentPng: Uint8Array, boxes: readonly Box[], options: CompareImagesOptions = {}): Promise<ImageComparison> {
  const base = await decodeBaseline(baselinePng);
  const { width, height } = base;
  const scale = options.scale ?? 1;
  const threshold = options.pixelThreshold ?? 0.1;
  let a: Uint8Array = base.rgba.slice();
  let b: Uint8Array = await decode(currentPng, width, height);
  const masked = paint(a, width, height, boxes, scale);
  paint(b, width, height, boxes, scale);
  let mismatched = pixelmatch(a, b, undefined, width, height, { threshold });
  let compared = Math.max(1, width * height - masked);
  const aligned = options.reflow && mismatched > 0 ? await reflowed(base, currentPng, options.reflow, scale) : undefined;
  if (aligned) {
    const alignedMismatch = pixelmatch(aligned.baseline, aligned.current, undefined, width, height, { threshold }) + aligned.unmatched;
    const alignedCompared = Math.max(1, width * height - aligned.masked + aligned.unmatched);
    if (alignedMismatch / alignedCompared < mismatched / compared) {
      ({ baseline: a, current: b } = aligned);
      mismatched = alignedMismatch;
      compared = alignedCompared;
    }
  }
  const [left, right] = [a, b];
  return {
    diff_ratio: Math.min(1, mismatched / compared), mismatched_pixels: mismatched, width, height,
    async diffPng() {
      const diff = new Uint8Array(width * height * 4);
      pixelmatch(left, right, diff, width, height, { threshold });
      return sharp(diff, { raw: { width, height, channels: 4 } }).png({ compressionLevel: 6 }).toBuffer();
    },
  };
}

/** Both images with their own regions painted out and the current one's reflowed rows moved back (see alignReflow). */
async function reflowed(base: { rgba: Uint8Array; width: number; height: number }, currentPng: Uint8Array, own: NonNullable<CompareImagesOptions['reflow']>, scale: number) {
  const { data, info } = await decodedPng(currentPng);
  if (info.width !== base.width) return undefined;
  const a = base.rgba.slice();
  const b = new Uint8Array(data);
  paint(a, base.width, base.height, own.baseline, scale);
  paint(b, info.width, info.height, own.current, scale);
  const pixels = (rgba: Uint8Array, height: number) => ({ px: new Uint32Array(rgba.buffer, rgba.byteOffset, base.width * height), width: base.width, height });
  const alignment = alignReflow(pixels(a, base.height), pixels(b, info.height));
  if (!alignment) return undefined;
  return { ...alignRows(a, b, base.width, base.height, alignment.map), unmatched: alignment.unmatched };
}

/**
 * Screenshot + structure fingerprint of the page against the confirmed baseline of
 * (platform, layout, surface). Dynamic regions of both the baseline and the current page are
 * masked on both images.
 */
export async function compareToBaseline(page: Page, options: CompareOptions): Promise<DriftComparison> {
  return compareCapture(await capturePage(page, { dynamicRegions: options.maskSelectors ?? [] }), options);
}

/** The comparison of an already-taken capture (a step boundary's) with its baseline. */
export async function compareCapture(capture: PageCapture, options: Omit<CompareOptions, 'maskSelectors'>): Promise<DriftComparison> {
  const baseline = await loadBaseline(options.dataDir, options);
  if (!baseline) throw new BaselineMissingError({ platform: options.platform, surface: options.surface, layout: options.layout });
  const { png: current_png, dom } = requireCapture(capture);
  const mask_boxes = [...baseline.meta.mask_boxes, ...dom.mask_boxes];
  const images = await compareImages(baseline.png, current_png, mask_boxes, {
    ...(options.pixelThreshold !== undefined ? { pixelThreshold: options.pixelThreshold } : {}),
    scale: baseline.meta.width / capture.viewport_width,
    reflow: { baseline: baseline.meta.mask_boxes, current: dom.mask_boxes },
  });
  return {
    ...images, current_png, mask_boxes,
    structure_match: dom.structure_sha256 === baseline.meta.structure,
    structure_seen: dom.structure_sha256,
    baseline: baseline.meta, baseline_png: baseline.png,
  };
}

function requireCapture(capture: PageCapture): { png: Buffer; dom: DomSnapshot } {
  if (!capture.png || !capture.dom) throw new Error('the page capture has no screenshot or DOM to compare');
  return { png: capture.png, dom: capture.dom };
}

export interface CheckDriftOptions extends CompareOptions {
  store: ProofStore;
  /** Above this diff ratio side effects are blocked. @default 0.01 */
  blockRatio?: number;
  /** Above this diff ratio (or on any structure change) the observation is recorded. @default 0.001 */
  noticeRatio?: number;
}

export interface DriftVerdict {
  blocked: boolean;
  comparison: DriftComparison;
  /** Present when the drift was worth recording. */
  record?: DriftRecord;
}

/**
 * The drift gate of a surface: compares, decides whether side effects must stop (unknown
 * structure or too many changed pixels, §8.4 "UI layout changed"), and records the
 * observation with its three images in the proof store for the drift report.
 */
export async function checkDrift(page: Page, options: CheckDriftOptions): Promise<DriftVerdict> {
  return checkCaptureDrift(await capturePage(page, { dynamicRegions: options.maskSelectors ?? [] }), options);
}

export interface CaptureDriftOptions extends Omit<CheckDriftOptions, 'maskSelectors'> {
  /**
   * Which signals must agree to block: `either` (the anchor surface, checked when a layout is
   * unknown) or `both` — a changed structure *and* pixels over the ratio (every other surface,
   * where one signal alone is more often content than layout, and is recorded as a notice).
   * @default 'either'
   */
  blockWhen?: 'either' | 'both';
  /**
   * A first look: when the capture would block, return the verdict without recording anything,
   * so the caller can take a second look before stopping a platform on one capture. @default false
   */
  firstLook?: boolean;
}

/** The drift gate of an already-taken capture. */
export async function checkCaptureDrift(capture: PageCapture, options: CaptureDriftOptions): Promise<DriftVerdict> {
  const blockRatio = options.blockRatio ?? 0.01;
  const comparison = await compareCapture(capture, options);
  const pixels = comparison.diff_ratio > blockRatio;
  const blocked = (options.blockWhen ?? 'either') === 'both' ? !comparison.structure_match && pixels : !comparison.structure_match || pixels;
  if (comparison.structure_match && comparison.diff_ratio <= (options.noticeRatio ?? 0.001)) return { blocked, comparison };
  if (blocked && options.firstLook) return { blocked, comparison };
  const [baseline, current, diff] = await Promise.all([
    options.store.put(await encodeScreenshot(comparison.baseline_png, 'webp-lossless'), { kind: 'screenshot', ext: 'webp' }),
    options.store.put(await encodeScreenshot(comparison.current_png, 'webp-lossless'), { kind: 'screenshot', ext: 'webp' }),
    options.store.put(await comparison.diffPng(), { kind: 'artifact', ext: 'diff.png' }),
  ]);
  const layout_seen = comparison.structure_match
    ? options.layout
    : (await recognizeLayout(options.dataDir, options.platform, options.surface, comparison.structure_seen)) ?? 'unknown';
  const record = await appendDriftRecord(options.dataDir, {
    platform: options.platform, surface: options.surface, layout_expected: options.layout, layout_seen,
    diff_ratio: comparison.diff_ratio, structure_match: comparison.structure_match,
    structure_expected: comparison.baseline.structure, structure_seen: comparison.structure_seen, features_seen: capture.dom!.features,
    block_ratio: blockRatio, blocked, mask_boxes: comparison.mask_boxes,
    width: comparison.width, height: comparison.height,
    screenshots: { baseline, current, diff },
  });
  return { blocked, comparison, record };
}

export interface BaselineFromPageOptions extends BaselineKey {
  dataDir: string;
  maskSelectors?: readonly string[];
  confirmedBy: string;
}

/** Records what the page shows now as the confirmed baseline of its surface. */
export async function recordBaselineFromPage(page: Page, options: BaselineFromPageOptions): Promise<BaselineMeta> {
  return recordBaselineFromCapture(await capturePage(page, { dynamicRegions: options.maskSelectors ?? [] }), options);
}

/** Records a capture (a step boundary's) as the confirmed baseline of its surface. */
export async function recordBaselineFromCapture(capture: PageCapture, options: Omit<BaselineFromPageOptions, 'maskSelectors'> & { source?: 'human' | 'annex' }): Promise<BaselineMeta> {
  const { png, dom } = requireCapture(capture);
  const { width, height } = await sharp(png).metadata();
  return recordBaseline(options.dataDir, {
    platform: options.platform, surface: options.surface, layout: options.layout, ...(options.variant ? { variant: options.variant } : {}),
    png, width: width!, height: height!, structure: dom.structure_sha256, features: dom.features, maskBoxes: dom.mask_boxes, confirmedBy: options.confirmedBy,
    ...(options.source ? { source: options.source } : {}),
  });
}
