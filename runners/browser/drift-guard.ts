import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import {
  BaselineMeta, appendDriftRecord, appendHealRecord, capturePage, checkCaptureDrift, checkDrift, encodeScreenshot, listBaselines, loadBaseline,
  readDriftRecords, recordBaselineFromCapture, variantOf, structureMatch, layoutShell, SAME_LAYOUT_CONTAINMENT,
  type DriftRecord, type PageCapture, type ProofStore, type StepBoundary, type StepCapture, type StepListener,
} from '../../proofs/index.js';
import { DriftError, type ProofRef } from '../../safety/index.js';
import type { Annex } from '../../selectors/index.js';
import { recognisePage } from '../../flows/index.js';

/** The surface every episode starts on (the identity check): it anchors the drift report of an unknown layout. */
export const ANCHOR_SURFACE = 'home';

/** Drift this guard has already recorded (with its images): the performer need not record it again. */
export class SurfaceDriftError extends DriftError {
  constructor(message: string, readonly record: DriftRecord) {
    super(message);
  }
}

/** What the anchor surface showed when a page matched no known layout. */
export type UnknownLayoutVerdict =
  | { confirmed: false; /** the layout version, or `friction` */ anchor: string }
  | { confirmed: true; record?: DriftRecord };

export interface DriftGuardOptions {
  /** Masked pixel ratio above which a surface has drifted. @default 0.01 */
  blockRatio?: number;
  /** Masked pixel ratio above which a difference is recorded as a notice. @default 0.005 */
  noticeRatio?: number;
}

/**
 * Visual drift on the browser lane (§8.4), per surface:
 *
 * - every step boundary that names its surface is compared with that surface's baseline in the
 *   layout the page was recognised as — pixels (dynamic regions masked) and the DOM-structure
 *   fingerprint (dynamic regions folded) — in the background, before the next commit click;
 * - a surface can have several structure variants (own vs someone else's profile, an error
 *   page), each with its own baseline image. A structure the annex lists for the surface, or a
 *   first sight of a surface the annex does not list, is recorded as a baseline (`source:
 *   annex`: the annex is the reviewed description of the layout);
 * - drift that stops side effects: a structure the annex does not list for a listed surface, the
 *   same structure with more than `blockRatio` of its pixels changed, or a new structure of an
 *   unlisted surface whose pixels also moved past `blockRatio`. Smaller differences are notices
 *   in the drift report;
 * - a layout the annex does not know at all is compared on the anchor surface (recordUnknownLayout);
 * - an unresolved blocking record stops side effects for the whole platform until a human
 *   records a new baseline (`raize drift-baseline … --confirm-by NAME`).
 */
export class DriftGuard {
  private readonly blockRatio: number;
  private readonly noticeRatio: number;
  /** Serialises baseline decisions per surface: two captures of a new variant record one baseline. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Blocking records this guard wrote, per surface: later captures of it point to the same record. */
  private readonly blocking = new Map<string, DriftRecord>();

  constructor(private readonly dataDir: string, private readonly store: ProofStore, options: DriftGuardOptions = {}) {
    this.blockRatio = options.blockRatio ?? 0.01;
    this.noticeRatio = options.noticeRatio ?? 0.005;
  }

  /** Throws DriftError while the platform has a blocking drift record no baseline has answered. */
  async assertNoOpenIncident(platform: string): Promise<void> {
    const open = await this.openIncident(platform);
    if (open) {
      throw new DriftError(`${platform} has unresolved layout drift since ${open.at} (record ${open.id}, surface ${open.surface}); side effects stay stopped until a human confirms a baseline`);
    }
  }

  async openIncident(platform: string): Promise<DriftRecord | undefined> {
    const blocking = (await readDriftRecords(this.dataDir)).filter((r) => r.platform === platform && r.blocked);
    const last = blocking.at(-1);
    if (!last) return undefined;
    const confirmations = (await this.allBaselines(platform)).filter((b) => b.source === 'human');
    const answered = confirmations.some((b) => b.from_record === last.id || (b.from_record !== undefined && Date.parse(b.recorded_at) >= Date.parse(last.at)));
    return answered ? undefined : last;
  }

  /** The per-surface check as a step listener, for the platforms of these annexes. */
  stepListener(annexes: Partial<Record<string, Annex>>): StepListener {
    return {
      onStep: async (page: Page, boundary: StepBoundary, given?: PageCapture): Promise<StepCapture> => {
        const annex = annexes[boundary.platform];
        const layout = boundary.layout ? annex?.layouts[boundary.layout] : undefined;
        // Only pages that passed the guardrails, on a known layout, with a named surface.
        if (!annex || !layout || !boundary.surface || boundary.phase !== 'after') return { stored: Promise.resolve([]) };
        const capture = given ?? (await capturePage(page, { dynamicRegions: layout.dynamic_regions }));
        // A capture that would stop the platform gets a second look first (see checkSurface).
        // Only of the same page: a flow that moved on meanwhile (the look runs beside the next
        // step) shows another page, and the first capture is then all there is to judge.
        const url = page.url();
        const retake = async () => {
          await settleFrames(page);
          if (page.isClosed() || page.url() !== url) return undefined;
          const again = await capturePage(page, { dynamicRegions: layout.dynamic_regions });
          return page.url() === url ? again : undefined;
        };
        return { stored: this.checkSurface(annex, boundary.layout!, boundary.surface, capture, retake) };
      },
      // A step that found its element by fingerprint: kept beside the drift records for the
      // report; never blocking (the annex is due an update, the page is the known one).
      onHeal: async (healed) => {
        await appendHealRecord(this.dataDir, healed);
      },
    };
  }

  /**
   * Judges one capture of a surface; resolves with the drift record's images, throws
   * SurfaceDriftError on drift. With `retake`, a capture that would block is not believed on
   * its own: one capture is one look, and a page caught mid-navigation shows the previous
   * document's last frame over the new document's DOM (Chromium holds the old paint until the
   * new page paints: chaos --farm seed 13 stopped Instagram on a profile's pixels judged as the
   * DM thread that had just loaded). The page is given time to paint and captured again, and
   * only that second capture is judged for the record; when `retake` has no second look of the
   * same page to give (the flow moved on), the first capture is judged.
   */
  async checkSurface(annex: Annex, layout: string, surface: string, capture: PageCapture, retake?: () => Promise<PageCapture | undefined>): Promise<ProofRef[]> {
    if (!capture.png || !capture.dom) return [];
    const key = `${annex.platform}/${layout}/${surface}`;
    const previous = this.locks.get(key) ?? Promise.resolve();
    const judged = async () => {
      if (!retake) return this.judge(annex, layout, surface, capture, false);
      try {
        return await this.judge(annex, layout, surface, capture, true);
      } catch (error) {
        if (!(error instanceof SecondLookNeeded)) throw error;
        const again = await retake();
        // No second look of the same page to be had: the first is judged as it is.
        return this.judge(annex, layout, surface, again?.png && again.dom ? again : capture, false);
      }
    };
    const run = previous.catch(() => undefined).then(judged);
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }

  /** `firstLook`: a capture that would block throws SecondLookNeeded instead, recording nothing. */
  private async judge(annex: Annex, layout: string, surface: string, capture: PageCapture, firstLook: boolean): Promise<ProofRef[]> {
    const known = this.blocking.get(`${annex.platform}/${layout}/${surface}`);
    if (known && (await this.openIncident(annex.platform))?.id === known.id) {
      // Already stopped on this surface and no human has answered yet: one record per incident.
      return this.verdict(surface, layout, true, known);
    }
    const structure = capture.dom!.structure_sha256;
    const base = { dataDir: this.dataDir, platform: annex.platform, surface, layout };
    const variants = await listBaselines(this.dataDir, base);
    const listed = annex.layouts[layout]!.fingerprint.structure[surface];
    const same = variants.find((b) => b.structure === structure);
    const confirmedBy = `annex ${annex.platform} ${annex.annex_version} (layout ${layout})`;

    if (same) {
      // A toast or an open dialog shifts the page for a moment (chaos --farm seed 13: "Couldn't
      // complete your request." above a post stopped the platform as a 1.8 % restyle): the
      // structure matched, and such pixels prove no restyle.
      if (capture.dom!.transient) return [];
      // Same structure: only the pixels can have moved (a restyle keeps the markup).
      const verdict = await checkCaptureDrift(capture, {
        ...base, ...(same.variant ? { variant: same.variant } : {}), store: this.store,
        blockRatio: this.blockRatio, noticeRatio: this.noticeRatio, firstLook,
      });
      if (verdict.blocked && !verdict.record) throw new SecondLookNeeded();
      return this.verdict(surface, layout, verdict.blocked, verdict.record);
    }
    const humanKnown = variants.some((b) => b.source === 'human' && b.structure === structure);
    const fingerprint = annex.layouts[layout]!.fingerprint;
    /** The annex describes the surface (its structures or its features): anything else on it is drift. */
    const described = !!listed || !!fingerprint.features[surface];
    // A page showing a toast or a dialog is no picture of the surface: it is judged, never made a baseline.
    const learn = async (why: string) => {
      if (!capture.dom!.transient) await recordBaselineFromCapture(capture, { ...base, variant: variantOf(structure), confirmedBy: `${confirmedBy}${why}`, source: 'annex' });
      return [];
    };
    if (humanKnown || listed?.includes(structure)) return learn('');
    if (!described && variants.length === 0) {
      // The annex does not describe this surface's structure: its first sight is the baseline.
      return learn('');
    }
    // A deploy's churn (hashed classes, wrappers, reordered siblings, an A/B panel, a prompt)
    // changes the skeleton hash but keeps the surface's elements: still the known layout. Judged
    // against what the reviewed annex recorded and what a human confirmed — never against a
    // variant learned this way, or small removals could add up deploy after deploy.
    const features = capture.dom!.features;
    const references = [
      ...(fingerprint.features[surface] ?? []),
      ...variants.filter((b) => b.features && (b.source === 'human' || !fingerprint.features[surface])).map((b) => b.features!),
    ];
    const shell = layoutShell(Object.values(fingerprint.features).flat());
    const match = Math.max(0, ...references.map((known) => structureMatch(known, features, shell)));
    if (match >= SAME_LAYOUT_CONTAINMENT) return learn(`, ${(match * 100).toFixed(0)} % of a known structure`);
    // A page the annex knows as another surface of this layout (the platform moved the browser
    // to the account's profile after a share, a post that redirects to its author): the flow
    // named one surface and the page shows another, but the layout is the known one — no drift.
    // Chaos seed 11 at 300 actions stopped Instagram on such a capture.
    const elsewhere = Object.entries(fingerprint.structure).some(([other, list]) => other !== surface && list.includes(structure))
      || Object.entries(fingerprint.features).some(([other, sets]) => other !== surface && sets.some((known) => structureMatch(known, features, shell) >= SAME_LAYOUT_CONTAINMENT));
    if (elsewhere) return [];
    // A structure this surface has not shown before: judged against its closest known variant.
    const nearest = variants.at(-1);
    if (!nearest) {
      if (firstLook) throw new SecondLookNeeded();
      const record = await this.recordWithoutBaseline(annex, layout, surface, capture, listed?.[0] ?? structure);
      return this.verdict(surface, layout, true, record);
    }
    const verdict = await checkCaptureDrift(capture, {
      ...base, ...(nearest.variant ? { variant: nearest.variant } : {}), store: this.store,
      blockRatio: this.blockRatio, noticeRatio: 0, blockWhen: described ? 'either' : 'both', firstLook,
    });
    if (verdict.blocked && !verdict.record) throw new SecondLookNeeded();
    // A surface the annex does not describe whose new structure looks like the old one: learned as a variant.
    if (!verdict.blocked && !described) await learn('');
    return this.verdict(surface, layout, verdict.blocked, verdict.record);
  }

  private verdict(surface: string, layout: string, blocked: boolean, record?: DriftRecord): ProofRef[] {
    const refs = record ? [record.screenshots.current, record.screenshots.baseline, record.screenshots.diff].filter((r): r is NonNullable<typeof r> => !!r) : [];
    if (blocked && record) {
      this.blocking.set(`${record.platform}/${layout}/${surface}`, record);
      throw new SurfaceDriftError(
        `${record.platform} surface ${surface} drifted from layout ${layout}: ${(record.diff_ratio * 100).toFixed(2)} % of its pixels changed, structure ${record.structure_match ? 'unchanged' : 'changed'} (drift record ${record.id})`,
        record);
    }
    return refs;
  }

  private async recordWithoutBaseline(annex: Annex, layout: string, surface: string, capture: PageCapture, expected: string): Promise<DriftRecord> {
    const current = await this.store.put(await encodeScreenshot(capture.png!, 'webp-lossless'), { kind: 'screenshot', ext: 'webp' });
    const { width, height } = await sharp(capture.png!).metadata();
    return appendDriftRecord(this.dataDir, {
      platform: annex.platform, surface, layout_expected: layout, layout_seen: 'unknown',
      diff_ratio: 1, structure_match: false, structure_expected: expected, structure_seen: capture.dom!.structure_sha256, features_seen: capture.dom!.features,
      block_ratio: this.blockRatio, blocked: true, mask_boxes: capture.dom!.mask_boxes, width: width!, height: height!,
      screenshots: { current },
    });
  }

  /**
   * On an unknown layout: the anchor surface, read patiently, must confirm it before the platform
   * stops. When the anchor shows a known layout or friction, the page that matched nothing was
   * not the platform's layout (a page replaced mid-read, another account's session, a one-page
   * glitch): nothing is recorded, and the episode's own error still degrades its account. When
   * the anchor matches nothing either, it is compared with the last known layout's baseline and
   * recorded (blocking).
   */
  async recordUnknownLayout(page: Page, annex: Annex, origin: string): Promise<UnknownLayoutVerdict> {
    await page.goto(new URL(annex.paths[ANCHOR_SURFACE] ?? '/', origin).toString(), { waitUntil: 'domcontentloaded' }).catch(() => undefined);
    const shows = await recognisePage(page, annex);
    if (shows !== 'unknown') return { confirmed: false, anchor: shows };
    const known = Object.keys(annex.layouts);
    for (const layout of known.reverse()) {
      const key = { platform: annex.platform, surface: ANCHOR_SURFACE, layout };
      if (!(await loadBaseline(this.dataDir, key))) continue;
      const verdict = await checkDrift(page, {
        dataDir: this.dataDir, store: this.store, platform: annex.platform, surface: ANCHOR_SURFACE, layout,
        maskSelectors: annex.layouts[layout]!.dynamic_regions,
      });
      return { confirmed: true, ...(verdict.record ? { record: verdict.record } : {}) };
    }
    return { confirmed: true };
  }

  private async allBaselines(platform: string): Promise<BaselineMeta[]> {
    const root = join(this.dataDir, 'baselines', platform);
    const out: BaselineMeta[] = [];
    let layouts: string[];
    try {
      layouts = await readdir(root);
    } catch {
      return out;
    }
    for (const layout of layouts) {
      for (const file of (await readdir(join(root, layout)).catch(() => [])).filter((f) => f.endsWith('.json'))) {
        const parsed = BaselineMeta.safeParse(JSON.parse(await readFile(join(root, layout, file), 'utf8')));
        if (parsed.success) out.push(parsed.data);
      }
    }
    return out;
  }
}

/** A first capture that would block: judged again on a second capture (DriftGuard.checkSurface). */
class SecondLookNeeded extends Error {}

/**
 * Gives a page that just navigated time to paint its own document: its load state, two
 * animation frames (the second runs after a frame of this document was produced) and a short
 * settle, each bounded — a page that never paints is judged as it is.
 */
async function settleFrames(page: Page): Promise<void> {
  if (page.isClosed()) return;
  await page.waitForLoadState('load', { timeout: 5_000 }).catch(() => undefined);
  await Promise.race([
    page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())))).catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 2_000)),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
