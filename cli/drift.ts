import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DriftReviewError, promoteDriftRecord, writeDriftReport, type BaselineMeta } from '../proofs/index.js';
import { cliConfig, UsageError } from './context.js';

export interface DriftBaselineOptions {
  platform: string;
  surface: string;
  layout: string;
  fromRecord: string;
  confirmBy?: string;
}

/** `raize drift-report`: writes the HTML report; returns its absolute path. */
export async function runDriftReport(dataDir: string, out?: string): Promise<{ path: string; records: number }> {
  return writeDriftReport(dataDir, resolve(out ?? resolve(dataDir, 'drift', 'report.html')));
}

/**
 * `raize drift-baseline`: promotes the current screenshot of a drift record to the confirmed
 * baseline of (platform, layout, surface) and records the decision (proofs' promoteDriftRecord,
 * the same the API's promote route runs). A human must put their name to it.
 */
export async function runDriftBaseline(dataDir: string, options: DriftBaselineOptions): Promise<BaselineMeta> {
  const confirmedBy = options.confirmBy?.trim();
  if (!confirmedBy) throw new UsageError('refusing to change a baseline without --confirm-by NAME: a human must confirm the new layout');
  try {
    const { baseline } = await promoteDriftRecord(dataDir, {
      recordId: options.fromRecord, platform: options.platform, surface: options.surface, layout: options.layout, confirmedBy,
    });
    return baseline;
  } catch (error) {
    // What the operator typed is at fault: a usage error; an altered proof is not theirs to fix by retyping.
    if (error instanceof DriftReviewError && error.code !== 'drift_proof_altered') throw new UsageError(error.message);
    throw error;
  }
}

export function registerDrift(program: Command): void {
  program
    .command('drift-report')
    .description('write the visual drift report (baseline, current and diff side by side) as one HTML file and print its path')
    .option('--out <file>', 'where to write it (default <data dir>/drift/report.html)')
    .action(async (opts: { out?: string }) => {
      const { path, records } = await runDriftReport(cliConfig().dataDir, opts.out);
      console.log(path);
      if (records === 0) console.error('no drift recorded');
    });
  program
    .command('drift-baseline')
    .description("promote a drift record's current screenshot to the new baseline of a surface, after a human checked it")
    .requiredOption('--platform <platform>', 'platform of the surface (instagram, x)')
    .requiredOption('--surface <surface>', 'surface name (profile, composer, post, …)')
    .requiredOption('--layout <layout>', 'layout version the baseline belongs to (v1, v2, …)')
    .requiredOption('--from-record <id>', 'drift record whose current screenshot becomes the baseline')
    .option('--confirm-by <name>', 'who confirmed the change (required)')
    .action(async (opts: DriftBaselineOptions) => {
      // Checked before the configuration is read, so the refusal does not depend on it.
      if (!opts.confirmBy?.trim()) throw new UsageError('refusing to change a baseline without --confirm-by NAME: a human must confirm the new layout');
      const meta = await runDriftBaseline(cliConfig().dataDir, opts);
      console.log(`baseline ${meta.platform}/${meta.layout}/${meta.surface} recorded from ${meta.from_record}, confirmed by ${meta.confirmed_by}`);
    });
}
