/**
 * The churn matrix (issue 13): every browser flow test on each churn seed × locale of the sandbox's
 * realistic UI, with zero blocking drift outside the tests that provoke drift on purpose.
 *
 *   npm run churn-matrix -- --seeds 1-10 --locales en,es [--workers 2] [--resume] [--files a,b]
 *
 * Each cell is one `playwright test` of the flow specs with RAIZE_SANDBOX_CHURN_SEED and
 * RAIZE_SANDBOX_LOCALE set and a drift ledger (test/helpers/drift-ledger.ts) the kernel harnesses
 * append their blocking drift records and heals to. A cell is green when every test passed and
 * no test that does not expect drift saw a blocking record. Results go to bench/churn-matrix.json
 * (one entry per cell, with the commit it ran on); `--resume` skips cells already green at this
 * commit, so the matrix (hours on two cores) can be run in parts. Exit status 1 when a cell is red.
 *
 * Too long for `npm test`, which runs the whole browser suite once on seed 3 in English and
 * publish on seeds 1–10 in both locales (test/browser/churn-publish.spec.ts).
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** The browser specs whose subject is a flow run against the pages (not the bench, the demo, the provider's plumbing). */
const FLOW_SPECS = [
  'instagram-publish', 'instagram-flows', 'x-flows', 'x-kernel', 'engage-browser', 'hybrid-crossed',
  'commit-guard', 'commit-guard-cookie', 'drift-surfaces', 'drift-job', 'api-connect', 'annex-record',
];

const Cell = z.object({
  seed: z.number().int(),
  locale: z.enum(['en', 'es']),
  commit: z.string(),
  ran_at: z.string(),
  duration_s: z.number(),
  passed: z.number().int(),
  failed: z.number().int(),
  flaky: z.number().int(),
  failures: z.array(z.string()),
  flaky_tests: z.array(z.string()),
  /** Blocking drift records in tests that do not provoke drift: false alarms. */
  unexpected_blocks: z.array(z.object({ test: z.string(), blocked: z.array(z.string()) })),
  /** Blocking drift records in tests that provoke it (a v2 layout): the guard doing its job. */
  expected_blocks: z.number().int(),
  /** Typing/navigation elements found by fingerprint after their selector missed. */
  heals: z.number().int(),
  green: z.boolean(),
});
type Cell = z.infer<typeof Cell>;
const Matrix = z.object({ files: z.array(z.string()), cells: z.record(z.string(), Cell) });
type Matrix = z.infer<typeof Matrix>;

const LedgerLine = z.object({ file: z.string(), title: z.string(), expects_drift: z.boolean(), blocked: z.array(z.string()), healed: z.array(z.string()) });

interface JsonSuite {
  title: string;
  specs?: { title: string; file: string; tests: { status: 'expected' | 'unexpected' | 'flaky' | 'skipped' }[] }[];
  suites?: JsonSuite[];
}

function parseSeeds(text: string): number[] {
  const seeds = text.split(',').flatMap((part) => {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
    if (!/^\d+$/.test(part.trim())) throw new Error(`--seeds: "${part}" is neither a seed nor a range (1-10)`);
    return [Number(part)];
  });
  if (seeds.length === 0) throw new Error('--seeds: no seed given');
  return seeds;
}

function outcomes(suites: JsonSuite[], path: string[] = []): { title: string; status: string }[] {
  return suites.flatMap((suite) => {
    const here = suite.title && !suite.title.endsWith('.ts') ? [...path, suite.title] : path;
    const own = (suite.specs ?? []).flatMap((spec) => spec.tests.map((t) => ({ title: `${spec.file} › ${[...here, spec.title].join(' › ')}`, status: t.status })));
    return [...own, ...outcomes(suite.suites ?? [], here)];
  });
}

function runCell(seed: number, locale: 'en' | 'es', files: string[], workers: number, commit: string): Cell {
  const work = join('/var/tmp/raize-churn-matrix', `${seed}-${locale}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const ledger = join(work, 'drift-ledger.jsonl');
  const report = join(work, 'report.json');
  const started = Date.now();
  const run = spawnSync('npx', [
    'playwright', 'test', ...files.map((f) => `test/browser/${f}.spec.ts`), '--project', 'suite', '--no-deps',
    '--workers', String(workers), '--reporter', 'json', '--output', join(work, 'results'),
  ], {
    env: { ...process.env, RAIZE_SANDBOX_CHURN_SEED: String(seed), RAIZE_SANDBOX_LOCALE: locale, RAIZE_DRIFT_LEDGER: ledger, PLAYWRIGHT_JSON_OUTPUT_NAME: report },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!existsSync(report)) throw new Error(`seed ${seed} ${locale}: playwright wrote no report (exit ${run.status})`);
  const tests = outcomes((JSON.parse(readFileSync(report, 'utf8')) as { suites: JsonSuite[] }).suites);
  const lines = existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map((l) => LedgerLine.parse(JSON.parse(l))) : [];
  const unexpected = lines.filter((l) => !l.expects_drift && l.blocked.length > 0).map((l) => ({ test: `${l.file} › ${l.title}`, blocked: l.blocked }));
  const failures = tests.filter((t) => t.status === 'unexpected').map((t) => t.title);
  const cell: Cell = {
    seed, locale, commit, ran_at: new Date(started).toISOString(), duration_s: Math.round((Date.now() - started) / 1000),
    passed: tests.filter((t) => t.status === 'expected').length,
    failed: failures.length,
    flaky: tests.filter((t) => t.status === 'flaky').length,
    failures,
    flaky_tests: tests.filter((t) => t.status === 'flaky').map((t) => t.title),
    unexpected_blocks: unexpected,
    expected_blocks: lines.filter((l) => l.expects_drift).reduce((n, l) => n + l.blocked.length, 0),
    heals: lines.reduce((n, l) => n + l.healed.length, 0),
    green: failures.length === 0 && unexpected.length === 0 && tests.length > 0,
  };
  return Cell.parse(cell);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1-10' },
      locales: { type: 'string', default: 'en,es' },
      workers: { type: 'string', default: '2' },
      files: { type: 'string' },
      out: { type: 'string', default: 'bench/churn-matrix.json' },
      resume: { type: 'boolean', default: false },
    },
  });
  const seeds = parseSeeds(values.seeds!);
  const locales = values.locales!.split(',').map((l) => z.enum(['en', 'es'], { message: `--locales: "${l}" is not en or es` }).parse(l.trim()));
  const workers = z.coerce.number().int().min(1).max(8).parse(values.workers);
  const files = values.files ? values.files.split(',').map((f) => f.trim().replace(/\.spec\.ts$/, '').replace(/^test\/browser\//, '')) : FLOW_SPECS;
  for (const f of files) if (!existsSync(`test/browser/${f}.spec.ts`)) throw new Error(`--files: no test/browser/${f}.spec.ts`);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const out = values.out!;
  const matrix: Matrix = existsSync(out) ? Matrix.parse(JSON.parse(readFileSync(out, 'utf8'))) : { files, cells: {} };
  matrix.files = files;
  let red = 0;
  for (const seed of seeds) {
    for (const locale of locales) {
      const key = `${seed}/${locale}`;
      const before = matrix.cells[key];
      if (values.resume && before?.green && before.commit === commit) {
        console.log(`${key}: green at ${commit} already, skipped`);
        continue;
      }
      const cell = runCell(seed, locale, files, workers, commit);
      matrix.cells[key] = cell;
      writeFileSync(out, `${JSON.stringify(matrix, null, 2)}\n`);
      if (!cell.green) red += 1;
      console.log(`${key}: ${cell.green ? 'green' : 'RED'} — ${cell.passed} passed, ${cell.failed} failed, ${cell.flaky} flaky, ` +
        `${cell.unexpected_blocks.length} tests with unexpected blocking drift, ${cell.expected_blocks} expected blocks, ${cell.heals} heals (${cell.duration_s} s)`);
      for (const f of cell.failures) console.log(`  failed: ${f}`);
      for (const u of cell.unexpected_blocks) console.log(`  drift: ${u.test}: ${u.blocked.join(', ')}`);
    }
  }
  process.exitCode = red > 0 ? 1 : 0;
}

main();
