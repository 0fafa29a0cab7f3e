import type { Page } from 'playwright-core';
import { layoutShell, snapshotDom, structureMatch, SAME_LAYOUT_CONTAINMENT } from '../../proofs/index.js';
import { annexFromLayoutFiles, parseAnnexLayoutFile, type Annex, type AnnexLayoutFile, type ElementFingerprint, type LayoutAnnex } from '../../selectors/index.js';
import { agreement, foldNumbers, readSignals, recognisePage, COMMIT_SIGNALS, type Agreement, type ElementSignals } from '../../flows/index.js';

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

/** A draft layout file recorded from a site, for a human to review before it goes to `selectors/<platform>/`. */
export interface RecordedDraft {
  draft: AnnexLayoutFile;
  read: ReadSurface[];
  /** Elements of the base's `surfaces` no page showed (dialogs that open on a click, the login form when logged in). */
  missing: string[];
}

/**
 * `raize annex record`: reads every page with a logged-in browser page and writes what the site
 * shows into a copy of the base layout file (its selectors, texts and prompts are the reviewed
 * knowledge): per surface variant the structure hash and churn-proof features, per element its
 * fingerprint. Read only.
 */
export async function recordAnnexDraft(page: Page, origin: string, base: AnnexLayoutFile, layout: string, pages: readonly SurfacePage[], now = new Date()): Promise<RecordedDraft> {
  const annex = annexFromLayoutFiles([{ source: 'the base layout file', data: base }]);
  const read = await readSurfaces(page, origin, annex, base.layout, pages);
  // A page that showed friction (a login form, a checkpoint) is no picture of its surface.
  const pictures = read.filter((r) => r.layout !== 'friction');
  const elements = elementFingerprints(pictures.map((r) => r.elements));
  const { structure, features } = fingerprintOf(pictures);
  const draft = parseAnnexLayoutFile({
    ...base, layout, fingerprint: { markers: base.fingerprint.markers, structure, features }, elements,
    recorded: { at: now.toISOString(), origin, by: 'raize annex record' },
  }, 'the recorded draft');
  const missing = Object.entries(base.surfaces).flatMap(([group, els]) => Object.keys(els).map((k) => `${group}.${k}`)).filter((k) => !elements[k]);
  return { draft, read, missing };
}

/** One element of an annex as the site shows it now. */
export interface ElementReport {
  element: string;
  /** On some page exactly one element matched; else several did on some page; else none anywhere. */
  found: 'unique' | 'ambiguous' | 'missing';
  /** For a commit element: which signals agreed with its fingerprint where it was found (two needed). */
  commit?: { signals: number; agreed: string[]; ok: boolean };
}

export interface SurfaceReport {
  surface: string;
  variant: string;
  path: string;
  layout: string;
  /** The page's structure hash is one the annex lists for the surface. */
  structure_listed: boolean;
  /** Best churn-proof match against the annex's features of the surface (0–1; SAME_LAYOUT_CONTAINMENT or more = the known surface). */
  features_match: number;
}

/**
 * `raize annex check`: opens every page and reports per surface whether the annex recognises
 * it, per element whether its selector finds it uniquely, ambiguously or not at all, and per
 * commit element whether two independent signals agree with its fingerprint. Read only.
 */
export async function checkAnnex(
  page: Page, origin: string, annex: Annex, layout: string, pages: readonly SurfacePage[], commitElements: readonly string[],
): Promise<{ surfaces: SurfaceReport[]; elements: ElementReport[]; ok: boolean }> {
  const known = annex.layouts[layout];
  if (!known) throw new Error(`annex ${annex.platform} has no layout ${layout}`);
  const shell = layoutShell(Object.values(known.fingerprint.features).flat());
  const counts = new Map<string, number[]>();
  const agreements = new Map<string, Agreement>();
  const surfaces: SurfaceReport[] = [];
  for (const visit of pages) {
    await page.goto(new URL(visit.path, origin).toString(), { waitUntil: 'domcontentloaded' });
    const seen = await recognisePage(page, annex);
    const dom = await snapshotDom(page, { dynamicRegions: known.dynamic_regions });
    surfaces.push({
      ...visit, layout: seen,
      structure_listed: (known.fingerprint.structure[visit.surface] ?? []).includes(dom.structure_sha256),
      features_match: Math.max(0, ...(known.fingerprint.features[visit.surface] ?? []).map((f) => structureMatch(f, dom.features, shell))),
    });
    for (const [group, els] of Object.entries(known.surfaces)) {
      for (const [key, selector] of Object.entries(els)) {
        const element = `${group}.${key}`;
        const found = page.locator(selector);
        const n = await found.count().catch(() => 0);
        counts.set(element, [...(counts.get(element) ?? []), n]);
        const fp = known.elements[element];
        if (n > 0 && fp && commitElements.includes(element) && !agreements.get(element)?.count) {
          const signals = await readSignals(found).catch(() => undefined);
          if (signals) agreements.set(element, agreement(fp, signals));
        }
      }
    }
  }
  const keys = [...new Set([...counts.keys(), ...commitElements])];
  const elements = keys.map((element): ElementReport => {
    const seen = counts.get(element) ?? [];
    const found = seen.includes(1) ? 'unique' : seen.some((n) => n > 1) ? 'ambiguous' : 'missing';
    if (!commitElements.includes(element)) return { element, found };
    const a = agreements.get(element);
    const agreed = a ? (['testid', 'name', 'place'] as const).filter((k) => a[k]) : [];
    return { element, found, commit: { signals: agreed.length, agreed: [...agreed], ok: agreed.length >= COMMIT_SIGNALS } };
  });
  const ok = elements.every((e) => !e.commit || e.commit.ok) && surfaces.every((s) => s.layout === layout && s.features_match >= SAME_LAYOUT_CONTAINMENT);
  return { surfaces, elements, ok };
}
