import type { Page } from 'playwright-core';
import type { ProofRef } from '../safety/index.js';
import type { StepBoundary, StepCapture, StepListener } from './listener.js';
import { capturePage, type PageCapture } from './capture-page.js';
import { storeScreenshot, type ScreenshotOptions } from './screenshot.js';
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
    async onStep(page: Page, boundary: StepBoundary, given?: PageCapture): Promise<StepCapture> {
      const started = performance.now();
      const capture = given ?? (await capturePage(page, { fullPage: options.screenshot?.fullPage ?? false, fast: (options.screenshot?.format ?? 'webp') !== 'png' }));
      // After a failed step the page may be gone: keep what could be taken. After a successful
      // step a missing capture is an error the runner must see.
      if (boundary.phase !== 'failed' && capture.errors.length) throw capture.errors[0];
      const captured = performance.now();
      const stored = Promise.all([
        capture.png ? storeScreenshot(capture.png, store, options.screenshot).then((s) => [s.screenshot, s.thumbnail]) : [],
        capture.dom ? store.put(Buffer.from(capture.dom.normalized, 'utf8'), { kind: 'dom', ext: 'dom.txt' }).then((r) => [r]) : [],
      ]).then((parts): ProofRef[] => {
        options.onMeasure?.(boundary, { capture_ms: captured - started, total_ms: performance.now() - started });
        return parts.flat();
      });
      return { stored };
    },
  };
}
