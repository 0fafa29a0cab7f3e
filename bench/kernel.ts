import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { resolveConfig } from '../config/index.js';
import { createServices, PerformerRegistry, type Services } from '../runners/index.js';
import { runAction, submitAction, type Performer } from '../safety/index.js';
import { median, percentile, type BenchEntry } from './report.js';

/** A performer that does nothing: what is measured is the kernel alone. */
const noop: Performer = {
  tool: 'connector',
  toolVersion: '1.0.0',
  async verifyIdentity() {
    return { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }] };
  },
  async precheck() {
    return { exists: false };
  },
  async attempt(ctx) {
    await ctx.beforeCommit();
    return { platform_object_id: ctx.action.action_id, http_status: 200 };
  },
  async verify(ctx) {
    return { outcome: 'present', level: 2, platform_object_id: ctx.action.action_id };
  },
};

export interface Farm {
  services: Services;
  file: string;
  submit(accountId: string, n: number): Promise<string>;
  run(actionId: string): Promise<number>;
  accountIds: string[];
}

export async function openFarm(dir: string, accounts: number, databaseUrl?: string): Promise<Farm> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'bench-kernel.db');
  const config = resolveConfig({ dataDir: dir, dbFile: file, logLevel: 'silent', ...(databaseUrl ? { databaseUrl } : {}) }, {});
  const services = createServices(config, { performers: new PerformerRegistry().register('api', 'instagram', noop) });
  const { store } = services;
  const now = new Date().toISOString();
  const client = await store.clients.create({ client_id: randomUUID(), name: 'Bench', created_at: now });
  await store.policies.put({ client_id: client.client_id, created_by: 'bench', autonomy: 'auto', allowed_actions: { instagram: ['publish'] } });
  const accountIds: string[] = [];
  for (let i = 0; i < accounts; i += 1) {
    const account = await store.accounts.create({
      platform_account_id: randomUUID(), client_id: client.client_id, platform: 'instagram',
      fingerprint: { platform_user_id: String(i), handle: `bench${i}`, display_name: `Bench ${i}`, extra: {} },
      timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
    });
    accountIds.push(account.platform_account_id);
  }
  return {
    services, file, accountIds,
    async submit(accountId, n) {
      const action = await submitAction(store, {
        client_id: client.client_id, platform_account_id: accountId, lane: 'api',
        action_type: 'publish', payload: { caption: `bench post ${n}` }, created_by: 'bench',
      });
      return action.action_id;
    },
    async run(actionId) {
      const start = performance.now();
      const outcome = await runAction(services.kernel, actionId);
      if (outcome.status !== 'confirmed_success') throw new Error(`bench action ${actionId} ended ${outcome.status}: ${outcome.reason}`);
      return performance.now() - start;
    },
  };
}

/** Queues `actions` over the farm's accounts; resolves each account's queue and the time it took. */
export async function queueActions(farm: Farm, actions: number): Promise<{ queues: string[][]; submitMs: number }> {
  const perAccount = Math.ceil(actions / farm.accountIds.length);
  const s0 = performance.now();
  const queues = await Promise.all(farm.accountIds.map(async (accountId, a) => {
    const ids: string[] = [];
    for (let i = 0; i < perAccount && a * perAccount + i < actions; i += 1) ids.push(await farm.submit(accountId, a * perAccount + i));
    return ids;
  }));
  return { queues, submitMs: performance.now() - s0 };
}

/** Drains the queues, one runner per account at once; resolves the wall time. */
export async function drainQueues(farm: Farm, queues: string[][]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(queues.map(async (ids) => {
    for (const id of ids) await farm.run(id);
  }));
  return performance.now() - t0;
}

/** One farm pass on a fresh file: queue the actions, then one runner per account drains its queue. */
export async function farmPass(dir: string, actions: number, accounts: number): Promise<{ actionsPerS: number; submitPerS: number; floor: number; cpuUsPerAction: number }> {
  const farm = await openFarm(dir, accounts);
  const { queues, submitMs } = await queueActions(farm, actions);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await drainQueues(farm, queues);
  const runMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await farm.services.close();
  return {
    actionsPerS: actions / (runMs / 1000), submitPerS: actions / (submitMs / 1000), floor: measureFloor(farm.file, 5000),
    cpuUsPerAction: (cpu.user + cpu.system) / actions,
  };
}

/**
 * The kernel entry: N queued actions through runAction with a no-op performer on a SQLite
 * file, against the physical floor: fsynced single-row inserts into the same file.
 * Throughput runs like the farm: one runner per account, `accounts` runners at once, so the
 * store's group commit can share transactions; it is the median of `repeats` passes, each on
 * a fresh file, because a shared VM's disk and CPU vary from second to second. Per-action
 * overhead (p50/p99) is measured on a separate sequential pass, where nothing is shared.
 */
export async function benchKernel(dir: string, actions = 5000, accounts = 50, sequential = 500, repeats = 3): Promise<BenchEntry> {
  const seqFarm = await openFarm(join(dir, 'sequential'), 1);
  const overheads: number[] = [];
  for (let i = 0; i < sequential; i += 1) overheads.push(await seqFarm.run(await seqFarm.submit(seqFarm.accountIds[0]!, i)));
  await seqFarm.services.close();
  overheads.sort((a, b) => a - b);

  const passes = [];
  for (let r = 0; r < repeats; r += 1) passes.push(await farmPass(join(dir, `pass-${r}`), actions, accounts));
  const actionsPerS = median(passes.map((p) => p.actionsPerS));
  const floor = median(passes.map((p) => p.floor));
  return {
    name: 'kernel',
    figures: {
      actions_per_s: round(actionsPerS),
      p50_ms: round(percentile(overheads, 0.5), 3),
      p99_ms: round(percentile(overheads, 0.99), 3),
      floor_inserts_per_s: round(floor),
      ratio: round(actionsPerS / floor, 3),
      sequential_actions_per_s: round(1000 / (overheads.reduce((x, y) => x + y, 0) / overheads.length)),
      submit_per_s: round(median(passes.map((p) => p.submitPerS))),
      concurrent_accounts: accounts,
    },
    notes: [
      `${actions} queued actions over ${accounts} accounts run through runAction at once (one runner per account): 6 audited transitions, ledger claim, budget reservation, kill switches + account state + ownership read at 3 gates each; median of ${repeats} passes (${passes.map((p) => Math.round(p.actionsPerS)).join(', ')} actions/s)`,
      `p50/p99: runAction of one action alone (${sequential} sequential actions), queued to postcheck_complete; submit_per_s: queuing them (validation, key, first audit event)`,
      'durability: the write-ahead `attempted` commit is fsynced (synchronous=FULL); the others survive a process crash (WAL, synchronous=NORMAL); concurrent writes share commits (group commit)',
      'floor: single-row INSERTs into the same file, each its own fsynced transaction (synchronous=FULL); ratio = actions_per_s / floor',
    ],
  };
}

function measureFloor(file: string, n: number): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO bench_floor (body) VALUES (?)');
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) insert.run(`row ${i}`);
  const elapsed = performance.now() - t0;
  db.close();
  return n / (elapsed / 1000);
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
