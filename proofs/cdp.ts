import type { CDPSession, Page } from 'playwright-core';

const SESSIONS = new WeakMap<Page, Promise<CDPSession | undefined>>();

/** The page's DevTools session (Chromium), opened once per page; undefined on other browsers. */
export function cdpSessionOf(page: Page): Promise<CDPSession | undefined> {
  let session = SESSIONS.get(page);
  if (!session) {
    session = page.context().newCDPSession(page).catch(() => undefined);
    SESSIONS.set(page, session);
  }
  return session;
}

/**
 * Evaluates an expression in the page's main world and returns its JSON value, through the
 * DevTools protocol rather than `page.evaluate`: the runner's own reads (guardrail checks, DOM
 * proofs) are not the flow's actions, and a traced `page.evaluate` costs two DOM snapshots in
 * the episode's trace (~10 ms each here, ~25 reads an episode). Falls back to `page.evaluate`
 * where there is no DevTools session.
 */
export async function evaluateQuietly<T>(page: Page, expression: string): Promise<T> {
  const cdp = await cdpSessionOf(page);
  if (!cdp) return page.evaluate<T>(expression);
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true });
  if (exceptionDetails) {
    throw new Error(`page script failed: ${exceptionDetails.exception?.description?.split('\n')[0] ?? exceptionDetails.text}`);
  }
  return result.value as T;
}
