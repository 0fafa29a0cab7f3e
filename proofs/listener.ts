import type { Page } from 'playwright-core';
import type { ProofRef } from '../safety/index.js';

/** Where a flow is when a proof is taken. */
export interface StepBoundary {
  episode_id: string;
  action_id: string;
  platform: string;
  /** The flow's step name (`open_composer`, `confirm_share`, …) or an identity/verify phase. */
  step: string;
  phase: 'after' | 'failed';
  /** The UI surface the page shows, when the flow knows it (`profile`, `composer`, …). */
  surface?: string;
}

/**
 * Instrumentation at step boundaries (like Playwright's onBeforeCall/onAfterCall): flows contain
 * no proof code; the runner calls every listener after each step and attaches what they return
 * to the action's next audit event.
 */
export interface StepListener {
  onStep(page: Page, boundary: StepBoundary): Promise<ProofRef[]>;
}
