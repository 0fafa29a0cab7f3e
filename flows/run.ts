import type { Locator, Page } from 'playwright-core';
import type { StepListener } from '../proofs/index.js';
import {
  AuthExpiredError, CheckpointError, DriftError, OutcomeUnknownError, RaizeError, TransientError,
  type ActionContext, type AttemptReceipt, type ProofRef,
} from '../safety/index.js';
import type { Annex, LayoutAnnex } from '../selectors/index.js';
import type { FlowContext, FlowStep } from './types.js';

/** Toast texts that mean the platform blocked the action (§8.4), across platforms. */
export const BLOCKED_TOAST = /action blocked|we restrict certain activity|try again later/i;

/** What the runner keeps per flow context: the surface shown and how many commit clicks happened. */
interface RunState {
  surface?: string;
  commits: number;
}
const STATE = new WeakMap<FlowContext, RunState>();
const stateOf = (fc: FlowContext): RunState => {
  let s = STATE.get(fc);
  if (!s) STATE.set(fc, (s = { commits: 0 }));
  return s;
};

export interface FlowContextInit {
  page: Page;
  origin: string;
  annex: Annex;
  episode: ActionContext;
  /** The layout recognised earlier in the episode; detected on the first page check otherwise. */
  layout?: { version: string; annex: LayoutAnnex };
}

/**
 * A flow context for one kernel call. Its `episode.beforeCommit()` counts commit clicks: a
 * second commit in the same attempt is refused, so a button that stays enabled is never clicked
 * twice (the double-submission guard).
 */
export function createFlowContext(init: FlowContextInit): FlowContext {
  const first = Object.entries(init.annex.layouts)[0];
  if (!first) throw new DriftError(`annex ${init.annex.platform} ${init.annex.annex_version} has no layouts`);
  const episode: ActionContext = Object.create(init.episode, {
    beforeCommit: {
      value: async () => {
        const s = stateOf(fc);
        if (s.commits > 0) throw new OutcomeUnknownError('a second commit click in one attempt was refused (double-submission guard)');
        await init.episode.beforeCommit();
        s.commits += 1;
      },
    },
  });
  const fc: FlowContext = {
    page: init.page,
    origin: init.origin.replace(/\/$/, ''),
    annex: init.annex,
    layout: init.layout ?? { version: first[0], annex: first[1] },
    action: init.episode.action,
    account: init.episode.account,
    episode,
    receipt: {},
    surface(name) {
      stateOf(fc).surface = name;
    },
  };
  stateOf(fc);
  return fc;
}

/** Whether a commit click has happened in this context (errors after it are ambiguous). */
export function committed(fc: FlowContext): boolean {
  return stateOf(fc).commits > 0;
}

/** A selector of the recognised layout; a missing one means the annex does not cover this layout. */
export function sel(fc: FlowContext, surface: string, key: string): string {
  const s = fc.layout.annex.surfaces[surface]?.[key];
  if (!s) throw new DriftError(`annex ${fc.annex.platform} layout ${fc.layout.version} has no selector ${surface}.${key}`);
  return s;
}

/** A URL of the platform from the annex's paths (`{handle}`, `{id}` placeholders). */
export function urlOf(fc: FlowContext, path: string, params: Record<string, string> = {}): string {
  const template = fc.annex.paths[path];
  if (!template) throw new DriftError(`annex ${fc.annex.platform} has no path ${path}`);
  return fc.origin + template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k] ?? ''));
}

/** The first layout of the annex whose markers are all on the page, or undefined (drift). */
export async function detectLayout(page: Page, annex: Annex, prefer?: string): Promise<{ version: string; annex: LayoutAnnex } | undefined> {
  const entries = Object.entries(annex.layouts).sort(([a], [b]) => (a === prefer ? -1 : b === prefer ? 1 : 0));
  for (const [version, layout] of entries) {
    let all = true;
    for (const marker of layout.fingerprint.markers) {
      if ((await page.locator(marker).count()) === 0) {
        all = false;
        break;
      }
    }
    if (all) return { version, annex: layout };
  }
  return undefined;
}

export interface CheckOptions {
  /** An error page is an answer the caller reads (a 404 that proves absence), not a failure. */
  allowErrorPage?: boolean;
}

/**
 * The guardrails of §8.4, run after every step and navigation: checkpoint or captcha →
 * CheckpointError; login page → AuthExpiredError; a layout no annex version knows → DriftError;
 * an "action blocked" toast → CheckpointError; an error page → transient before any commit,
 * unknown after one.
 */
export async function checkPage(fc: FlowContext, options: CheckOptions = {}): Promise<void> {
  const { page } = fc;
  const path = safePath(page.url());
  const paths = fc.annex.paths;
  const friction = fc.layout.annex.friction;
  if ((paths.challenge && path.startsWith(paths.challenge)) || (await visible(page, friction.checkpoint))) {
    throw new CheckpointError(`checkpoint on ${fc.annex.platform} at ${path}: the account needs a human`);
  }
  if ((paths.login && path.startsWith(paths.login)) || (friction.login && (await visible(page, friction.login)))) {
    throw new AuthExpiredError(`${fc.annex.platform} shows its login page at ${path}: the session is gone`);
  }
  const layout = await detectLayout(page, fc.annex, fc.layout.version);
  if (!layout) {
    throw new DriftError(`${fc.annex.platform} page ${path} matches no known layout of annex ${fc.annex.annex_version}`);
  }
  if (layout.version !== fc.layout.version) fc.episode.log('layout changed within the episode', { from: fc.layout.version, to: layout.version });
  fc.layout = layout;
  const f = fc.layout.annex.friction;
  if (await visible(page, f.toast)) {
    const text = (await page.locator(f.toast).first().textContent()) ?? '';
    if (BLOCKED_TOAST.test(text)) throw new CheckpointError(`${fc.annex.platform} blocked the action ("action blocked" toast)`);
  }
  if (!options.allowErrorPage && f.error && (await visible(page, f.error))) {
    const detail = `${fc.annex.platform} error page at ${path}`;
    throw committed(fc) ? new OutcomeUnknownError(`${detail} after the commit click`) : new TransientError(`${detail} before any commit`, false);
  }
}

/** Navigates to a platform path and runs the guardrails on what loaded. */
export async function goto(fc: FlowContext, path: string, params: Record<string, string> = {}, options: CheckOptions & { surface?: string } = {}): Promise<void> {
  return gotoUrl(fc, urlOf(fc, path, params), { ...options, surface: options.surface ?? path });
}

export async function gotoUrl(fc: FlowContext, url: string, options: CheckOptions & { surface?: string } = {}): Promise<void> {
  if (options.surface) fc.surface(options.surface);
  try {
    await fc.page.goto(url, { waitUntil: 'domcontentloaded' });
  } catch (error) {
    throw new TransientError(`navigation to ${safePath(url)} failed: ${(error as Error).message.split('\n')[0]}`, false);
  }
  await checkPage(fc, options);
}

/** Clicks and waits for the navigation it causes (form posts that redirect). */
export async function clickAndWaitForLoad(fc: FlowContext, target: Locator): Promise<void> {
  const before = fc.page.url();
  await Promise.all([
    fc.page.waitForNavigation({ waitUntil: 'domcontentloaded' }).catch(() => undefined),
    target.click(),
  ]);
  if (fc.page.url() === before) await fc.page.waitForLoadState('domcontentloaded');
}

export interface RunFlowOptions {
  listeners: StepListener[];
}

/** Calls every listener at a step boundary; their proof refs are returned (a failing listener is logged, not fatal). */
export async function captureStep(fc: FlowContext, listeners: StepListener[], step: string, phase: 'after' | 'failed'): Promise<ProofRef[]> {
  const refs: ProofRef[] = [];
  const boundary = {
    episode_id: fc.action.episode_id, action_id: fc.action.action_id, platform: fc.action.platform, step, phase,
    ...(stateOf(fc).surface ? { surface: stateOf(fc).surface } : {}),
  };
  for (const listener of listeners) {
    try {
      refs.push(...(await listener.onStep(fc.page, boundary)));
    } catch (error) {
      fc.episode.log('proof listener failed', { step, error: (error as Error).message.split('\n')[0] });
    }
  }
  return refs;
}

/**
 * Runs a flow's steps in order (DESIGN.md "Browser lane"). After each step: every listener
 * (proofs go to the episode), then the guardrails. On failure: the listeners with phase
 * `failed`, then the error in the kernel's terms — friction as its class, anything else as
 * transient before the commit click and unknown after it.
 */
export async function runFlow(fc: FlowContext, steps: FlowStep[], options: RunFlowOptions): Promise<AttemptReceipt> {
  for (const step of steps) {
    if (fc.episode.signal.aborted) throw fc.episode.signal.reason ?? new Error('episode aborted');
    try {
      await step.run(fc);
      for (const p of await captureStep(fc, options.listeners, step.name, 'after')) fc.episode.addProof(p);
      await checkPage(fc);
    } catch (error) {
      for (const p of await captureStep(fc, options.listeners, step.name, 'failed')) fc.episode.addProof(p);
      throw await explain(fc, step.name, error);
    }
  }
  return fc.receipt;
}

/**
 * A read-only phase (pre-check, verification) with its proofs: runs `check`, then the listeners.
 * Proofs are returned, not added, so the caller puts them in the result the kernel records.
 */
export async function runCheck<T>(fc: FlowContext, name: string, options: RunFlowOptions, check: (fc: FlowContext) => Promise<T>): Promise<{ result: T; proofs: ProofRef[] }> {
  try {
    const result = await check(fc);
    return { result, proofs: await captureStep(fc, options.listeners, name, 'after') };
  } catch (error) {
    await captureStep(fc, options.listeners, name, 'failed');
    throw await explain(fc, name, error);
  }
}

async function explain(fc: FlowContext, step: string, error: unknown): Promise<unknown> {
  if (error instanceof RaizeError) return error;
  // A selector that timed out may be a checkpoint or a new layout: the page says which.
  try {
    await checkPage(fc);
  } catch (friction) {
    if (friction instanceof RaizeError) return friction;
  }
  const detail = `step ${step} failed: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}`;
  return committed(fc) ? new OutcomeUnknownError(`${detail} (after the commit click)`) : new TransientError(`${detail} (before any commit)`, false);
}

async function visible(page: Page, selector: string | undefined): Promise<boolean> {
  if (!selector) return false;
  return page.locator(selector).first().isVisible().catch(() => false);
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(no url)';
  }
}

/** What connecting an account needs: a page, the platform and the credentials (never logged). */
export interface LoginInput {
  page: Page;
  origin: string;
  annex: Annex;
  handle: string;
  password: string;
}

/** The account the platform shows after login: the fingerprint to store (§4.1). */
export interface ObservedAccount {
  handle: string;
  display_name?: string;
  avatar_src?: string;
}

/** Logs a browser in at connect time; the runner saves the resulting session state. */
export interface LoginFlow {
  platform: Annex['platform'];
  login(input: LoginInput): Promise<ObservedAccount>;
}
