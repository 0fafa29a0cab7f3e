import { appendFileSync } from 'node:fs';
import { test } from '@playwright/test';
import { readDriftRecords, readHealRecords } from '../../proofs/index.js';

/**
 * The churn matrix's drift ledger (scripts/churn-matrix.ts, issue 13): a test run with
 * RAIZE_DRIFT_LEDGER=FILE appends one line per kernel harness it closes — the drift records that
 * blocked and the elements healed — so the matrix can prove "zero blocking drift" on churned pages
 * and not merely "the tests passed". Tests that provoke drift on purpose (a v2 layout, a renamed
 * commit element) say so with `expectDrift`; their blocks are expected, every other one is a
 * false alarm.
 */

const ANNOTATION = 'expects-drift';

/** Marks the running test as one that provokes blocking drift on purpose. */
export function expectDrift(why: string): void {
  const info = currentTest();
  if (info && !info.annotations.some((a) => a.type === ANNOTATION && a.description === why)) info.annotations.push({ type: ANNOTATION, description: why });
}

/** Appends what a kernel harness's data dir saw to the ledger, when one is asked for. */
export async function ledgerDrift(dataDir: string): Promise<void> {
  const file = process.env.RAIZE_DRIFT_LEDGER;
  const info = file ? currentTest() : undefined;
  if (!file || !info) return;
  const blocked = (await readDriftRecords(dataDir)).filter((r) => r.blocked);
  const healed = await readHealRecords(dataDir);
  appendFileSync(file, `${JSON.stringify({
    file: info.file.replace(/^.*?\/test\//, 'test/'),
    title: info.titlePath.slice(1).join(' › '),
    expects_drift: info.annotations.some((a) => a.type === ANNOTATION),
    blocked: blocked.map((r) => `${r.platform}/${r.surface} ${r.layout_expected}→${r.layout_seen} (${r.diff_ratio.toFixed(4)})`),
    healed: healed.map((h) => h.element),
  })}\n`);
}

function currentTest(): ReturnType<typeof test.info> | undefined {
  try {
    return test.info();
  } catch {
    return undefined; // not inside a test (a global setup, a script)
  }
}
