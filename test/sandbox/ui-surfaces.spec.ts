import { test, expect, IG, X, sha256, samplePng, eventually } from './fixtures.js';
import { ANNEX, login } from './annex.js';
import { avatarPath } from '../../sandbox/index.js';

const SEEDED = {
  instagram: { postPath: '/p/SEED1aBc/', postId: '17900000000000001', peer: IG.ana },
  x: { postPath: `/${X.northwind.handle}/status/1860000000000000001`, postId: '1860000000000000001', peer: X.ana },
};

for (const platform of ['instagram', 'x'] as const) {
  for (const version of ['v1', 'v2'] as const) {
    test.describe(`sandbox ${platform} browser surfaces, layout ${version}`, () => {
      const annex = ANNEX[platform][version];
      const { sel } = annex;
      const acc = platform === 'instagram' ? IG : X;
      const profilePath = (handle: string) => (platform === 'instagram' ? `/${handle}/` : `/${handle}`);
      const seeded = SEEDED[platform];

      test.beforeEach(async ({ admin }) => {
        await admin.layout(platform, version);
      });

      test('should log in, show the identity signals and switch accounts', async ({ page, sandbox, admin }) => {
        const base = sandbox.platforms[platform];
        await login(page, base, annex, acc.northwind.handle, acc.northwind.password);
        await expect(page.locator(sel.currentHandle)).toContainText(acc.northwind.handle);
        // An opaque CDN-like path: whose avatar it is cannot be read from the URL.
        await expect(page.locator(sel.currentAvatar)).toHaveAttribute('src', avatarPath(platform, acc.northwind.id));
        expect(avatarPath(platform, acc.northwind.id)).not.toContain(acc.northwind.id);
        await expect(page.locator(sel.switcherSelected)).toContainText(acc.northwind.handle);
        await expect(page.locator(sel.profileHandle)).toContainText(acc.northwind.handle);
        await expect(page.locator(sel.profileName)).toHaveText('Northwind Bakery');
        const avatar = await page.request.get(`${base}${avatarPath(platform, acc.northwind.id)}`);
        expect(avatar.headers()['content-type']).toContain('image/png');
        await expect(page.locator(sel.profileAvatar)).toBeVisible();

        await login(page, base, annex, acc.lumen.handle, acc.lumen.password);
        await expect(page.locator(sel.currentHandle)).toContainText(acc.lumen.handle);
        await annex.switchTo(page, acc.northwind.handle);
        await expect(page.locator(sel.currentHandle)).toContainText(acc.northwind.handle);
        await expect(page.locator(sel.switcherSelected)).toContainText(acc.northwind.handle);
        expect(await admin.effects()).toHaveLength(0);
      });

      test('should refuse a wrong password', async ({ page, sandbox }) => {
        await page.goto(`${sandbox.platforms[platform]}${annex.loginPath}`);
        await page.fill(sel.loginUser, acc.northwind.handle);
        await page.fill(sel.loginPass, 'wrong');
        await page.click(sel.loginSubmit);
        await expect(page.getByRole('alert').filter({ hasText: 'password' })).toBeVisible();
      });

      test('should follow from a profile', async ({ page, sandbox, admin }) => {
        const base = sandbox.platforms[platform];
        await login(page, base, annex, acc.northwind.handle, acc.northwind.password);
        await page.goto(`${base}${profilePath(acc.lumen.handle)}`);
        await page.click(sel.follow);
        await expect(page.locator(sel.follow)).toHaveText(/Following/);
        await eventually(async () => (await admin.effects()).length, (n) => n === 1);
        expect(await admin.effects()).toEqual([expect.objectContaining({ kind: 'follow', object_id: acc.lumen.id, target_id: acc.lumen.id, via: 'ui', account: { id: acc.northwind.id, handle: acc.northwind.handle } })]);
      });

      test('should publish from the composer with a progress state and a receipt (X\'s linking to the permalink)', async ({ page, sandbox, admin }) => {
        const base = sandbox.platforms[platform];
        await admin.fault({ kind: 'latency', platform, lane: 'ui', action: 'publish', ms: 600 });
        await login(page, base, annex, acc.northwind.handle, acc.northwind.password);
        await page.click(sel.navCompose);
        const text = `Rehearsal post on ${platform} ${version} ✓`;
        if (sel.mediaInput) await page.setInputFiles(sel.mediaInput, { name: 'bread.png', mimeType: 'image/png', buffer: await samplePng() });
        await page.fill(sel.text, text);
        await page.click(sel.share);
        await expect(page.locator(sel.progress)).toBeVisible();
        await expect(page.locator(sel.share)).toBeDisabled();
        await expect(page.locator(sel.receiptLink)).toBeVisible();
        await expect(page.locator(sel.progress)).toBeHidden();
        const effects = await admin.effects({ kind: 'publish' });
        expect(effects).toEqual([expect.objectContaining({ platform, via: 'ui', payload_sha256: sha256(text), account: { id: acc.northwind.id, handle: acc.northwind.handle } })]);
        if (platform === 'x') {
          // X's toast links to the new post ("Your post was sent. View").
          const href = new URL((await page.locator(sel.receiptLink).getAttribute('href'))!, base).toString();
          expect(href).toMatch(new RegExp(`^${base}/${acc.northwind.handle}/status/${effects[0]!.object_id}$`));
          await page.click(sel.receiptLink);
        } else {
          // Instagram's names no post: the newest tile of the grid is it.
          expect(await page.locator(sel.receiptLink).locator('a').count()).toBe(0);
          await page.goto(`${base}${profilePath(acc.northwind.handle)}`);
          await page.goto(new URL((await page.locator('a[href^="/p/"]').first().getAttribute('href'))!, base).toString());
        }
        await expect(page.locator(sel.postText)).toHaveText(text);
      });

      test('should like, comment, reply and delete on the post page', async ({ page, sandbox, admin }) => {
        const base = sandbox.platforms[platform];
        await login(page, base, annex, acc.northwind.handle, acc.northwind.password);
        await page.goto(`${base}${seeded.postPath}`);
        const before = Number((await page.locator(sel.likeCount).innerText()).match(/\d+/)![0]);
        await page.click(sel.like);
        await expect(page.locator(sel.likeCount)).toContainText(String(before + 1));
        const kinds: string[] = ['like'];
        if (sel.commentInput && sel.commentSubmit && sel.commentText) {
          await page.fill(sel.commentInput, 'Thank you all!');
          await page.click(sel.commentSubmit);
          await expect(page.locator(sel.commentText).last()).toHaveText('Thank you all!');
          kinds.push('comment');
        }
        await annex.openReply(page);
        await page.locator(sel.replyInput).first().fill('Yes, we ship!');
        await page.locator(sel.replySubmit).first().click();
        await expect(page.locator(sel.replyText).last()).toHaveText('Yes, we ship!');
        kinds.push('reply');
        await annex.deletePost(page);
        await page.waitForURL(`**${profilePath(acc.northwind.handle)}`);
        kinds.push('delete');
        const effects = await eventually(() => admin.effects(), (e) => e.length === kinds.length);
        expect(effects.map((e) => e.kind)).toEqual(kinds);
        expect(effects.every((e) => e.via === 'ui' && e.account.id === acc.northwind.id)).toBe(true);
        expect(effects.find((e) => e.kind === 'reply')!.payload_sha256).toBe(sha256('Yes, we ship!'));
        expect(effects.find((e) => e.kind === 'delete')!.object_id).toBe(seeded.postId);
        const gone = await page.goto(`${base}${seeded.postPath}`);
        expect(gone?.status()).toBe(404);
      });

      test('should send a DM from the inbox with a sent receipt', async ({ page, sandbox, admin }) => {
        const base = sandbox.platforms[platform];
        await login(page, base, annex, acc.northwind.handle, acc.northwind.password);
        await page.click(sel.navInbox);
        await page.locator(sel.threadLink).first().click();
        await page.fill(sel.dmInput, 'Yes, open 9 to 2 on Sundays.');
        await page.click(sel.dmSend);
        await expect(page.locator(sel.dmReceipt)).toBeVisible();
        expect(await admin.effects()).toEqual([
          expect.objectContaining({ kind: 'dm_send', target_id: seeded.peer.id, via: 'ui', payload_sha256: sha256('Yes, open 9 to 2 on Sundays.') }),
        ]);
      });
    });
  }

  test(`should make the ${platform} v1 selectors miss on v2`, async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms[platform];
    const acc = platform === 'instagram' ? IG : X;
    const v1 = ANNEX[platform].v1.sel;
    await login(page, base, ANNEX[platform].v1, acc.northwind.handle, acc.northwind.password);
    await admin.layout(platform, 'v2');
    const probe = async (path: string, keys: (keyof typeof v1)[]) => {
      await page.goto(`${base}${path}`);
      for (const key of keys) expect(await page.locator(v1[key]!).count(), `${key} on ${path}`).toBe(0);
    };
    await probe(platform === 'instagram' ? `/${acc.northwind.handle}/` : `/${acc.northwind.handle}`, ['currentHandle', 'currentAvatar', 'switcherSelected', 'profileHandle', 'profileName', 'navCompose', 'navInbox']);
    await probe(platform === 'instagram' ? '/create/' : '/compose/post', ['text', 'share', 'progress', 'receiptLink']);
    await probe(SEEDED[platform].postPath, ['postText', 'like', 'likeCount', 'replyInput', 'replySubmit']);
  });
}

test('should show an X status under another handle as its author\'s tweet, moving the URL to the author\'s only late (as a slow x.com client does)', async ({ page, sandbox }) => {
  const base = sandbox.platforms.x;
  const annex = ANNEX.x.v1;
  await login(page, base, annex, X.northwind.handle, X.northwind.password);
  const response = await page.goto(`${base}/${X.lumen.handle}/status/${SEEDED.x.postId}`);
  expect(response?.status()).toBe(200);
  // At first paint the URL still names the handle asked for; only the tweet says whose it is.
  expect(new URL(page.url()).pathname).toBe(`/${X.lumen.handle}/status/${SEEDED.x.postId}`);
  await expect(page.locator('article[data-testid="tweet"] [data-testid="User-Name"] a[href]').first()).toHaveAttribute('href', new RegExp(`/${X.northwind.handle}$`));
  await expect(page).toHaveURL(new RegExp(`/${X.northwind.handle}/status/${SEEDED.x.postId}$`), { timeout: 10_000 });
});
