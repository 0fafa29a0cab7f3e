import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  BaselineMissingError, checkDrift, compareToBaseline, compareImages, DriftRecordError, driftRecordsFile, driftRecordsDir, appendDriftRecord, loadBaseline, readDriftRecords,
  recordBaselineFromPage, renderDriftReport, writeDriftReport, appendHealRecord, readHealRecords, healRecordsFile,
} from '../../proofs/index.js';
import { test, expect, loginInstagram, setLayout, NORTHWIND, SEED_POST, V1_POST_DYNAMIC } from './fixtures.js';

const PROFILE = { platform: 'instagram', surface: 'profile', layout: 'v1' } as const;
const POST = { platform: 'instagram', surface: 'post', layout: 'v1' } as const;

test.describe('visual drift', () => {
  test('should find ~0 drift on the same surface and store the baseline with who confirmed it', async ({ page, ig, dataDir }) => {
    await loginInstagram(page, ig);
    const meta = await recordBaselineFromPage(page, { dataDir, ...PROFILE, confirmedBy: 'ops@agency' });
    expect(meta).toMatchObject({ ...PROFILE, confirmed_by: 'ops@agency', width: 1280, height: 720 });
    const png = join(dataDir, 'baselines/instagram/v1/profile.png');
    expect((await stat(png)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dataDir, 'baselines/instagram/v1/profile.json'), 'utf8'))).toMatchObject({ structure: meta.structure, recorded_at: meta.recorded_at });
    await page.reload();
    const cmp = await compareToBaseline(page, { dataDir, ...PROFILE });
    expect(cmp.diff_ratio).toBeLessThan(0.001);
    expect(cmp.structure_match).toBe(true);
    expect((await sharp(await cmp.diffPng()).metadata()).format).toBe('png');
  });

  test('should report drift over the threshold and a structure change on the v2 layout, and block', async ({ page, ig, sandbox, dataDir, store }) => {
    await loginInstagram(page, ig);
    await recordBaselineFromPage(page, { dataDir, ...PROFILE, confirmedBy: 'ops' });
    await setLayout(sandbox, 'v2');
    await page.goto(`${ig}/`);
    await page.waitForURL(`**/${NORTHWIND.handle}/`);
    const cmp = await compareToBaseline(page, { dataDir, ...PROFILE });
    expect(cmp.structure_match).toBe(false);
    expect(cmp.diff_ratio).toBeGreaterThan(0.05);
    const verdict = await checkDrift(page, { dataDir, store, ...PROFILE });
    expect(verdict.blocked).toBe(true);
    expect(verdict.record).toMatchObject({ ...{ platform: 'instagram', surface: 'profile' }, layout_expected: 'v1', layout_seen: 'unknown', blocked: true, structure_match: false });
    for (const ref of Object.values(verdict.record!.screenshots)) expect((await store.verify(ref)).ok).toBe(true);
    expect(await readDriftRecords(dataDir)).toEqual([verdict.record]);
    // Once v2 is a confirmed layout, the page is recognised as v2 rather than unknown.
    await recordBaselineFromPage(page, { dataDir, platform: 'instagram', surface: 'profile', layout: 'v2', confirmedBy: 'ops' });
    expect((await checkDrift(page, { dataDir, store, ...PROFILE })).record?.layout_seen).toBe('v2');
    expect((await checkDrift(page, { dataDir, store, platform: 'instagram', surface: 'profile', layout: 'v2' })).blocked).toBe(false);
  });

  test('should still match when only masked dynamic regions changed (a new like)', async ({ page, ig, dataDir, store }) => {
    await loginInstagram(page, ig);
    await page.goto(`${ig}${SEED_POST}`);
    await recordBaselineFromPage(page, { dataDir, ...POST, maskSelectors: V1_POST_DYNAMIC, confirmedBy: 'ops' });
    const raw = await page.screenshot();
    const before = await page.locator('[data-testid="like-count"]').textContent();
    await page.click('[data-testid="like-button"]');
    await expect(page.locator('[data-testid="like-count"]')).not.toHaveText(before!);
    // The raw pixels changed; with the dynamic regions masked (and folded in the structure) nothing did.
    expect((await compareImages(raw, await page.screenshot(), [])).diff_ratio).toBeGreaterThan(0);
    const masked = await compareToBaseline(page, { dataDir, ...POST, maskSelectors: V1_POST_DYNAMIC });
    expect(masked.diff_ratio).toBe(0);
    expect(masked.structure_match).toBe(true);
    const verdict = await checkDrift(page, { dataDir, store, ...POST, maskSelectors: V1_POST_DYNAMIC });
    expect(verdict).toMatchObject({ blocked: false });
    expect(verdict.record).toBeUndefined();
  });

  test('should not count the rows a grown dynamic region pushed down as drift, and still catch a change below it', async ({ page, dataDir }) => {
    // A DM thread: the message list and the composer are dynamic; the links and the toolbar
    // under them are not. One new message moves everything under the list down by its height.
    const thread = (messages: string[], footer = 'Suggestions for you') => `<body style="margin:0;font:16px sans-serif">
      <main style="width:600px;margin:40px auto;border:1px solid #ccc;padding:20px">
        <b>marco.trails</b>
        <ul class="msgs" style="margin:0">${messages.map((m) => `<li style="height:30px">${m}</li>`).join('')}</ul>
        <textarea class="composer" style="width:100%;height:50px"></textarea><button>Send</button>
      </main>
      <h2 style="font-size:28px">${footer}</h2><ul><li><a href="#">Explore</a></li><li><a href="#">Reels</a></li><li><a href="#">About</a></li><li><a href="#">Help</a></li><li><a href="#">Privacy</a></li></ul>
      <nav style="border-top:1px solid #999;padding:10px"><a href="#">Add account</a> <b>Instagram</b> <a href="#">Messages</a></nav>
    </body>`;
    const DYNAMIC = ['.msgs', '.composer'];
    const KEY = { platform: 'instagram', surface: 'dm_thread', layout: 'v1' } as const;
    await page.setContent(thread([]));
    const baseline = await recordBaselineFromPage(page, { dataDir, ...KEY, maskSelectors: DYNAMIC, confirmedBy: 'ops' });
    await page.setContent(thread(['Our menu: https://lumen.example.com/menu', 'See you soon']));
    const grown = await compareToBaseline(page, { dataDir, ...KEY, maskSelectors: DYNAMIC });
    expect(grown.structure_match).toBe(true);
    expect(grown.diff_ratio).toBe(0);
    // Without aligning the reflowed rows the same two images differ well past the 1 % block.
    const stored = await loadBaseline(dataDir, KEY);
    const plain = await compareImages(stored!.png, grown.current_png, grown.mask_boxes);
    expect(plain.diff_ratio).toBeGreaterThan(0.01);
    expect((await compareImages(stored!.png, grown.current_png, grown.mask_boxes, { reflow: { baseline: baseline.mask_boxes, current: grown.mask_boxes.slice(baseline.mask_boxes.length) } })).diff_ratio).toBe(0);
    // A change in the rows below the region is still seen once they are aligned.
    await page.setContent(thread(['Our menu: https://lumen.example.com/menu', 'See you soon'], 'Send money to this account now'));
    const changed = await compareToBaseline(page, { dataDir, ...KEY, maskSelectors: DYNAMIC });
    expect(changed.diff_ratio).toBeGreaterThan(0.001);
    // Nor is a solid bar slipped in right under the grown region, uniform as its rows are.
    await page.setContent(thread(['Our menu: https://lumen.example.com/menu', 'See you soon']).replace('<textarea', '<div style="height:40px;background:#e0245e"></div><textarea'));
    expect((await compareToBaseline(page, { dataDir, ...KEY, maskSelectors: DYNAMIC })).diff_ratio).toBeGreaterThan(0.01);
    // A static block that grew is not a dynamic region: nothing is realigned for it.
    await page.setContent(thread([]).replace('<b>marco.trails</b>', '<b>marco.trails</b><p style="height:60px">Pay to unlock this chat</p>'));
    expect((await compareToBaseline(page, { dataDir, ...KEY, maskSelectors: DYNAMIC })).diff_ratio).toBeGreaterThan(0.01);
  });

  test('should refuse to compare without a baseline', async ({ page, dataDir }) => {
    await page.setContent('<p>x</p>');
    await expect(compareToBaseline(page, { dataDir, ...PROFILE })).rejects.toBeInstanceOf(BaselineMissingError);
    expect(await loadBaseline(dataDir, PROFILE)).toBeUndefined();
    await expect(compareToBaseline(page, { dataDir, platform: '../etc', surface: 'x', layout: 'v1' })).rejects.toThrow(/invalid platform/);
  });

  test('should render a self-contained report with baseline, current and diff images, ratios and escaped text', async ({ page, ig, sandbox, dataDir, store }) => {
    await loginInstagram(page, ig);
    await recordBaselineFromPage(page, { dataDir, ...PROFILE, confirmedBy: 'ops' });
    await setLayout(sandbox, 'v2');
    await page.reload();
    const { record } = await checkDrift(page, { dataDir, store, ...PROFILE });
    // A hostile surface name must come out as text, not markup.
    await page.setContent('<p>tiny</p>');
    await recordBaselineFromPage(page, { dataDir, platform: 'instagram', surface: 'evil', layout: 'v1', confirmedBy: 'ops' });
    await page.setContent('<h1>changed</h1>');
    const evil = (await checkDrift(page, { dataDir, store, platform: 'instagram', surface: 'evil', layout: 'v1' })).record!;
    const evilFile = join(driftRecordsDir(dataDir), (await readdir(driftRecordsDir(dataDir))).find((n) => n.includes(evil.id))!);
    await writeFile(evilFile, JSON.stringify({ ...JSON.parse(await readFile(evilFile, 'utf8')), surface: '<script>alert(1)</script>' }));

    const out = join(dataDir, 'report', 'drift.html');
    const written = await writeDriftReport(dataDir, out);
    expect(written).toEqual({ path: out, records: 2 });
    const html = await readFile(out, 'utf8');
    expect(html).toBe(await renderDriftReport(dataDir, { now: new Date(html.match(/datetime="([^"]+)"/)![1]!) }));
    expect(html.match(/<img src="data:image\/(?:webp|png);base64,/g)).toHaveLength(6);
    for (const label of ['baseline', 'current', 'diff']) expect(html).toContain(`<figcaption>${label}`);
    expect(html).toContain(`${(record!.diff_ratio * 100).toFixed(2)} %`);
    expect(html).toContain(record!.at);
    expect(html).toContain(evil.id);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/src="(?!data:)/);
  });

  test('should name the line of an invalid drift record in the earlier one-file log, and the file of an invalid one-file record', async ({ dataDir }) => {
    await mkdir(join(dataDir, 'drift'), { recursive: true });
    await writeFile(driftRecordsFile(dataDir), '\n{"id":"nope"}\n');
    await expect(readDriftRecords(dataDir)).rejects.toThrow(DriftRecordError);
    await expect(readDriftRecords(dataDir)).rejects.toThrow(/line 2/);
    await rm(driftRecordsFile(dataDir));
    await mkdir(driftRecordsDir(dataDir), { recursive: true });
    await writeFile(join(driftRecordsDir(dataDir), '2026-12-06T000000.000Z_x.json'), '{"id":"nope"}');
    await expect(readDriftRecords(dataDir)).rejects.toThrow(/drift\/records\.d\/2026-12-06T000000\.000Z_x\.json: /);
  });

  test('should keep every record when many are written at once (one file each, as several hosts on a shared mount write them), in time order, with the earlier one-file log still read', async ({ dataDir }) => {
    const base = {
      platform: 'instagram', surface: 'post', layout_expected: 'v1', layout_seen: 'v1', diff_ratio: 0.002, structure_match: true,
      structure_expected: 'a'.repeat(64), structure_seen: 'a'.repeat(64), block_ratio: 0.01, blocked: false, width: 10, height: 10, mask_boxes: [],
      screenshots: { current: { kind: 'screenshot' as const, ref: `proofs/aa/${'a'.repeat(64)}.webp`, sha256: 'a'.repeat(64) } },
    };
    // A data dir from before: its one-file log keeps its records.
    await mkdir(join(dataDir, 'drift'), { recursive: true });
    const old = { ...base, id: randomUUID(), at: '2026-01-01T00:00:00.000Z' };
    await writeFile(driftRecordsFile(dataDir), `${JSON.stringify(old)}\n`);
    const at = (i: number) => new Date(Date.UTC(2026, 11, 6, 0, 0, 0, i % 3)).toISOString();
    const written = await Promise.all(Array.from({ length: 60 }, (_, i) => appendDriftRecord(dataDir, { ...base, at: at(i), surface: `s${i}` })));
    const read = await readDriftRecords(dataDir);
    expect(read).toHaveLength(61);
    expect(read[0]!.id).toBe(old.id);
    expect(new Set(read.map((r) => r.id))).toEqual(new Set([old.id, ...written.map((r) => r.id)]));
    expect(read.map((r) => r.at)).toEqual([...read.map((r) => r.at)].sort());
    for (const name of await readdir(driftRecordsDir(dataDir))) expect((await stat(join(driftRecordsDir(dataDir), name))).mode & 0o777).toBe(0o600);
  });

  test('should keep healed elements beside the drift records, list them in the report grouped per element, and name a bad line of the earlier healed.jsonl', async ({ dataDir }) => {
    const heal = {
      platform: 'instagram', layout: 'v1', surface: 'composer', action_id: 'a1', episode_id: 'e1', element: 'composer.caption',
      selector: '[data-testid="caption-field"]', matched: ['name', 'place'] as ('name' | 'place')[], path: 'html > body:nth-of-type(1)',
      seen: { role: 'textbox', name: 'Write a caption...', testid: 'caption-input', text: '', landmark: 'main>form' },
    };
    await appendHealRecord(dataDir, heal);
    await appendHealRecord(dataDir, { ...heal, action_id: 'a2', episode_id: 'e2' });
    expect((await readHealRecords(dataDir)).map((r) => r.action_id)).toEqual(['a1', 'a2']);
    const html = await renderDriftReport(dataDir);
    expect(html).toContain('Healed elements');
    expect(html).toMatch(/composer\.caption<\/code><\/td><td><code>\[data-testid=&quot;caption-field&quot;\]<\/code><\/td><td>name \+ place<\/td><td>[^<]*<\/td><td>2<\/td>/);
    await expect(appendHealRecord(dataDir, { ...heal, matched: [] })).rejects.toThrow();
    await writeFile(healRecordsFile(dataDir), '{"element":1}\n');
    await expect(readHealRecords(dataDir)).rejects.toThrow(/drift\/healed\.jsonl line 1/);
  });
});
