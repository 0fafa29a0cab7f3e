import type { Page } from 'playwright-core';
import { snapshotDom } from '../../proofs/index.js';
import type { Annex, ElementFingerprint, LayoutAnnex } from '../../selectors/index.js';
import { foldNumbers, readSignals, recognisePage, type ElementSignals } from '../../flows/index.js';

/** A page to read: an annex surface at a path of the platform's origin, and which variant of it the page is. */
export interface SurfacePage {
  surface: string;
  path: string;
  variant: string;
}

/** What one surface variant looked like: its structure hash and churn-proof features (proofs/dom.ts), and its screenshot. */
export interface ReadSurface extends SurfacePage {
  /** The layout the page was recognised as by the annex's markers (`unknown`, `friction`). */
  layout: string;
  structure: string;
  features: string[];
  /** The signals of every annex element the page shows. */
  elements: Record<string, ElementSignals>;
  png: Buffer;
}

/**
 * Opens each page in turn with the logged-in `page` and reads its structure the way the drift
 * guard will (the layout's dynamic regions folded), after the page has loaded and shown a known
 * layout's markers. Read only: nothing is clicked.
 */
export async function readSurfaces(
  page: Page, origin: string, annex: Annex, layout: string, pages: readonly SurfacePage[], options: { recogniseTimeoutMs?: number } = {},
): Promise<ReadSurface[]> {
  const known: LayoutAnnex = annex.layouts[layout] ?? Object.values(annex.layouts)[0]!;
  const out: ReadSurface[] = [];
  for (const visit of pages) {
    await page.goto(new URL(visit.path, origin).toString(), { waitUntil: 'domcontentloaded' });
    const seen = await recognisePage(page, annex, options.recogniseTimeoutMs);
    const dom = await snapshotDom(page, { dynamicRegions: known.dynamic_regions });
    out.push({ ...visit, layout: seen, structure: dom.structure_sha256, features: dom.features, elements: await readElements(page, known), png: await page.screenshot() });
  }
  return out;
}

/**
 * The `fingerprint.structure` and `fingerprint.features` of a layout from what was read: per
 * surface, each distinct structure hash and each distinct feature set once, in reading order.
 */
export function fingerprintOf(read: readonly Pick<ReadSurface, 'surface' | 'structure' | 'features'>[]): { structure: Record<string, string[]>; features: Record<string, string[][]> } {
  const structure: Record<string, string[]> = {};
  const features: Record<string, string[][]> = {};
  for (const r of read) {
    const hashes = (structure[r.surface] ??= []);
    if (!hashes.includes(r.structure)) hashes.push(r.structure);
    const sets = (features[r.surface] ??= []);
    const key = JSON.stringify([...r.features].sort());
    if (!sets.some((s) => JSON.stringify(s) === key)) sets.push([...r.features].sort());
  }
  return { structure, features };
}

/** Per element of the layout's `surfaces` (`surface.key`), the signals of the first element its selector finds on this page. */
export async function readElements(page: Page, layout: LayoutAnnex): Promise<Record<string, ElementSignals>> {
  const out: Record<string, ElementSignals> = {};
  for (const [group, elements] of Object.entries(layout.surfaces)) {
    for (const [key, selector] of Object.entries(elements)) {
      const found = page.locator(selector);
      if ((await found.count().catch(() => 0)) === 0) continue;
      const signals = await readSignals(found).catch(() => undefined);
      if (signals) out[`${group}.${key}`] = signals;
    }
  }
  return out;
}

/**
 * Element fingerprints from readings (several pages, several locales): role, test id and
 * landmarks as first read, every distinct name and text.
 */
export function elementFingerprints(readings: readonly Record<string, ElementSignals>[]): Record<string, ElementFingerprint> {
  const out: Record<string, ElementFingerprint> = {};
  for (const reading of readings) {
    for (const [key, s] of Object.entries(reading)) {
      const fp = (out[key] ??= { role: s.role || 'generic', names: [], texts: [], ...(s.testid ? { testid: foldNumbers(s.testid) } : {}), ...(s.landmark ? { landmark: s.landmark } : {}) });
      const name = foldNumbers(s.name);
      const text = foldNumbers(s.text);
      if (name && !fp.names.includes(name)) fp.names.push(name);
      if (text && !fp.texts.includes(text)) fp.texts.push(text);
    }
  }
  return out;
}
