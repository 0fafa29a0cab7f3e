import type { Page } from 'playwright-core';
import type { ProofRef } from '../safety/index.js';
import { snapshotDom } from './dom.js';
import type { StepBoundary, StepCapture, StepListener } from './listener.js';
import { grabPng, storeScreenshot, type ScreenshotOptions } from './screenshot.js';
import type { ProofStore } from './store.js';

export interface ProofListenerOptions {
  store: ProofStore;
  screenshot?: ScreenshotOptions;
  /** Called once per step: `capture_ms` on the step path, `total_ms` until stored. Feeds the bench and telemetry. */
  onMeasure?: (boundary: StepBoundary, timing: { capture_ms: number; total_ms: number }) => void;
}

/**
 * The proof listener of the browser lane: at each step boundary a screenshot (+ thumbnail) and
 * the normalised DOM, both content-addressed. The DOM proof's file is the normalised text
 * itself, so its sha256 is the DOM hash and `verify` works on it like on any proof.
 * The page is read on the step path (screenshot and DOM serialisation at once); encoding and
 * writing run while the flow goes on.
 */
export function createProofListener(options: ProofListenerOptions): StepListener {
  const { store } = options;
  return {
    async onStep(page: Page, boundary: StepBoundary): Promise<StepCapture> {
      const started = performance.now();
      const [png, dom] = await Promise.allSettled([
        grabPng(page, { fullPage: options.screenshot?.fullPage ?? false, fast: (options.screenshot?.format ?? 'webp') !== 'png' }),
        snapshotDom(page),
      ]);
      // After a failed step the page may be gone: keep what could be taken. After a successful
      // step a missing capture is an error the runner must see.
      if (boundary.phase !== 'failed') {
        for (const r of [png, dom]) if (r.status === 'rejected') throw r.reason;
      }
      const captured = performance.now();
      const stored = Promise.all([
        png.status === 'fulfilled' ? storeScreenshot(png.value, store, options.screenshot).then((s) => [s.screenshot, s.thumbnail]) : [],
        dom.status === 'fulfilled' ? store.put(Buffer.from(dom.value.normalized, 'utf8'), { kind: 'dom', ext: 'dom.txt' }).then((r) => [r]) : [],
      ]).then((parts): ProofRef[] => {
        options.onMeasure?.(boundary, { capture_ms: captured - started, total_ms: performance.now() - started });
        return parts.flat();
      });
      return { stored };
    },
  };
}
