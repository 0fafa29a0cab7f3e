// Fault injection for farm job threads (FarmOptions.instrument): the first run after a test
// writes `crash-once` into the data dir throws, and removes the file, so Bree's restart is seen.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export default function beforeRun(run: { job: string; dataDir: string }): void {
  const flag = join(run.dataDir, 'crash-once');
  if (!existsSync(flag)) return;
  rmSync(flag);
  throw new Error(`job ${run.job}: crash requested by ${flag}`);
}
