import type { Page } from 'playwright-core';
import type { AbsenceRule, Action, ActionContext, AttemptReceipt, PlatformAccount, Precheck, Verification, VerifyLook } from '../safety/index.js';
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
  /**
   * §6.3 post-check on the destination surface (read-only); levels 0–3. Every answer names the
   * `surface` it read and whether the look was `precise`: it identified the object by an id (the
   * receipt's permalink, shortcode or tweet id, or an id the real site shows on its pages — never
   * a sandbox-only attribute) or read the state of one known object (this post's like button,
   * this profile's follow button, a deleted post's own URL). A caption or text found or missing
   * in a grid, timeline, comment list or thread is a content match: `precise: false`, and the
   * kernel never counts it towards an absence proof. `look.surface` is the surface the kernel's
   * absence rule still needs: the flow reads it (first, when it reads several).
   */
  verify(fc: FlowContext, receipt?: AttemptReceipt, look?: VerifyLook): Promise<Verification>;
  /**
   * How the absence of this action's effect is proven on the browser lane (the performer's
   * `absenceRule`): the visibility window after the attempt, the precise looks needed, and the
   * surfaces (names as in `Verification.surface`) that must each be read after the window.
   * A flow whose looks can never be precise still declares its rule and says so: its ambiguous
   * attempts end `unknown` and go to a human.
   */
  absence: AbsenceRule;
}
