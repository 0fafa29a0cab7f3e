import type { Command } from 'commander';
import { UsageError } from './context.js';
import { runChaos } from './chaos/run.js';
import { startThrowawayCluster } from './postgres-cluster.js';

interface ChaosCliOptions {
  actions: string;
  seed: string;
  lanes: string;
  faults: string;
  workers: string;
  farm?: boolean;
  hosts: string;
  postgres?: boolean;
}

const COUNTS = ['duplicates', 'lost', 'unexpected', 'wrong_account', 'unknown_unresolved', 'budget_violations'] as const;

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description('N mixed actions through the kernel on the browser lane (and the API lane with --lanes browser,api) against the sandbox with the full fault mix and runner kills; prints one JSON line of counts against the ground truth (exit 1 unless all are 0 and the audit chain holds)')
    .option('--actions <n>', 'how many actions', '60')
    .option('--seed <s>', 'seed of the schedule: action mix, shared payloads, faults, kill moments', '1')
    .option('--lanes <list>', 'lanes to run: browser, api or both (api: the business accounts\' API-capable actions, with the API fault mix)', 'browser')
    .option('--faults <which>', 'all | none', 'all')
    .option('--workers <n>', 'runner processes (each owns a fixed set of accounts)', '3')
    .option('--farm', 'schedule the actions and let farm processes (Bree jobs, one runner per account) run them, SIGKILLed and restarted at the seed\'s points')
    .option('--hosts <n>', 'with --farm: farm processes sharing the store', '1')
    .option('--postgres', 'run on a throwaway PostgreSQL cluster (durable; installed from Debian when missing, started under /var/tmp and removed at the end, left running when a count is not 0)')
    .action(async (o: ChaosCliOptions) => {
      const actions = Number(o.actions);
      const seed = Number(o.seed);
      const workers = Number(o.workers);
      if (!Number.isInteger(actions) || actions < 1) throw new UsageError(`--actions must be a positive integer (got ${o.actions})`);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got ${o.seed})`);
      if (!Number.isInteger(workers) || workers < 1 || workers > 12) throw new UsageError(`--workers must be 1..12 (got ${o.workers})`);
      if (o.faults !== 'all' && o.faults !== 'none') throw new UsageError(`--faults must be all or none (got ${o.faults})`);
      const lanes = o.lanes.split(',').map((l) => l.trim()).filter(Boolean);
      if (lanes.some((l) => l !== 'browser' && l !== 'api')) throw new UsageError(`--lanes takes browser,api (got ${o.lanes})`);
      if (lanes.length === 0) throw new UsageError('--lanes needs at least one of browser,api');
      const hosts = Number(o.hosts);
      if (!Number.isInteger(hosts) || hosts < 1 || hosts > 4) throw new UsageError(`--hosts must be 1..4 (got ${o.hosts})`);
      const cluster = o.postgres ? await startThrowawayCluster({ durable: true }) : undefined;
      let failed = true;
      try {
        const databaseUrl = cluster ? await cluster.createDatabase(`chaos_${seed >= 0 ? seed : `m${-seed}`}`) : undefined;
        const report = await runChaos({ actions, seed, lanes, faults: o.faults, workers, farm: o.farm === true, hosts, ...(databaseUrl ? { databaseUrl } : {}) });
        const store = databaseUrl ? `RAIZE_DATABASE_URL=$(sed 's,/postgres$,/${databaseUrl.split('/').at(-1)},' ${cluster!.dir}/url) RAIZE_DATA_DIR=${report.data_dir}` : `RAIZE_DATA_DIR=${report.data_dir}`;
        console.error(`chaos: store ${report.data_dir} (run ${report.run_id}); inspect with ${store} npx raize actions / npx raize audit verify`);
        console.log(JSON.stringify(report));
        failed = COUNTS.some((k) => report[k] !== 0) || !report.audit_chain_ok || report.farm?.gave_up === true;
        if (failed) process.exitCode = 1;
      } finally {
        // A failed run's cluster stays up for inspection (its URL, password included, is in
        // `<dir>/url`, owner-only); the next throwaway cluster's start sweeps it.
        if (cluster && !failed) await cluster.stop();
        else if (cluster) console.error(`chaos: PostgreSQL left running for inspection: ${cluster.dir} (port ${cluster.port}); removed by the next throwaway cluster's start`);
      }
    });
}
