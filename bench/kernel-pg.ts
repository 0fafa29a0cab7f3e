import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startThrowawayCluster } from '../cli/postgres-cluster.js';
import { drainQueues, openFarm, queueActions } from './kernel.js';
import type { BenchEntry } from './report.js';

/**
 * The kernel on PostgreSQL (issue 14): N queued actions through runAction with a no-op
 * performer, one runner per account, in one farm process and then in two at once on the same
 * database, against the server's own floor: single-row INSERTs, each its own committed
 * transaction, one after the other from one connection. The cluster is a throwaway one on this
 * machine with durability on (fsync, synchronous commits), as a real server runs.
 */
export async function benchKernelPg(dir: string, actions = 2000, accounts = 50): Promise<BenchEntry> {
  const cluster = await startThrowawayCluster({ durable: true });
  try {
    const url = await cluster.createDatabase('bench_kernel');
    // One process.
    const one = await openFarm(join(dir, 'one'), accounts, url);
    const { queues } = await queueActions(one, actions);
    const oneMs = await drainQueues(one, queues);
    await one.services.close();

    // Two processes at once: this one and a child, each its own accounts and queue.
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./kernel-pg-child.ts', import.meta.url)), url, join(dir, 'child'), String(actions), String(accounts)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const line = (match: (l: string) => boolean) => new Promise<string>((resolve, reject) => {
      const check = () => { const l = out.split('\n').find(match); if (l !== undefined) resolve(l); };
      child.stdout!.on('data', (d) => { out += d; check(); });
      child.once('exit', (code) => reject(new Error(`kernel_pg child exited ${code}`)));
    });
    const ready = line((l) => l === 'ready');
    const done = line((l) => l.startsWith('{'));
    const two = await openFarm(join(dir, 'two'), accounts, url);
    const { queues: mine } = await queueActions(two, actions);
    await ready;
    const t0 = performance.now();
    child.stdin!.write('go\n');
    const [ownMs, theirs] = await Promise.all([drainQueues(two, mine), done.then((l) => JSON.parse(l) as { actions: number; ms: number })]);
    const twoMs = Math.max(ownMs, theirs.ms, performance.now() - t0);
    await two.services.close();

    const floor = await insertFloor(url, 3000);
    const perS = (n: number, ms: number) => n / (ms / 1000);
    const one_s = perS(actions, oneMs);
    const two_s = perS(actions * 2, twoMs);
    return {
      name: 'kernel_pg',
      figures: {
        actions_per_s: round(one_s),
        actions_per_s_2_processes: round(two_s),
        floor_inserts_per_s: round(floor),
        ratio: round(one_s / floor, 3),
        ratio_2_processes: round(two_s / floor, 3),
        scale_2_vs_1: round(two_s / one_s, 2),
        concurrent_accounts: accounts,
      },
      notes: [
        `${actions} queued actions over ${accounts} accounts through runAction at once (one runner per account) on PostgreSQL 15 (a throwaway cluster on this machine, fsync and synchronous commits on): 6 audited transitions each, ledger claim, budget reservation, the audit chain's head locked per append`,
        `2 processes: a second farm process (bench/kernel-pg-child.ts) with its own ${accounts} accounts and ${actions} actions, both draining at once; wall time until both are done`,
        'floor: single-row INSERTs from one connection, each its own committed transaction; ratio = actions_per_s / floor',
      ],
    };
  } finally {
    await cluster.stop();
  }
}

async function insertFloor(url: string, n: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_floor (id bigserial PRIMARY KEY, body text NOT NULL)');
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) await client.query('INSERT INTO bench_floor (body) VALUES ($1)', [`row ${i}`]);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await client.end();
  }
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
