import type { Page } from 'playwright-core';
import type { ProofRef } from '../safety/index.js';
import { snapshotDom } from './dom.js';
import type { StepBoundary, StepListener } from './listener.js';
import { storeScreenshot, type ScreenshotOptions } from './screenshot.js';
import type { ProofStore } from './store.js';

export interface ProofListenerOptions {
  store: ProofStore;
  screenshot?: ScreenshotOptions;
  /** Called once per step with its cost; feeds the bench and telemetry. */
  onMeasure?: (boundary: StepBoundary, ms: number) => void;
}

/**
 * The proof listener of the browser lane: at each step boundary a screenshot (+ thumbnail) and
 * the normalised DOM, both content-addressed. The DOM proof's file is the normalised text
 * itself, so its sha256 is the DOM hash and `verify` works on it like on any proof.
 */
export function createProofListener(options: ProofListenerOptions): StepListener {
  const { store } = options;
  return {
    async onStep(page: Page, boundary: StepBoundary): Promise<ProofRef[]> {
      const started = performance.now();
      const shot = page
        .screenshot({ type: 'png', fullPage: options.screenshot?.fullPage ?? false, animations: 'disabled', caret: 'hide' })
        .then((png) => storeScreenshot(png, store, options.screenshot))
        .then((s) => [s.screenshot, s.thumbnail]);
      // Encoding runs in sharp's thread pool while the browser serialises the DOM.
      const dom = snapshotDom(page).then(async (d) => [await store.put(Buffer.from(d.normalized, 'utf8'), { kind: 'dom', ext: 'dom.txt' })]);
      const settled = await Promise.allSettled([shot, dom]);
      options.onMeasure?.(boundary, performance.now() - started);
      const refs: ProofRef[] = [];
      for (const result of settled) {
        if (result.status === 'fulfilled') refs.push(...result.value);
        // After a failed step the page may be gone: keep what could be taken. After a
        // successful step a missing proof is an error the runner must see.
        else if (boundary.phase !== 'failed') throw result.reason;
      }
      return refs;
    },
  };
}
