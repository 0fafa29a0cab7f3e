import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchKernel } from './kernel.js';
import { benchKernelPg } from './kernel-pg.js';
import { benchBrowser } from './browser.js';
import { benchApi } from './api.js';
import { benchFarm } from './farm.js';
import { benchFarmHosts } from './farm-hosts.js';
import { benchDm } from './dm.js';
import { printTable, writeResults, type BenchEntry } from './report.js';

export const BENCH_ENTRIES: Record<string, (dir: string) => Promise<BenchEntry>> = {
  kernel: (dir) => benchKernel(dir),
  kernel_pg: (dir) => benchKernelPg(dir),
  browser: (dir) => benchBrowser(dir),
  api: (dir) => benchApi(dir),
  farm: (dir) => benchFarm(dir),
  farm_hosts: (dir) => benchFarmHosts(dir),
  dm: (dir) => benchDm(dir),
};

export async function runBench(options: { only?: string[]; resultsFile: string }): Promise<BenchEntry[]> {
  const names = options.only?.length ? options.only : Object.keys(BENCH_ENTRIES);
  for (const n of names) if (!BENCH_ENTRIES[n]) throw new Error(`unknown bench entry ${n}; known: ${Object.keys(BENCH_ENTRIES).join(', ')}`);
  const entries: BenchEntry[] = [];
  for (const name of names) {
    const dir = mkdtempSync(join(tmpdir(), `raize-bench-${name}-`));
    try {
      entries.push(await BENCH_ENTRIES[name]!(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(entries);
  writeResults(options.resultsFile, entries);
  return entries;
}
