import { test as base, expect, type Page } from '@playwright/test';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

/**
 * The real API (console included) on a temp store with two tenants, and a browser page that
 * records every Content-Security-Policy violation the console's pages cause (there must be none).
 */
export const test = base.extend<{ h: ApiHarness; cspViolations: string[] }>({
  h: async ({}, use) => {
    const h = await startApiHarness();
    await use(h);
    await h.close();
  },
  cspViolations: async ({ page }, use) => {
    const seen: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
    });
    await use(seen);
  },
});

export { expect };

/** Logs in through the form, as a person would: paste the token, press the button. */
export async function login(page: Page, h: ApiHarness, token: string): Promise<void> {
  await page.goto(`${h.url}/console/login`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(`${h.url}/console/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

/** The session cookie the browser holds now (its value: tests compare, never print it). */
export async function sessionCookie(page: Page): Promise<string | undefined> {
  return (await page.context().cookies()).find((c) => c.name === 'raize_session')?.value;
}

/** A console form POSTed from outside the page (a forged or replayed request), with the browser's cookies. */
export async function postForm(page: Page, url: string, fields: Record<string, string>) {
  return page.request.post(url, { form: fields, maxRedirects: 0, failOnStatusCode: false });
}
