import type { Page } from 'playwright-core';
import type { Action, ActionContext, AttemptReceipt, PlatformAccount, Precheck, Verification } from '../safety/index.js';
import type { LayoutAnnex, Annex } from '../selectors/index.js';

/** What a flow step sees: the page, the annex of the layout in use, and the episode. */
export interface FlowContext {
  page: Page;
  /** Origin of the platform (e.g. the sandbox's Instagram-like URL). */
  origin: string;
  annex: Annex;
  /** The recognised layout version and its selectors. */
  layout: { version: string; annex: LayoutAnnex };
  action: Action;
  account: PlatformAccount;
  /** The kernel's episode context: `beforeCommit()` right before every confirm/post/send click. */
  episode: ActionContext;
  /** Filled by steps: the object id and permalink the UI receipt showed. */
  receipt: AttemptReceipt;
  /** Names the surface the page shows now (proof listeners record it). */
  surface(name: string): void;
}

/** One named step of a flow. The step that clicks confirm calls `fc.episode.beforeCommit()` first. */
export interface FlowStep {
  name: string;
  run(fc: FlowContext): Promise<void>;
}

/** A platform action as a list of named steps, with its dedupe pre-check and its verification. */
export interface Flow {
  platform: 'instagram' | 'x';
  action_type: Action['action_type'];
  /** §5.3 pre-check: the post/DM/reply/like does not already exist (read-only). */
  precheck(fc: FlowContext): Promise<Precheck>;
  /** The side effect, step by step. */
  steps: FlowStep[];
  /** §6.3 post-check on the destination surface (read-only); levels 0–3. */
  verify(fc: FlowContext, receipt?: AttemptReceipt): Promise<Verification>;
}
