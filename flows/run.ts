import type { Locator, Page, Response } from 'playwright-core';
import { capturePage, waitQuietly, type StepBoundary, type StepListener } from '../proofs/index.js';
import {
  AuthExpiredError, CheckpointError, DriftError, IdentityMismatchError, OutcomeUnknownError, RaizeError, TransientError,
  type ActionContext, type AttemptReceipt, type ProofRef,
} from '../safety/index.js';
import type { Annex, LayoutAnnex } from '../selectors/index.js';
import { probePage, type PageProbe } from './probe.js';
import { containsText } from './background.js';
import { dismissPrompts, onPromptProof } from './prompts.js';
import { onHeal, type HealedElement } from './heal.js';
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
  /**
   * The runner's request guard (runners/browser/commit-guard.ts): armed by every `beforeCommit()`
   * that passed, for exactly one mutating request. Absent in flow-only harnesses.
   */
  commitGuard?: { arm(): void };
}

/**
 * A flow context for one kernel call. Its `episode.beforeCommit()` is the last gate before a
 * commit click, in this order: a second commit in the same attempt is refused (the
 * double-submission guard); the page about to commit must show the action's account as the
 * active one, and no checkpoint or login form (one page read, `confirmCommitPage`); every step
 * listener must have judged (drift); then the kernel's check 3 (kill switches, account state,
 * ownership). Only then is the runner's request guard armed, for one mutating request.
 */
export function createFlowContext(init: FlowContextInit): FlowContext {
  const first = Object.entries(init.annex.layouts)[0];
  if (!first) throw new DriftError(`annex ${init.annex.platform} ${init.annex.annex_version} has no layouts`);
  const episode: ActionContext = Object.create(init.episode, {
    beforeCommit: {
      value: async () => {
        const s = stateOf(fc);
        if (s.commits > 0) throw new OutcomeUnknownError('a second commit click in one attempt was refused (double-submission guard)');
        // No click while a step's drift comparison is still out: its verdict may be "stop".
        // The page read runs meanwhile: it does not wait for the listeners.
        await Promise.all([confirmCommitPage(fc), settleListeners(fc)]);
        await init.episode.beforeCommit();
        s.commits += 1;
        init.commitGuard?.arm();
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

const bareHandle = (s: string | null | undefined) => (s ?? '').trim().replace(/^@/, '').toLowerCase();

/**
 * Identity at the commit (§4.3, issue 8): the page about to commit must show the action's
 * account as the active one — the handle in the page chrome and the account switcher's
 * selection, whichever the layout shows, each equal to the stored fingerprint's handle, and at
 * least one of them shown. Another tab, the app or the platform may have switched the login's
 * active account since the identity check; a click now would act as that account. Read in one
 * round trip with the friction that can cover the page at the last moment (checkpoint, login).
 * Throws IdentityMismatchError (the kernel puts the account in needs_human); nothing is clicked.
 */
export async function confirmCommitPage(fc: FlowContext): Promise<void> {
  const seen = await readActiveAccount(fc, 'right before the commit click');
  if (seen.confirmed) return;
  const what = seen.wrong.length ? `the page shows another active account (${seen.wrong.join(', ')})` : 'the page shows no active account';
  throw new IdentityMismatchError(seen.wrong.length ? seen.wrong : ['handle', 'switcher'], `identity at the commit on ${fc.annex.platform} ${seen.path}: ${what}; nothing was clicked`);
}

/**
 * The viewer of a look (issue 8): a look reads the platform as the page's active account, so a
 * session switched to another account (another tab, the app, the platform) shows *that*
 * account's likes, follows and threads. Another active account → IdentityMismatchError (the
 * look proves nothing; the kernel pauses the looks and puts the account in needs_human).
 * Returns whether the page positively shows the action's account (a page without the account
 * chrome confirms nothing, and an absence read on it proves nothing either).
 */
export async function confirmLookViewer(fc: FlowContext): Promise<boolean> {
  const seen = await readActiveAccount(fc, 'during a verification look');
  if (seen.wrong.length) {
    throw new IdentityMismatchError(seen.wrong, `a look on ${fc.annex.platform} ${seen.path} ran as another account (${seen.wrong.join(', ')}): the session was switched; it proves nothing`);
  }
  return seen.confirmed;
}

/** The active account the current page shows (handle chrome, switcher selection), read in one round trip with the friction that can cover it. */
async function readActiveAccount(fc: FlowContext, when: string): Promise<{ confirmed: boolean; wrong: string[]; path: string }> {
  const id = fc.layout.annex.identity;
  const f = fc.layout.annex.friction;
  const p = await probePage(fc.page, {
    text: { handle: id.handle, switcher: id.switcher_selection },
    visible: { checkpoint: f.checkpoint, ...(f.login ? { login: f.login } : {}) },
  });
  if (p.visible.checkpoint) throw new CheckpointError(`checkpoint on ${fc.annex.platform} at ${p.path}, ${when}`);
  if (p.visible.login) throw new AuthExpiredError(`${fc.annex.platform} shows its login form at ${p.path}, ${when}`);
  const want = bareHandle(fc.account.fingerprint.handle);
  const shown = { handle: p.text.handle, switcher: p.text.switcher };
  const read = Object.entries(shown).filter((e): e is [string, string] => e[1] !== null && e[1] !== undefined);
  const wrong = read.filter(([, v]) => bareHandle(v) !== want).map(([k]) => k);
  return { confirmed: read.length > 0 && wrong.length === 0 && want !== '', wrong, path: p.path };
}

/** A selector of the recognised layout; a missing one means the annex does not cover this layout. */
export function sel(fc: FlowContext, surface: string, key: string): string {
  const s = fc.layout.annex.surfaces[surface]?.[key];
  if (!s) throw new DriftError(`annex ${fc.annex.platform} layout ${fc.layout.version} has no selector ${surface}.${key}`);
  return s;
}

/** A URL of the platform from the annex's paths (`{handle}`, `{id}` placeholders, each URL-encoded; a missing one is a bug). */
export function urlOf(fc: FlowContext, path: string, params: Record<string, string> = {}): string {
  const template = fc.annex.paths[path];
  if (!template) throw new DriftError(`annex ${fc.annex.platform} has no path ${path}`);
  return fc.origin + template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const value = params[k];
    if (value === undefined) throw new Error(`${fc.annex.platform} annex path ${path}: missing {${k}}`);
    return encodeURIComponent(value);
  });
}

/** Matches a URL or path against an annex path template; returns its placeholders. */
export function matchPath(fc: FlowContext, name: string, urlOrPath: string): Record<string, string> | undefined {
  const template = fc.annex.paths[name];
  if (!template) return undefined;
  let pathname: string;
  try {
    pathname = new URL(urlOrPath, fc.origin).pathname;
  } catch {
    return undefined;
  }
  const keys: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  const m = new RegExp(`^${pattern}/?$`).exec(pathname);
  if (!m) return undefined;
  return Object.fromEntries(keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
}

/** The first layout of the annex whose markers are all on the page, or undefined (drift). */
export async function detectLayout(page: Page, annex: Annex, prefer?: string): Promise<{ version: string; annex: LayoutAnnex } | undefined> {
  const probe = await probePage(page, { all: markersOf(annex) });
  return layoutOf(annex, probe, prefer);
}

const markersOf = (annex: Annex) => Object.fromEntries(Object.entries(annex.layouts).map(([v, l]) => [v, l.fingerprint.markers]));

function layoutOf(annex: Annex, probe: PageProbe, prefer?: string): { version: string; annex: LayoutAnnex } | undefined {
  const versions = Object.keys(annex.layouts).sort((a, b) => (a === prefer ? -1 : b === prefer ? 1 : 0));
  const version = versions.find((v) => probe.all[v]);
  return version ? { version, annex: annex.layouts[version]! } : undefined;
}

export interface CheckOptions {
  /** An error page is an answer the caller reads (a 404 that proves absence), not a failure. */
  allowErrorPage?: boolean;
  /** Right after a navigation: a page that shows neither a known layout nor friction yet gets a moment to render. */
  waitForLayout?: boolean;
}

/**
 * The guardrails of §8.4, run after every step and navigation: checkpoint or captcha →
 * CheckpointError; login page → AuthExpiredError; a layout no annex version knows → DriftError;
 * an "action blocked" toast → CheckpointError; an error page → transient before any commit,
 * unknown after one. The page is read once (one round trip) for all of them.
 */
export async function checkPage(fc: FlowContext, options: CheckOptions = {}): Promise<void> {
  if (options.waitForLayout) await waitWhileLoading(fc);
  await dismissPrompts(fc);
  const visible: Record<string, string | undefined> = {};
  const text: Record<string, string | undefined> = {};
  for (const [v, l] of Object.entries(fc.annex.layouts)) {
    for (const [k, selector] of Object.entries(l.friction)) visible[`${v}.${k}`] = selector;
    text[`${v}.toast`] = l.friction.toast;
  }
  const query = { all: markersOf(fc.annex), visible, text };
  let probe = await probePage(fc.page, query);
  if (options.waitForLayout && !Object.values(probe.all).some(Boolean) && !Object.values(probe.visible).some(Boolean)) {
    await waitForLayout(fc);
    probe = await probePage(fc.page, query);
  }
  if (!layoutOf(fc.annex, probe, fc.layout.version) && !Object.values(probe.visible).some(Boolean)) {
    // "No known layout" stops the whole platform, so it must be what the page *is*, not a page
    // still loading on a slow machine or one replaced mid-read by a navigation (chaos seed 7 at
    // 300 actions: a loaded 2-core host stopped both platforms on pages that were plain v1).
    // Confirm on the page fully loaded, after a longer wait, before calling it drift.
    await fc.page.waitForLoadState('load', { timeout: 10_000 }).catch(() => undefined);
    await waitForLayout(fc, 10_000);
    probe = await probePage(fc.page, query);
  }
  const path = probe.path;
  const paths = fc.annex.paths;
  const layout = layoutOf(fc.annex, probe, fc.layout.version);
  // Friction is read with the selectors of the layout shown, or of the last one known.
  const shows = (k: string) => probe.visible[`${(layout ?? fc.layout).version}.${k}`] === true;
  if ((paths.challenge && path.startsWith(paths.challenge)) || shows('checkpoint')) {
    throw new CheckpointError(`checkpoint on ${fc.annex.platform} at ${path}: the account needs a human`);
  }
  if ((paths.login && path.startsWith(paths.login)) || shows('login')) {
    throw new AuthExpiredError(`${fc.annex.platform} shows its login page at ${path}: the session is gone`);
  }
  if (!layout) {
    throw new DriftError(`${fc.annex.platform} page ${path} matches no known layout of annex ${fc.annex.annex_version}`);
  }
  if (layout.version !== fc.layout.version) fc.episode.log('layout changed within the episode', { from: fc.layout.version, to: layout.version });
  fc.layout = layout;
  const toast = probe.text[`${layout.version}.toast`] ?? '';
  if (shows('toast') && (containsText(layout.annex.texts, 'action_blocked', toast) ?? BLOCKED_TOAST.test(toast))) {
    throw new CheckpointError(`${fc.annex.platform} blocked the action ("action blocked" toast)`);
  }
  if (!options.allowErrorPage && shows('error')) {
    const detail = `${fc.annex.platform} error page at ${path}`;
    throw committed(fc) ? new OutcomeUnknownError(`${detail} after the commit click`) : new TransientError(`${detail} before any commit`, false);
  }
}

/** Navigates to a platform path and runs the guardrails on what loaded; resolves the navigation's HTTP status (undefined when none). */
export async function goto(fc: FlowContext, path: string, params: Record<string, string> = {}, options: CheckOptions & { surface?: string } = {}): Promise<number | undefined> {
  return gotoUrl(fc, urlOf(fc, path, params), { ...options, surface: options.surface ?? path });
}

export async function gotoUrl(fc: FlowContext, url: string, options: CheckOptions & { surface?: string } = {}): Promise<number | undefined> {
  if (options.surface) fc.surface(options.surface);
  let status: number | undefined;
  try {
    status = (await fc.page.goto(url, { waitUntil: 'domcontentloaded' }))?.status();
  } catch (error) {
    throw new TransientError(`navigation to ${safePath(url)} failed: ${(error as Error).message.split('\n')[0]}`, false);
  }
  await checkPage(fc, { ...options, waitForLayout: true });
  return status;
}

/** How long a page may show its loading spinner before it is reloaded. */
const LOADING_PATIENCE_MS = 5000;
/**
 * Reloads of a page whose spinner never ends before the step gives up. Two: a hang is rare and
 * independent from one load to the next, but a site's bad minute can hang two loads in a row
 * (churn seed 9 hung the profile twice running and every Instagram episode of the seed gave up).
 */
export const LOADING_RELOADS = 2;

/**
 * Right after a navigation: a page still drawing its content behind the layout's spinner
 * (annex `loading`) is given a few seconds; one that never finishes is reloaded (LOADING_RELOADS
 * times at most), before any commit (a reload after one could resend nothing, but the page is
 * then read by verification, which navigates afresh). Still spinning after that: transient,
 * nothing was done. Resolves with the last reload's response when it reloaded (undefined when not).
 */
export async function waitWhileLoading(fc: FlowContext): Promise<Response | null | undefined> {
  const spinner = fc.layout.annex.loading;
  if (!spinner) return undefined;
  // Polled in the page (quiet: no trace snapshots); the same visibility rule as Playwright's.
  const none = `![...document.querySelectorAll(${JSON.stringify(spinner)})].some((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })`;
  const gone = () => waitQuietly(fc.page, none, LOADING_PATIENCE_MS);
  if (await gone()) return undefined;
  if (committed(fc)) return undefined;
  for (let reload = 1; reload <= LOADING_RELOADS; reload++) {
    fc.episode.log('page still loading: reloaded', { path: safePath(fc.page.url()), reload });
    const response = await fc.page.reload({ waitUntil: 'domcontentloaded' }).catch(() => null);
    if (await gone()) return response;
  }
  throw new TransientError(`${fc.annex.platform} page ${safePath(fc.page.url())} still loading after ${LOADING_RELOADS} reloads`, false);
}

/**
 * Pages that render in the browser show their layout after `domcontentloaded`: wait (briefly,
 * one round trip when it is already there) until the markers of a known layout or a friction
 * surface are on the page. If neither comes, `checkPage` says what the page is.
 */
export async function waitForLayout(fc: FlowContext, timeoutMs = 5000): Promise<void> {
  await waitForKnownPage(fc.page, fc.annex, timeoutMs);
}

async function waitForKnownPage(page: Page, annex: Annex, timeoutMs: number): Promise<void> {
  const groups = Object.values(annex.layouts).flatMap((l) => [
    l.fingerprint.markers,
    ...Object.values(l.friction).filter((s): s is string => !!s).map((s) => [s]),
  ]);
  const script = `(${JSON.stringify(groups)}).some((g) => g.every((s) => { try { return !!document.querySelector(s); } catch { return false; } }))`;
  await waitQuietly(page, script, timeoutMs);
}

/**
 * What a page is, read patiently (fully loaded, up to `timeoutMs` for a known layout or friction
 * to render): a known layout's version, `friction` (login, checkpoint, captcha), or `unknown`.
 * Used where "no known layout" would stop a whole platform and must be confirmed first.
 */
export async function recognisePage(page: Page, annex: Annex, timeoutMs = 10_000): Promise<string> {
  await page.waitForLoadState('load', { timeout: timeoutMs }).catch(() => undefined);
  await waitForKnownPage(page, annex, timeoutMs);
  const visible: Record<string, string> = {};
  for (const [v, l] of Object.entries(annex.layouts)) {
    for (const [k, selector] of Object.entries(l.friction)) if (selector && k !== 'toast' && k !== 'error') visible[`${v}.${k}`] = selector;
  }
  const probe = await probePage(page, { all: markersOf(annex), visible });
  const layout = layoutOf(annex, probe);
  if (layout) return layout.version;
  return Object.values(probe.visible).some(Boolean) ? 'friction' : 'unknown';
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

/** Proofs captured in this flow context whose storing (or checking) is still under way, in capture order. */
const PENDING = new WeakMap<FlowContext, Promise<ProofRef[]>[]>();
/** A guardrail verdict a listener reached in the background (drift): rethrown at the next drain or commit. */
const VERDICT = new WeakMap<FlowContext, RaizeError>();

/**
 * Takes the page once at a step boundary and hands it to every listener. Returns once the page
 * is captured; storing and comparing go on in the background and are collected by `drainProofs`
 * (a failing listener is logged, not fatal; a listener's RaizeError — drift — stops the episode).
 */
export async function captureStep(fc: FlowContext, listeners: StepListener[], step: string, phase: StepBoundary['phase']): Promise<void> {
  if (!listeners.length) return;
  const boundary = {
    episode_id: fc.action.episode_id, action_id: fc.action.action_id, platform: fc.action.platform, step, phase,
    layout: fc.layout.version, ...(stateOf(fc).surface ? { surface: stateOf(fc).surface } : {}),
  };
  let pending = PENDING.get(fc);
  if (!pending) PENDING.set(fc, (pending = []));
  const failed = (error: unknown): ProofRef[] => {
    if (error instanceof RaizeError) {
      if (!VERDICT.has(fc)) VERDICT.set(fc, error);
      return [];
    }
    fc.episode.log('proof listener failed', { step, error: (error as Error)?.message?.split('\n')[0] ?? String(error) });
    return [];
  };
  const capture = await capturePage(fc.page, { dynamicRegions: fc.layout.annex.dynamic_regions });
  for (const listener of listeners) {
    try {
      const { stored } = await listener.onStep(fc.page, boundary, capture);
      // Handled at once: a failure is logged (or kept as the verdict) when drained, never an unhandled rejection.
      pending.push(stored.catch(failed));
    } catch (error) {
      failed(error);
    }
  }
}

/** Hands a healed element to every listener that keeps such records (a failing one is logged, not fatal). */
async function reportHeal(fc: FlowContext, listeners: StepListener[], healed: HealedElement): Promise<void> {
  const surface = stateOf(fc).surface;
  const record = {
    ...healed, platform: fc.action.platform, layout: fc.layout.version, action_id: fc.action.action_id, episode_id: fc.action.episode_id,
    ...(surface ? { surface } : {}),
  };
  for (const listener of listeners) {
    await listener.onHeal?.(record).catch((error: unknown) => fc.episode.log('heal record not kept', { element: healed.element, error: (error as Error)?.message ?? String(error) }));
  }
}

/** Waits for every listener's work so far; throws the verdict a listener reached (drift), if any. */
export async function settleListeners(fc: FlowContext): Promise<void> {
  await Promise.all(PENDING.get(fc) ?? []);
  const verdict = VERDICT.get(fc);
  if (verdict) throw verdict;
}

/** Waits for every proof captured so far in this context to be stored; their refs in capture order. */
export async function drainProofs(fc: FlowContext): Promise<ProofRef[]> {
  const pending = PENDING.get(fc) ?? [];
  PENDING.delete(fc);
  return (await Promise.all(pending)).flat();
}

/**
 * Runs a flow's steps in order (DESIGN.md "Browser lane"). After each step: the guardrails, then
 * every listener captures the page. On failure: the listeners with phase `failed`, then the error
 * in the kernel's terms — friction as its class, anything else as transient before the commit
 * click and unknown after it. Every proof is stored and handed to the episode before this
 * returns; no commit click happens before the listeners have judged every earlier step.
 */
export async function runFlow(fc: FlowContext, steps: FlowStep[], options: RunFlowOptions): Promise<AttemptReceipt> {
  onPromptProof(fc, (step) => captureStep(fc, options.listeners, step, 'friction'));
  onHeal(fc, (healed) => reportHeal(fc, options.listeners, healed));
  try {
    for (const step of steps) {
      if (fc.episode.signal.aborted) throw fc.episode.signal.reason ?? new Error('episode aborted');
      try {
        await step.run(fc);
        await checkPage(fc);
        await captureStep(fc, options.listeners, step.name, 'after');
      } catch (error) {
        await captureStep(fc, options.listeners, step.name, 'failed');
        // A step that could not find what it wanted on a page that passes the guardrails (the
        // known layout, no friction) before any commit: the page is judged as its surface — the
        // element may be gone with a redesign the markers did not show (a composer whose form was
        // replaced). A step that failed on a page already judged changed failed because of the
        // drift: that is the verdict, not a transient failure to retry.
        if (!(error instanceof RaizeError) && !committed(fc) && (await checkPage(fc).then(() => true, () => false))) {
          await captureStep(fc, options.listeners, step.name, 'after');
        }
        await Promise.all(PENDING.get(fc) ?? []);
        const verdict = VERDICT.get(fc);
        if (verdict) throw committed(fc) ? await explain(fc, 'after_commit', verdict) : verdict;
        throw await explain(fc, step.name, error);
      }
    }
    try {
      await settleListeners(fc);
    } catch (verdict) {
      // Drift seen after the commit click: recorded (the platform is stopped for later
      // episodes), and the outcome of this one is still verified.
      throw committed(fc) ? await explain(fc, 'after_commit', verdict) : verdict;
    }
    return fc.receipt;
  } finally {
    for (const p of await drainProofs(fc)) fc.episode.addProof(p);
  }
}

/**
 * A read-only phase (pre-check, verification) with its proofs: runs `check`, then the listeners.
 * Proofs are returned, not added, so the caller puts them in the result the kernel records.
 */
export async function runCheck<T>(fc: FlowContext, name: string, options: RunFlowOptions, check: (fc: FlowContext) => Promise<T>, judged?: (result: T) => boolean): Promise<{ result: T; proofs: ProofRef[] }> {
  onPromptProof(fc, (step) => captureStep(fc, options.listeners, step, 'friction'));
  onHeal(fc, (healed) => reportHeal(fc, options.listeners, healed));
  try {
    const result = await check(fc);
    // What the check leaves on screen passed the guardrails (a flow may have read friction as
    // "nothing found"): a login or checkpoint page is never captured as the surface's layout.
    await checkPage(fc, { allowErrorPage: true });
    // A page the check found wrong in itself (another account's session) is kept as proof, never
    // judged as the surface's layout: chaos seed 7 at 300 actions stopped both platforms on the
    // home page seen by a switched session (another account's profile under the label "home").
    await captureStep(fc, options.listeners, name, judged && !judged(result) ? 'failed' : 'after');
    try {
      await settleListeners(fc);
    } catch (verdict) {
      for (const p of await drainProofs(fc)) fc.episode.addProof(p);
      throw verdict;
    }
    return { result, proofs: await drainProofs(fc) };
  } catch (error) {
    await captureStep(fc, options.listeners, name, 'failed');
    for (const p of await drainProofs(fc)) fc.episode.addProof(p);
    throw await explain(fc, name, error);
  }
}

async function explain(fc: FlowContext, step: string, error: unknown): Promise<unknown> {
  if (error instanceof RaizeError) return afterCommit(fc, error);
  // A selector that timed out may be a checkpoint or a new layout: the page says which — and
  // after the click, what it says is friction, never a refusal (chaos --farm seed 13: a lost
  // answer's error page read as "no known layout" recorded a live follow as refused).
  try {
    await checkPage(fc);
  } catch (friction) {
    if (friction instanceof RaizeError) return afterCommit(fc, friction);
  }
  const detail = `step ${step} failed: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}`;
  return committed(fc) ? new OutcomeUnknownError(`${detail} (after the commit click)`) : new TransientError(`${detail} (before any commit)`, false);
}

/** Friction after the commit click does not prove the effect did not land: degrade and verify. */
function afterCommit(fc: FlowContext, error: RaizeError): RaizeError {
  if (!committed(fc) || !(error instanceof CheckpointError || error instanceof DriftError || error instanceof AuthExpiredError)) return error;
  const degrade = error instanceof AuthExpiredError ? 'reconnect_required' : 'read_only';
  return new OutcomeUnknownError(`${error.message} (after the commit click)`, degrade);
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
