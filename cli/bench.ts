import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { runBench } from '../bench/index.js';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks; print each figure with its bare baseline and ratio; write bench/results.json')
    .option('--only <entry...>', 'run only these entries (e.g. kernel)')
    .action(async (options: { only?: string[] }) => {
      await runBench({ only: options.only, resultsFile: fileURLToPath(new URL('../bench/results.json', import.meta.url)) });
    });
}
