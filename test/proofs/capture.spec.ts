import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { captureScreenshot, compareImages, createProofListener, snapshotDom, startTrace, stopTrace, type StepBoundary } from '../../proofs/index.js';
import { test, expect, loginInstagram, SEED_POST } from './fixtures.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const boundary: StepBoundary = { episode_id: 'ep-1', action_id: 'act-1', platform: 'instagram', step: 'open_post', phase: 'after', surface: 'post' };

test.describe('proof capture at step boundaries', () => {
  test('should store a compact screenshot, a 320px thumbnail and the normalised DOM, each re-hashing to its ref', async ({ page, ig, store }) => {
    await loginInstagram(page, ig);
    await page.goto(`${ig}${SEED_POST}`);
    const timings: { capture_ms: number; total_ms: number }[] = [];
    const listener = createProofListener({ store, onMeasure: (_b, t) => timings.push(t) });
    const capture = await listener.onStep(page, boundary);
    // The page is captured when onStep resolves: what the page does next is not in the proof.
    const before = await snapshotDom(page);
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<p>changed after the step</p>')`);
    const refs = await capture.stored;
    expect(refs.map((r) => [r.kind, r.ref.split('.').slice(1).join('.')])).toEqual([['screenshot', 'webp'], ['screenshot', 'thumb.webp'], ['dom', 'dom.txt']]);
    for (const ref of refs) {
      const file = store.resolve(ref);
      expect(sha(await readFile(file))).toBe(ref.sha256);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await store.verify(ref)).ok).toBe(true);
    }
    const [full, thumb, dom] = refs as [typeof refs[0], typeof refs[0], typeof refs[0]];
    expect(dom.sha256).toBe(before.dom_sha256);
    expect(dom.sha256).not.toBe((await snapshotDom(page)).dom_sha256);
    const viewport = page.viewportSize()!;
    expect(await sharp(store.resolve(full)).metadata()).toMatchObject({ format: 'webp', width: viewport.width, height: viewport.height });
    expect((await sharp(store.resolve(thumb)).metadata()).width).toBe(320);
    expect(timings).toHaveLength(1);
    expect(timings[0]!.capture_ms).toBeLessThanOrEqual(timings[0]!.total_ms);
    console.log(`proof step: ${timings[0]!.capture_ms.toFixed(0)} ms on the step path, ${timings[0]!.total_ms.toFixed(0)} ms until stored, ${(await stat(store.resolve(full))).size} B`);
  });

  test('should keep pixel-exact screenshots in webp-lossless and png formats', async ({ page, ig, store }) => {
    await loginInstagram(page, ig);
    await page.goto(`${ig}${SEED_POST}`);
    const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
    const pixels = (b: Buffer | string) => sharp(b).ensureAlpha().raw().toBuffer();
    for (const format of ['webp-lossless', 'png'] as const) {
      const refs = await (await createProofListener({ store, screenshot: { format } }).onStep(page, boundary)).stored;
      const full = refs[0]!;
      expect(full.ref.endsWith(format === 'png' ? '.png' : '.webp')).toBe(true);
      expect((await pixels(store.resolve(full))).equals(await pixels(png))).toBe(true);
    }
    // The default lossy WebP is smaller than Chromium's PNG and keeps the picture (not the exact pixels).
    const lossy = (await (await createProofListener({ store }).onStep(page, boundary)).stored)[0]!;
    expect((await stat(store.resolve(lossy))).size).toBeLessThan(png.length);
    const { diff_ratio } = await compareImages(png, await sharp(store.resolve(lossy)).png().toBuffer(), [], { pixelThreshold: 0.1 });
    expect(diff_ratio).toBeLessThan(0.01);
  });

  test('should keep what it can after a failed step whose page is gone', async ({ browser, store }) => {
    const page = await browser.newPage();
    await page.setContent('<main data-testid="x">gone soon</main>');
    await page.close();
    const refs = await (await createProofListener({ store }).onStep(page, { ...boundary, phase: 'failed' })).stored;
    expect(refs).toEqual([]);
    await expect(createProofListener({ store }).onStep(page, boundary)).rejects.toThrow();
  });

  test('should expose captureScreenshot with a PNG for pixel work', async ({ page, store }) => {
    await page.setContent('<h1>hello</h1>');
    const shot = await captureScreenshot(page, store, { format: 'png' });
    expect(shot.screenshot.ref).toMatch(/\.png$/);
    expect(sha(await readFile(store.resolve(shot.screenshot)))).toBe(shot.screenshot.sha256);
    expect(shot.png.subarray(1, 4).toString()).toBe('PNG');
  });

  test('should record an episode trace as a content-addressed zip with the command that opens it', async ({ browser, ig, store }) => {
    const context = await browser.newContext();
    await startTrace(context, { title: 'episode ep-1' });
    const page = await context.newPage();
    await loginInstagram(page, ig);
    await page.goto(`${ig}${SEED_POST}`);
    const trace = await stopTrace(context, store);
    await context.close();
    expect(trace.trace.kind).toBe('trace');
    expect(trace.trace.ref).toMatch(/^proofs\/[0-9a-f]{2}\/[0-9a-f]{64}\.zip$/);
    expect(trace.command).toBe(`npx playwright show-trace ${trace.path}`);
    const zip = await readFile(trace.path);
    expect(sha(zip)).toBe(trace.trace.sha256);
    expect((await stat(trace.path)).mode & 0o777).toBe(0o600);
    // A valid zip: local header first, end-of-central-directory record pointing at a central
    // directory whose entries include the trace events.
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(eocd).toBeGreaterThan(0);
    const entries = zip.readUInt16LE(eocd + 10);
    let at = zip.readUInt32LE(eocd + 16);
    const names: string[] = [];
    for (let i = 0; i < entries; i++) {
      expect(zip.readUInt32LE(at)).toBe(0x02014b50);
      const nameLen = zip.readUInt16LE(at + 28), extraLen = zip.readUInt16LE(at + 30), commentLen = zip.readUInt16LE(at + 32);
      names.push(zip.subarray(at + 46, at + 46 + nameLen).toString());
      at += 46 + nameLen + extraLen + commentLen;
    }
    expect(names).toContain('trace.trace');
    expect(names.some((n) => n.startsWith('resources/'))).toBe(true);
  });
});
