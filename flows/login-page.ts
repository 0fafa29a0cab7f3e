import type { Page } from 'playwright-core';
import { TransientError } from '../safety/index.js';
import type { LayoutAnnex } from '../selectors/index.js';
import { dismissListedPrompts } from './prompts.js';
import { LOADING_RELOADS } from './run.js';

/** How long a login page may show its loading spinner before it is reloaded (as in `checkPage`). */
const LOADING_PATIENCE_MS = 5000;

/**
 * A login page ready for the form (connect time, outside an episode): the layout's spinner gone
 * (reloaded up to LOADING_RELOADS times if it never ends), the annex's listed prompts declined (a cookie banner's
 * backdrop takes every click until then).
 */
export async function settleLoginPage(page: Page, layout: LayoutAnnex): Promise<void> {
  const spinner = layout.loading;
  if (spinner) {
    const gone = () => page.locator(spinner).first().waitFor({ state: 'hidden', timeout: LOADING_PATIENCE_MS }).then(() => true, () => false);
    let ready = await gone();
    for (let reload = 1; !ready && reload <= LOADING_RELOADS; reload++) {
      await page.reload({ waitUntil: 'domcontentloaded' }).catch(() => undefined);
      ready = await gone();
    }
    if (!ready) throw new TransientError(`the login page is still loading after ${LOADING_RELOADS} reloads`, false);
  }
  await dismissListedPrompts(page, layout.prompts);
}

/**
 * Submits the login form and waits for the page it leads to. A click that led nowhere (a prompt
 * that came up late took it) is tried again after declining what the page shows; logging in is
 * no platform side effect, so a second submit is harmless.
 */
export async function submitLogin(page: Page, submit: string, layout: LayoutAnnex): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    const navigated = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 15_000 }).then(() => true, () => false);
    await page.click(submit, { timeout: 10_000 }).catch(() => undefined);
    if (await navigated) return;
    await settleLoginPage(page, layout);
  }
  throw new TransientError('the login form did not submit', false);
}
