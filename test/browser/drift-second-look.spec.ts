import type { Page } from '@playwright/test';
import { instagramLogin } from '../../flows/index.js';
import { capturePage, createProofStore, readDriftRecords, type PageCapture } from '../../proofs/index.js';
import { DriftGuard, SurfaceDriftError } from '../../runners/index.js';
import { INSTAGRAM_ANNEX } from '../../selectors/index.js';
import { tempDir } from '../helpers/kernel.js';
import { igThread } from '../sandbox/fixtures.js';
import { expect, IG, test } from './fixtures.js';

/**
 * One capture is one look (issue 10, chaos --farm seed 13): a page caught mid-navigation can show
 * the previous document's last frame over the new document's DOM — Chromium holds the old paint
 * until the new page paints, longer on a loaded host. The run stopped Instagram on the pixels of a
 * profile judged as the DM thread that had just loaded. The drift guard now takes a second look
 * before it stops a platform, and records only what that look shows.
 */
test.use({ churn: 'off' });

const layout = INSTAGRAM_ANNEX.layouts.v1!;

async function loggedIn(page: Page, origin: string): Promise<void> {
  await instagramLogin.login({ page, origin, annex: INSTAGRAM_ANNEX, handle: IG.northwind.handle, password: IG.northwind.password });
}

const capture = (page: Page) => capturePage(page, { dynamicRegions: layout.dynamic_regions });

test('should not stop a platform on a capture whose pixels are the previous page: the second look decides, and nothing is recorded', async ({ page, sandbox }) => {
  const dir = tempDir();
  try {
    const origin = sandbox.platforms.instagram;
    await loggedIn(page, origin);
    const guard = new DriftGuard(dir.path, createProofStore(dir.path));
    const thread = `${origin}${igThread(IG.ana.id)}`;
    await page.goto(thread);
    // The first sight of the thread (its structure is the annex's) is its baseline.
    expect(await guard.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', await capture(page))).toEqual([]);

    // The profile's last frame over the thread's DOM: what a capture mid-navigation holds.
    await page.goto(`${origin}/${IG.ana.handle}/`);
    const profile = await capture(page);
    await page.goto(thread);
    const threadNow = await capture(page);
    const torn: PageCapture = { ...threadNow, png: profile.png! };

    // Believed on its own, it stops Instagram (what the chaos run saw)…
    const aloneDir = tempDir();
    const alone = new DriftGuard(aloneDir.path, createProofStore(aloneDir.path));
    await alone.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', await capture(page));
    await expect(alone.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', torn)).rejects.toBeInstanceOf(SurfaceDriftError);
    aloneDir.remove();

    // …with a second look it does not: the page painted its own document meanwhile.
    let retakes = 0;
    const retake = async () => {
      retakes += 1;
      return capture(page);
    };
    expect(await guard.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', torn, retake)).toEqual([]);
    expect(retakes).toBe(1);
    expect(await readDriftRecords(dir.path)).toEqual([]);
    await guard.assertNoOpenIncident('instagram');

    // A change the second look still shows is drift: one record, of the second look.
    await page.addStyleTag({ content: 'main { margin-top: 220px !important; background: #ffe08a !important }' });
    const restyled = await capture(page);
    await expect(guard.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', torn, async () => restyled)).rejects.toBeInstanceOf(SurfaceDriftError);
    const records = await readDriftRecords(dir.path);
    expect(records).toEqual([expect.objectContaining({ surface: 'dm_thread', structure_match: true, blocked: true })]);
    await expect(guard.assertNoOpenIncident('instagram')).rejects.toThrow(/unresolved layout drift/);

    // No second look to be had (the flow moved on to another page): the first capture is judged.
    const movedOnDir = tempDir();
    const movedOn = new DriftGuard(movedOnDir.path, createProofStore(movedOnDir.path));
    await movedOn.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', threadNow);
    await expect(movedOn.checkSurface(INSTAGRAM_ANNEX, 'v1', 'dm_thread', torn, async () => undefined)).rejects.toBeInstanceOf(SurfaceDriftError);
    expect(await readDriftRecords(movedOnDir.path)).toEqual([expect.objectContaining({ surface: 'dm_thread', blocked: true })]);
    movedOnDir.remove();
  } finally {
    dir.remove();
  }
});
