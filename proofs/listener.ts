import type { NewHealRecord } from './heal-records.js';
import type { Page } from 'playwright-core';
import type { ProofRef } from '../safety/index.js';
import type { PageCapture } from './capture-page.js';

/** Where a flow is when a proof is taken. */
export interface StepBoundary {
  episode_id: string;
  action_id: string;
  platform: string;
  /** The flow's step name (`open_composer`, `confirm_share`, …) or an identity/verify phase. */
  step: string;
  /**
   * `after` a step that passed (judged as the surface's layout), `failed` after one that threw,
   * `friction` for friction handled on the way (a prompt about to be dismissed): proof only, never
   * judged as a layout.
   */
  phase: 'after' | 'failed' | 'friction';
  /** The UI surface the page shows, when the flow knows it (`profile`, `composer`, …). */
  surface?: string;
  /** The annex layout version the page was recognised as. */
  layout?: string;
}

/**
 * Instrumentation at step boundaries (like Playwright's onBeforeCall/onAfterCall): flows contain
 * no proof code; the runner calls every listener after each step and attaches what they store
 * to the action's next audit event.
 *
 * Two moments: `onStep` resolves once the page's state is captured (the flow may change the
 * page again); storing it — encoding, hashing, writing, syncing — goes on in `stored`, off the
 * step path. The runner awaits every `stored` before its phase returns to the kernel, so the
 * audit event that points to the proofs is written only once they are on disk.
 */
export interface StepListener {
  /** `capture` is the page as the runner took it at this boundary, once for every listener (a listener called without one takes its own). */
  onStep(page: Page, boundary: StepBoundary, capture?: PageCapture): Promise<StepCapture>;
  /** A navigation or typing step found its element by fingerprint, not by the annex's selector (flows/heal.ts). */
  onHeal?(healed: NewHealRecord): Promise<void>;
}

export interface StepCapture {
  /**
   * The proof refs, once stored. Rejects when storing failed (logged, not fatal), or with a
   * RaizeError (a DriftError) when what was captured must stop the episode.
   */
  stored: Promise<ProofRef[]>;
}
