import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveConfig } from '../config/index.js';
import { INSTAGRAM_FLOWS, instagramLogin } from '../flows/index.js';
import { createProofListener, createProofStore, measureDriftCompare, measureProofCapture, type ScreenshotFormat } from '../proofs/index.js';
import {
  connectBrowserAccount, createBrowserPerformer, createServices, launchBrowserProvider, PerformerRegistry,
  proofStoreTraceRecorder, SessionStore, DriftGuard, type BrowserPerformer,
} from '../runners/index.js';
import { runAction, submitAction } from '../safety/index.js';
import { INSTAGRAM_ANNEX } from '../selectors/index.js';
import { extraAccounts, startSandbox } from '../sandbox/index.js';
import { chromiumPssMb } from './farm.js';
import { median, type BenchEntry } from './report.js';

const HANDLE = 'northwind.bakery';
const PASSWORD = 'northwindbakery-pass';

/**
 * The browser entry: one publish episode through the whole browser lane (kernel, identity,
 * pre-check, flow with proofs at every step, receipt, verification, trace) against a bare
 * Playwright script doing the composer's clicks on the same sandbox; proof capture per step;
 * drift compare per screenshot; memory per concurrent context.
 */
export async function benchBrowser(dir: string, runs = 7): Promise<BenchEntry> {
  const config = resolveConfig({ dataDir: dir, logLevel: 'silent', actionDeadlineMs: 60_000 }, {});
  // Every run on an account of its own that has posted daily (history): the state an account is
  // in under the farm's pacing, not one that posted seconds ago a dozen times.
  const sandbox = await startSandbox({ port: 0, dataFile: join(dir, 'sandbox', 'world.json'), extraAccounts: 3 * (runs + 1), history: 6 });
  const provider = await launchBrowserProvider({ chromium: config.chromium, stealth: config.stealth });
  const services = createServices(config, { performers: new PerformerRegistry() });
  try {
    const origin = sandbox.platforms.instagram;
    const sessions = new SessionStore(dir);
    const now = new Date().toISOString();
    const client = await services.store.clients.create({ client_id: randomUUID(), name: 'Bench', created_at: now });
    await services.store.policies.put({ client_id: client.client_id, created_by: 'bench', autonomy: 'auto', allowed_actions: { instagram: ['publish'] } });
    let accountsUsed = 0;
    /** The next fresh sandbox account, logged in and stored (outside the timed part). */
    const nextAccount = async (): Promise<{ accountId: string; handle: string; session_ref: string }> => {
      const k = (accountsUsed += 1);
      const [sandboxAccount] = extraAccounts(k).filter((a) => a.platform === 'instagram').slice(-1);
      const handle = sandboxAccount!.handle;
      const accountId = randomUUID();
      const { session_ref, observed } = await connectBrowserAccount({
        provider, sessions, login: instagramLogin, annex: INSTAGRAM_ANNEX, origin, platformAccountId: accountId, handle, password: sandboxAccount!.password,
      });
      await services.store.accounts.create({
        platform_account_id: accountId, client_id: client.client_id, platform: 'instagram',
        fingerprint: { platform_user_id: sandboxAccount!.id, handle: observed.handle, display_name: observed.display_name ?? '', extra: {} },
        timezone: 'UTC', state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
      });
      return { accountId, handle, session_ref };
    };
    const { session_ref } = await connectBrowserAccount({
      provider, sessions, login: instagramLogin, annex: INSTAGRAM_ANNEX, origin, platformAccountId: randomUUID(), handle: HANDLE, password: PASSWORD,
    });
    const proofs = createProofStore(dir);
    mkdirSync(join(dir, 'media'), { recursive: true });
    const image = join(dir, 'media', 'bench.png');
    await sharp({ create: { width: 640, height: 640, channels: 3, background: { r: 200, g: 140, b: 80 } } }).png().toFile(image);

    // The lane: runAction from queued to postcheck_complete, context closed after.
    const performers = new Map<ScreenshotFormat, BrowserPerformer>();
    // Per-surface drift as deployed: every step's capture compared with its surface's baseline.
    const drift = new DriftGuard(dir, proofs);
    const lane = async (format: ScreenshotFormat, i: number): Promise<number> => {
      let performer = performers.get(format);
      if (!performer) {
        performer = createBrowserPerformer({
          provider, sessions, annexes: { instagram: INSTAGRAM_ANNEX }, flows: { instagram: INSTAGRAM_FLOWS },
          listeners: [createProofListener({ store: proofs, screenshot: { format } })], origins: { instagram: origin },
          traces: proofStoreTraceRecorder(proofs, { screenshots: config.traceScreenshots }), drift,
        });
        performers.set(format, performer);
      }
      services.performers.register('browser', 'instagram', performer);
      const { accountId } = await nextAccount();
      const action = await submitAction(services.store, {
        client_id: client.client_id, platform_account_id: accountId, lane: 'browser', action_type: 'publish',
        payload: { caption: `Bench loaf ${format} ${i} ${randomUUID().slice(0, 8)}`, media: [{ source: image, kind: 'image' }] }, created_by: 'bench',
      });
      const t0 = performance.now();
      const outcome = await runAction(services.kernel, action.action_id);
      await performer.dispose(action.action_id);
      if (outcome.status !== 'confirmed_success') throw new Error(`bench publish ${i} ended ${outcome.status}: ${outcome.reason}`);
      return performance.now() - t0;
    };

    // The bare script: a fresh account of the same kind, the same composer, the same clicks, no kernel, no proofs.
    const layout = INSTAGRAM_ANNEX.layouts.v1!;
    const composer = layout.surfaces.composer!;
    const bareRun = async (i: number): Promise<number> => {
      const { handle, session_ref } = await nextAccount();
      const t0 = performance.now();
      const context = await provider.newContext({ storageState: await sessions.load(session_ref) });
      const page = await context.newPage();
      // The same page visits as the lane: home (identity), profile grid (pre-check), composer,
      // the new post (verification) — without kernel, checks, proofs or trace.
      await page.goto(`${origin}/`);
      await page.goto(`${origin}/${handle}/`);
      await page.goto(`${origin}${INSTAGRAM_ANNEX.paths.compose}`);
      await page.setInputFiles(composer.media!, image);
      await page.fill(composer.caption!, `Bare loaf ${i} ${randomUUID().slice(0, 8)}`);
      await page.click(composer.share!);
      // The receipt names no post: the newest tile of the grid is opened, as the lane does.
      await page.locator(layout.receipts.publish!).waitFor({ state: 'visible' });
      await page.goto(`${origin}/${handle}/`);
      const href = await page.locator(layout.surfaces.profile!.tile!).first().getAttribute('href');
      await page.goto(new URL(href!, origin).toString());
      await page.waitForSelector(layout.surfaces.post!.caption!);
      await context.close();
      return performance.now() - t0;
    };

    // Interleaved, so that a busy moment of the machine weighs on every variant alike; run 0 warms up.
    const webpLane: number[] = [], pngLane: number[] = [], bare: number[] = [];
    for (let i = 0; i <= runs; i += 1) {
      const [a, b, c] = [await lane(config.proofFormat, i), await lane('png', i), await bareRun(i)];
      if (i === 0) continue;
      webpLane.push(a);
      pngLane.push(b);
      bare.push(c);
    }
    for (const p of performers.values()) await p.close();

    // Proof capture and drift compare on a real page of the sandbox.
    const context = await provider.newContext({ storageState: await sessions.load(session_ref) });
    const page = await context.newPage();
    await page.goto(`${origin}/${HANDLE}/`);
    const proofTiming = await measureProofCapture(page, proofs, 10, { screenshot: { format: config.proofFormat } });
    const driftTiming = await measureDriftCompare(page, 10, { maskSelectors: layout.dynamic_regions });
    await context.close();

    const mbPerContext = await measureContextMemory(provider, origin, session_ref, sessions, 5);
    const publishMs = median(webpLane);
    const publishPngMs = median(pngLane);
    const bareMs = median(bare);
    return {
      name: 'browser',
      figures: {
        publish_ms: round(publishMs),
        bare_ms: round(bareMs),
        ratio: round(publishMs / bareMs, 2),
        publish_png_ms: round(publishPngMs),
        ratio_png: round(publishPngMs / bareMs, 2),
        proof_ms_per_step: round(proofTiming.median_ms, 2),
        drift_ms: round(driftTiming.median_ms, 2),
        mb_per_context: round(mbPerContext, 1),
      },
      notes: [
        `publish: median of ${runs} episodes through runAction on the browser lane, each on a fresh account that has posted daily (sandbox history: 6 posts, the newest a day old — the state of an account under the farm's pacing) (identity on the home surface, pre-check on the profile grid and the posts its tiles do not date days before the action, composer flow with a screenshot + DOM hash at every step, each compared with its surface's drift baseline, receipt, verification on the post page, Playwright trace), queued to postcheck_complete; interleaved run by run with the PNG variant and the bare script`,
        `publish_png_ms / ratio_png: the same with screenshots kept as Chromium's own PNG (RAIZE_PROOF_FORMAT=png) instead of WebP`,
        `bare: median of ${runs} runs of a plain Playwright script, each on a fresh account of the same kind, visiting the same pages and doing the same clicks (home, profile grid, composer: upload, caption, share, receipt; the new post)`,
        'proof_ms_per_step: screenshot (compact encoding + thumbnail) and normalised DOM hash, stored content-addressed; drift_ms: masked pixelmatch of a screenshot against a baseline',
        'mb_per_context: proportional set size (PSS) of the Chromium process tree per extra open context with one page on the profile',
      ],
    };
  } finally {
    await provider.close().catch(() => undefined);
    await services.close();
    await sandbox.close();
  }
}

async function measureContextMemory(
  provider: Awaited<ReturnType<typeof launchBrowserProvider>>, origin: string, sessionRef: string, sessions: SessionStore, n: number,
): Promise<number> {
  const before = chromiumPssMb();
  const contexts = [];
  for (let i = 0; i < n; i += 1) {
    const context = await provider.newContext({ storageState: await sessions.load(sessionRef) });
    const page = await context.newPage();
    await page.goto(`${origin}/${HANDLE}/`);
    contexts.push(context);
  }
  const after = chromiumPssMb();
  for (const c of contexts) await c.close();
  return (after - before) / n;
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
