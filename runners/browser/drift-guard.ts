import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  BaselineMeta, checkDrift, loadBaseline, readDriftRecords, recordBaselineFromPage, type DriftRecord, type ProofStore,
} from '../../proofs/index.js';
import { DriftError } from '../../safety/index.js';
import type { Annex, LayoutAnnex } from '../../selectors/index.js';

/** The surface every episode starts on (the identity check): its baseline anchors drift detection. */
export const ANCHOR_SURFACE = 'home';

/**
 * Visual drift on the browser lane (§8.4): the anchor surface of each known layout gets a
 * baseline the first time it is seen (the annex is the human-confirmed description of that
 * layout); a layout the annex does not know is compared against it and recorded in the drift
 * report; and an unresolved blocking record stops side effects for the whole platform until a
 * human records a new baseline (`raize drift-baseline … --confirm-by NAME`).
 */
export class DriftGuard {
  constructor(private readonly dataDir: string, private readonly store: ProofStore) {}

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
    const confirmations = await this.baselines(platform);
    const answered = confirmations.some((b) => b.from_record === last.id || (b.from_record !== undefined && Date.parse(b.recorded_at) >= Date.parse(last.at)));
    return answered ? undefined : last;
  }

  /** Records the anchor baseline of a known layout when it has none yet. */
  async ensureBaseline(page: Page, annex: Annex, layout: { version: string; annex: LayoutAnnex }): Promise<void> {
    const key = { platform: annex.platform, surface: ANCHOR_SURFACE, layout: layout.version };
    if (await loadBaseline(this.dataDir, key)) return;
    await recordBaselineFromPage(page, {
      ...key, dataDir: this.dataDir, maskSelectors: layout.annex.dynamic_regions,
      confirmedBy: `annex ${annex.platform} ${annex.annex_version} (layout ${layout.version})`,
    });
  }

  /** On an unknown layout: compare the anchor surface with the last known layout's baseline and record it. */
  async recordUnknownLayout(page: Page, annex: Annex, origin: string): Promise<DriftRecord | undefined> {
    const known = Object.keys(annex.layouts);
    for (const layout of known.reverse()) {
      const key = { platform: annex.platform, surface: ANCHOR_SURFACE, layout };
      if (!(await loadBaseline(this.dataDir, key))) continue;
      await page.goto(new URL(annex.paths[ANCHOR_SURFACE] ?? '/', origin).toString()).catch(() => undefined);
      const verdict = await checkDrift(page, {
        dataDir: this.dataDir, store: this.store, platform: annex.platform, surface: ANCHOR_SURFACE, layout,
        maskSelectors: annex.layouts[layout]!.dynamic_regions,
      });
      return verdict.record;
    }
    return undefined;
  }

  private async baselines(platform: string): Promise<BaselineMeta[]> {
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
