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

/**
 * Waits until `predicate` (a page expression) is truthy, polling inside the page: one quiet
 * round trip instead of a traced `waitForFunction` (two DOM snapshots per call in the episode's
 * trace). A document replaced under the wait (a navigation) is waited on afresh. Resolves
 * whether the predicate held before `timeoutMs`; a predicate that throws counts as false.
 */
export async function waitQuietly(page: Page, predicate: string, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const cdp = await cdpSessionOf(page);
  if (!cdp) {
    return page.waitForFunction(predicate, undefined, { timeout: Math.max(1, timeoutMs), polling: pollMs }).then(() => true, () => false);
  }
  for (;;) {
    const left = deadline - Date.now();
    const script = `new Promise((resolve) => {
      const until = performance.now() + ${Math.max(0, left)};
      const held = () => { try { return !!(${predicate}); } catch { return false; } };
      const tick = () => { if (held()) resolve(true); else if (performance.now() >= until) resolve(false); else setTimeout(tick, ${pollMs}); };
      tick();
    })`;
    try {
      const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression: script, returnByValue: true, awaitPromise: true });
      if (exceptionDetails) return false;
      return result.value === true;
    } catch (error) {
      // The page went away: nothing to wait for. The document was replaced: wait on the new one.
      if (page.isClosed() || !/context was destroyed|navigat|Cannot find (default )?(execution )?context|Promise was collected/i.test((error as Error).message)) return false;
      if (Date.now() >= deadline) return false;
      await page.waitForLoadState('domcontentloaded', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    }
  }
}
