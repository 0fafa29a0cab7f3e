import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createProofListener } from './capture.js';
import { compareToBaseline, recordBaselineFromPage } from './drift.js';
import type { ScreenshotOptions } from './screenshot.js';
import type { ProofStore } from './store.js';

export interface TimingSummary {
  n: number;
  mean_ms: number;
  median_ms: number;
  p95_ms: number;
  min_ms: number;
  /**
   * Node-side CPU (main thread and sharp's pool; not the browser's) per operation: steadier
   * than wall time on a loaded machine.
   */
  cpu_ms?: number;
}

export function summarize(samples: number[], cpuMicros?: number): TimingSummary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { n: s.length, mean_ms: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)), median_ms: round(at(0.5)), p95_ms: round(at(0.95)), min_ms: round(s[0] ?? 0), ...(cpuMicros !== undefined ? { cpu_ms: round(cpuMicros / 1000 / Math.max(1, s.length)) } : {}) };
}

/**
 * Milliseconds per proof step (screenshot + thumbnail + DOM hash, stored) on the page as it is;
 * `capture_median_ms` is the part on the step path (the page read), the rest overlaps the next step.
 */
export async function measureProofCapture(page: Page, store: ProofStore, n: number, options: { screenshot?: ScreenshotOptions } = {}): Promise<TimingSummary & { capture_median_ms: number }> {
  const captures: number[] = [];
  const listener = createProofListener({ store, ...(options.screenshot ? { screenshot: options.screenshot } : {}), onMeasure: (_b, t) => captures.push(t.capture_ms) });
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await (await listener.onStep(page, { episode_id: 'bench', action_id: 'bench', platform: 'bench', step: `step_${i}`, phase: 'after' })).stored;
    samples.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  return { ...summarize(samples, used.user + used.system), capture_median_ms: summarize(captures).median_ms };
}

/**
 * Milliseconds per drift compare (screenshot, mask boxes, structure hash, pixelmatch) of the
 * page against a baseline of itself, recorded in a throw-away data dir.
 */
export async function measureDriftCompare(page: Page, n: number, options: { maskSelectors?: readonly string[] } = {}): Promise<TimingSummary> {
  const dataDir = await mkdtemp(join(tmpdir(), 'raize-drift-bench-'));
  try {
    const key = { dataDir, platform: 'bench', surface: 'page', layout: 'current', maskSelectors: options.maskSelectors ?? [] };
    await recordBaselineFromPage(page, { ...key, confirmedBy: 'bench' });
    const samples: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      await compareToBaseline(page, key);
      samples.push(performance.now() - started);
    }
    const used = process.cpuUsage(cpu);
    return summarize(samples, used.user + used.system);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
