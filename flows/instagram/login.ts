import { CheckpointError, DriftError, PlatformRefusalError } from '../../safety/index.js';
import { settleLoginPage, submitLogin } from '../login-page.js';
import { detectLayout, type LoginFlow } from '../run.js';

const stripAt = (s: string | null | undefined) => (s ?? '').trim().replace(/^@/, '');

/** Instagram login at connect time: the form, then the identity surface read back. */
export const instagramLogin: LoginFlow = {
  platform: 'instagram',
  async login({ page, origin, annex, handle, password }) {
    const base = origin.replace(/\/$/, '');
    await page.goto(`${base}${annex.paths.login}`, { waitUntil: 'domcontentloaded' });
    const layout = await detectLayout(page, annex);
    if (!layout) throw new DriftError('instagram login page matches no known layout');
    const form = layout.annex.surfaces.login!;
    // A cookie banner or a promotion over the form takes the clicks until it is declined.
    await settleLoginPage(page, layout.annex);
    await page.fill(form.username!, handle);
    await page.fill(form.password!, password);
    await submitLogin(page, form.submit!, layout.annex);
    await settleLoginPage(page, layout.annex);
    if (form.error && (await page.locator(form.error).isVisible())) throw new PlatformRefusalError('instagram refused the credentials');
    if (await page.locator(layout.annex.friction.checkpoint).isVisible()) throw new CheckpointError('instagram asks for a checkpoint at login');
    await page.goto(`${base}${annex.paths.home}`, { waitUntil: 'domcontentloaded' });
    await settleLoginPage(page, layout.annex);
    const id = layout.annex.identity;
    const shown = stripAt(await page.locator(id.handle).first().textContent());
    if (shown !== handle) throw new PlatformRefusalError(`instagram logged in as another account than ${handle}`);
    return {
      handle: shown,
      ...(id.display_name ? { display_name: ((await page.locator(id.display_name).first().textContent()) ?? '').trim() } : {}),
      avatar_src: (await page.locator(id.avatar).first().getAttribute('src')) ?? undefined,
    };
  },
};
