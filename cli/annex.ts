import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { INSTAGRAM_COMMIT_ELEMENTS, X_COMMIT_ELEMENTS } from '../flows/index.js';
import { BrowserProvider } from '../runners/index.js';
import { checkAnnex, recordAnnexDraft, type ElementReport, type SurfaceReport } from '../runners/browser/annex-record.js';
import { sandboxSurfaceVisits } from '../sandbox/index.js';
import { ANNEX_DIR, loadAnnex, parseAnnexLayoutFile } from '../selectors/index.js';
import { cliConfig, UsageError } from './context.js';

const Platform = z.enum(['instagram', 'x']);
const Visits = z.array(z.object({ surface: z.string().min(1), path: z.string().startsWith('/'), variant: z.string().min(1) })).min(1);
const COMMIT_ELEMENTS = { instagram: INSTAGRAM_COMMIT_ELEMENTS, x: X_COMMIT_ELEMENTS } as const;

export interface AnnexCommonOptions {
  platform: string;
  /** A Playwright storage state of a logged-in account (`context.storageState()`): cookies and storage, never a password. */
  session: string;
  origin: string;
  /** JSON list of `{surface, path, variant}`; default: the sandbox's pages (sandbox/surfaces.ts). */
  visits?: string;
  /** A running browser server to use instead of launching one (tests). */
  provider?: BrowserProvider;
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${what} ${file}: ${(error as Error).message}`);
  }
}

function common(o: AnnexCommonOptions) {
  const platform = Platform.safeParse(o.platform);
  if (!platform.success) throw new UsageError(`--platform must be instagram or x (got ${o.platform})`);
  let origin: URL;
  try {
    origin = new URL(o.origin);
  } catch {
    throw new UsageError(`--origin must be a URL (got ${o.origin})`);
  }
  const visits = o.visits ? Visits.safeParse(readJson(o.visits, '--visits')) : { success: true as const, data: sandboxSurfaceVisits(platform.data) };
  if (!visits.success) throw new UsageError(`--visits ${o.visits}: ${visits.error.issues[0]!.path.join('.')}: ${visits.error.issues[0]!.message}`);
  return { platform: platform.data, origin: origin.origin, visits: visits.data, storageState: readJson(o.session, '--session') as object };
}

/** A logged-in page on its own browser (the session's cookies), closed after `use`. */
async function withSessionPage<T>(storageState: object, use: (page: import('playwright-core').Page) => Promise<T>, given?: BrowserProvider): Promise<T> {
  const provider = given ?? (await BrowserProvider.launch({ executablePath: process.env.RAIZE_CHROMIUM }));
  try {
    const context = await provider.newContext({ storageState: storageState as never });
    try {
      return await use(await context.newPage());
    } finally {
      await context.close();
    }
  } finally {
    if (!given) await provider.close();
  }
}

export interface AnnexRecordOptions extends AnnexCommonOptions {
  layout: string;
  /** The layout file whose selectors, texts and prompts the draft starts from; default the platform's first. */
  from?: string;
  out?: string;
}

/** `raize annex record`: writes the draft layout file and its pages' screenshots; returns where. */
export async function runAnnexRecord(dataDir: string, o: AnnexRecordOptions): Promise<{ path: string; missing: string[]; surfaces: number }> {
  const { platform, origin, visits, storageState } = common(o);
  if (!/^[A-Za-z0-9_.-]+$/.test(o.layout)) throw new UsageError(`--layout must be letters, digits, _ . - (got ${o.layout})`);
  const fromFile = o.from ?? join(ANNEX_DIR, platform, `${Object.keys(loadAnnex(platform).layouts)[0]}.json`);
  let base;
  try {
    base = parseAnnexLayoutFile(readJson(fromFile, '--from'), fromFile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (base.platform !== platform) throw new UsageError(`--from ${fromFile} is a ${base.platform} layout, not ${platform}`);
  const path = resolve(o.out ?? join(dataDir, 'annex-drafts', platform, `${o.layout}.json`));
  const { draft, read, missing } = await withSessionPage(storageState, (page) => recordAnnexDraft(page, origin, base, o.layout, visits), o.provider);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(draft, null, 2)}\n`, { mode: 0o600 });
  // The screenshots a reviewer compares with the site, and the drift baselines to confirm.
  const shots = `${path.replace(/\.json$/, '')}.pages`;
  mkdirSync(shots, { recursive: true, mode: 0o700 });
  read.forEach((r, i) => writeFileSync(join(shots, `${String(i + 1).padStart(2, '0')}-${r.surface}-${r.structure.slice(0, 12)}.png`), r.png, { mode: 0o600 }));
  return { path, missing, surfaces: read.length };
}

export interface AnnexCheckOptions extends AnnexCommonOptions {
  layout?: string;
  /** A folder holding `<platform>/<layout>.json` (a reviewed draft); default the product's annexes. */
  annexDir?: string;
}

/** `raize annex check`: the report, and whether every commit element agrees on two signals and every page is the layout. */
export async function runAnnexCheck(o: AnnexCheckOptions): Promise<{ surfaces: SurfaceReport[]; elements: ElementReport[]; ok: boolean }> {
  const { platform, origin, visits, storageState } = common(o);
  const annex = loadAnnex(platform, o.annexDir ?? ANNEX_DIR);
  const layout = o.layout ?? Object.keys(annex.layouts)[0]!;
  if (!annex.layouts[layout]) throw new UsageError(`annex ${platform} has no layout ${layout}`);
  return withSessionPage(storageState, (page) => checkAnnex(page, origin, annex, layout, visits, COMMIT_ELEMENTS[platform]), o.provider);
}

export function registerAnnex(program: Command): void {
  const annex = program.command('annex').description('record a selector annex from a site, or check one against it (read only: nothing is clicked)');
  const shared = (c: Command) => c
    .requiredOption('--platform <platform>', 'instagram or x')
    .requiredOption('--session <file>', 'Playwright storage state of a logged-in account (JSON)')
    .requiredOption('--origin <url>', 'the site, e.g. https://www.instagram.com or the sandbox\'s platform URL')
    .option('--visits <file>', 'JSON list of {surface, path, variant} to open (default: the sandbox\'s pages)');
  shared(annex.command('record').description('open every page and write a draft layout file (structures, features, element fingerprints) and the pages\' screenshots for review'))
    .requiredOption('--layout <name>', 'name of the layout to record (v1, v2, …)')
    .option('--from <file>', 'layout file to start from (selectors, texts, prompts); default the platform\'s current one')
    .option('--out <file>', 'where to write the draft (default <data dir>/annex-drafts/<platform>/<layout>.json)')
    .action(async (o: AnnexRecordOptions) => {
      const { path, missing, surfaces } = await runAnnexRecord(cliConfig().dataDir, o);
      console.log(path);
      console.error(`${surfaces} page(s) read; review the draft, then move it to selectors/${o.platform}/${o.layout}.json`);
      if (missing.length) console.error(`not seen on any page (check by hand): ${missing.join(', ')}`);
    });
  shared(annex.command('check').description('open every page and report each element: found uniquely, ambiguous or missing; each commit element: do two signals agree'))
    .option('--layout <name>', 'layout to check (default the annex\'s first)')
    .option('--annex-dir <dir>', 'folder with <platform>/<layout>.json (default the product\'s annexes)')
    .option('--json', 'print the report as JSON')
    .action(async (o: AnnexCheckOptions & { json?: boolean }) => {
      const report = await runAnnexCheck(o);
      if (o.json) console.log(JSON.stringify(report, null, 2));
      else {
        for (const s of report.surfaces) console.log(`page ${s.surface} (${s.variant}) ${s.path}: layout ${s.layout}, structure ${s.structure_listed ? 'listed' : 'new'}, features ${(s.features_match * 100).toFixed(0)} %`);
        for (const e of report.elements) console.log(`${e.element}: ${e.found}${e.commit ? `; commit: ${e.commit.signals} signal(s) agree (${e.commit.agreed.join(', ') || 'none'}) ${e.commit.ok ? 'ok' : 'REFUSED'}` : ''}`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
