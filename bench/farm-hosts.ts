import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startThrowawayCluster } from '../cli/postgres-cluster.js';
import { resolveConfig } from '../config/index.js';
import { createServices, launchBrowserProvider, PerformerRegistry } from '../runners/index.js';
import { startSandbox } from '../sandbox/index.js';
import { connectAccounts, submitEpisode, summarise, TERMINAL, type FarmRun } from './farm.js';
import type { BenchEntry } from './report.js';

/** The product's farm process as `raize chaos --farm` runs it: serveFarm on the browser and API lanes. */
const FARM_CHILD = fileURLToPath(new URL('../cli/chaos/farm-child.ts', import.meta.url));
const RUN_LIMIT_MS = 15 * 60_000;

export interface FarmHostsBenchOptions {
  /** Sandbox business accounts per platform. @default 12 */
  extraAccounts?: number;
  /** Episodes per account in each run. @default 2 */
  episodesPerAccount?: number;
  /** Runners at once over all processes (each of N processes runs total / N). @default 4 */
  concurrency?: number;
}

/**
 * Several farm hosts (issue 14, item 7): the same farm work done by one farm process and then by
 * two sharing it, on one PostgreSQL (a throwaway durable cluster) and one browser server. The
 * total number of runners at once is the same in both runs (4 = one process of 4, or two of 2),
 * so the ratio measures what sharing the work across processes costs or gains — dispatch
 * claims, leases and the audit chain's head contended by two hosts — not added capacity: on one
 * 2-core machine both processes and the browser share the same cores. On separate machines
 * each host brings its own cores and browser (see README, capacity per host).
 */
export async function benchFarmHosts(dir: string, options: FarmHostsBenchOptions = {}): Promise<BenchEntry> {
  const extra = options.extraAccounts ?? 12;
  const perAccount = options.episodesPerAccount ?? 2;
  const concurrency = options.concurrency ?? 4;
  const cluster = await startThrowawayCluster({ durable: true });
  const sandbox = await startSandbox({ port: 0, dataFile: join(dir, 'sandbox', 'world.json'), extraAccounts: extra });
  try {
    const databaseUrl = await cluster.createDatabase('bench_farm_hosts');
    const config = resolveConfig({ dataDir: dir, logLevel: 'silent', databaseUrl }, {});
    const provider = await launchBrowserProvider({ chromium: config.chromium, stealth: config.stealth });
    const services = createServices(config, { performers: new PerformerRegistry() });
    try {
      const accounts = await connectAccounts(services, provider, sandbox, extra);
      mkdirSync(join(dir, 'media'), { recursive: true });
      const image = join(dir, 'media', 'bench-farm-hosts.png');
      await sharp({ create: { width: 640, height: 640, channels: 3, background: { r: 200, g: 150, b: 90 } } }).png().toFile(image);

      const pass = async (label: string, processes: number): Promise<FarmRun> => {
        const ids: string[] = [];
        for (let round = 0; round < perAccount; round++) for (const a of accounts) ids.push((await submitEpisode(services, a, label, image)).action_id);
        const children = Array.from({ length: processes }, (_, host) => spawnFarm(host, {
          ...process.env, RAIZE_DATA_DIR: dir, RAIZE_DATABASE_URL: databaseUrl, RAIZE_LOG_LEVEL: 'silent', RAIZE_HOST_ID: `bench-host-${host}`,
          RAIZE_CHAOS_WS: provider.wsEndpoint, RAIZE_CHAOS_ORIGINS: JSON.stringify(sandbox.platforms),
          RAIZE_CHAOS_FARM_CONCURRENCY: String(Math.max(1, Math.round(concurrency / processes))),
        }));
        try {
          for (const limit = Date.now() + RUN_LIMIT_MS; Date.now() < limit;) {
            const states = await Promise.all(ids.map(async (id) => (await services.store.actions.get(id))?.state));
            if (states.every((st) => st && (TERMINAL.has(st) || st === 'unknown'))) break;
            await new Promise((r) => setTimeout(r, 1000));
          }
        } finally {
          await Promise.all(children.map(stopFarm));
        }
        return summarise(services, { label, accounts: accounts.length, concurrency, ids, baseline: 0, best: { contexts: 0, pss: 0, running: 0 } });
      };

      const one = await pass('one_process', 1);
      const two = await pass('two_processes', 2);
      const round = (x: number, digits = 1) => Number(x.toFixed(digits));
      return {
        name: 'farm_hosts',
        figures: {
          episodes_per_min_1_process: round(one.episodes_per_min),
          episodes_per_min_2_processes: round(two.episodes_per_min),
          ratio_2_vs_1: round(two.episodes_per_min / one.episodes_per_min, 2),
          concurrency,
          accounts: accounts.length,
        },
        notes: [
          `the product's farm process (serveFarm: Bree jobs, dispatch, one runner per account across all hosts, the browser lane with proofs, traces and drift; the farm child of raize chaos --farm, dispatch every 0.5 s) on PostgreSQL 15 (a throwaway cluster on this machine, durable) and one shared browser server, pacing off and budgets lifted`,
          `${accounts.length} sandbox accounts (${extra} per platform) logged in once; each run: ${perAccount} episodes per account (publish and like alternating; Instagram photo posts and X text posts), all submitted at the start`,
          `one process with ${concurrency} runners at once, then two processes (own host ids) with ${Math.round(concurrency / 2)} each: the same total, so ratio_2_vs_1 is the cost or gain of sharing the work across hosts on one 2-core machine (not added capacity: both processes and the browser share the cores)`,
          ...[one, two].map((r) => `${r.label}: ${r.episodes}/${r.action_ids.length} episodes ended in ${round(r.minutes, 2)} min (${r.succeeded} confirmed successes, ${r.unsettled} not ended)`),
        ],
      };
    } finally {
      await provider.close().catch(() => undefined);
      await services.close();
    }
  } finally {
    await sandbox.close();
    await cluster.stop();
  }
}

function spawnFarm(host: number, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', FARM_CHILD, String(host)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** SIGTERM: the farm finishes the actions it runs and exits. */
function stopFarm(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
