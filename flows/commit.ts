import type { Locator, Request, Response } from 'playwright-core';
import { TransientError } from '../safety/errors.js';
import { assertCommitElement } from './element.js';
import { dismissPrompts } from './prompts.js';
import type { FlowContext } from './types.js';

/** How long a commit's answer may take before it counts as lost. */
const SETTLE_TIMEOUT_MS = 15_000;

/** What happened to a submitted request. */
export interface Submitted {
  /** The POST's response; undefined when the connection dropped before one arrived. */
  response?: Response;
  failure?: string;
}

/**
 * The commit click on the annex element `element` (`surface.key`), which must agree with its
 * recorded fingerprint (flows/element.ts). Kill-switch check 3 (`beforeCommit`) runs immediately before it; the button
 * is clicked exactly once. Waits for the POST the click sends (navigation or fetch) to be
 * answered or to fail, then for a navigation it caused to load.
 */
export async function commitClick(fc: FlowContext, element: string, button: Locator, isCommit: (req: Request) => boolean): Promise<Submitted> {
  const { page } = fc;
  // A prompt put over the page since it was checked would take the click (or hold it until it
  // times out). Dismissed before the commit's request is watched for: declining one may post too.
  await dismissPrompts(fc);
  // Not there after the wait: the element check below stops the episode (never healed).
  await button.waitFor({ state: 'visible', timeout: SETTLE_TIMEOUT_MS }).catch(() => undefined);
  if ((await button.count()) > 0 && !(await button.isEnabled())) throw new TransientError(`${fc.action.platform}: the submit button is disabled`, false);
  // Two signals of the recorded element, or no click (a selector alone never commits).
  await assertCommitElement(fc, element, button);
  let settle!: (s: Submitted) => void;
  const done = new Promise<Submitted>((resolve) => (settle = resolve));
  let navigated = false;
  const onResponse = (r: Response) => {
    if (isCommit(r.request())) settle({ response: r });
  };
  const onFailed = (req: Request) => {
    if (isCommit(req)) settle({ failure: req.failure()?.errorText ?? 'request failed' });
  };
  const onNavigated = (frame: unknown) => {
    if (frame === page.mainFrame()) navigated = true;
  };
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  page.on('framenavigated', onNavigated);
  try {
    await fc.episode.beforeCommit();
    fc.episode.log('commit click');
    // noWaitAfter: the outcome is read from the request below, not from Playwright's heuristics.
    await button.click({ noWaitAfter: true, timeout: SETTLE_TIMEOUT_MS });
    const timer = setTimeout(() => settle({ failure: 'no answer to the submit within the deadline' }), SETTLE_TIMEOUT_MS);
    const out = await done;
    clearTimeout(timer);
    if (out.response && out.response.request().isNavigationRequest()) {
      // The document that answers (after a 303) must be the one we read.
      const until = Date.now() + SETTLE_TIMEOUT_MS;
      while (!navigated && Date.now() < until) await page.waitForTimeout(25);
      await page.waitForLoadState('domcontentloaded', { timeout: SETTLE_TIMEOUT_MS });
    }
    return out;
  } finally {
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
    page.off('framenavigated', onNavigated);
  }
}

/** The request a commit click sends: a POST (form or fetch). Reads never POST. */
export const isPost = (req: Request): boolean => req.method() === 'POST';
