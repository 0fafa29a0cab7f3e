// One of the farm's Bree jobs, in its own worker thread with its own connection to the store.
// The thread stays up and runs the job every `every` ms (booting a thread per run would cost
// more than most runs); when it crashes, Bree starts it again at the job's next interval. The
// store is the only state, so a crash loses nothing. Results go to the farm's thread as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { resolveConfig } from '../../../config/index.js';
import { expireOverdue, loadOrCreateAuditKey, makeCheckpoint, unknownDueForLook } from '../../../safety/index.js';
import { createServices } from '../../services.js';
import { dispatchOnce } from '../dispatch.js';
import { defaultBudgets, PacingTableSchema, type PacingTable } from '../pacing.js';
import { readLimit } from './shared-limits.js';
import type { Platform } from '../../../store/index.js';

const JobData = z.object({
  job: z.object({ name: z.enum(['dispatch', 'sweep', 'drift', 'expiry', 'checkpoint', 'upkeep', 'comments']) }),
  /** Period of the job's runs inside its thread. */
  every: z.number().int().min(10),
  farm: z.object({
    dataDir: z.string().min(1),
    dbFile: z.string().min(1),
    /** The shared PostgreSQL store (issue 14); absent → the SQLite file. Thread memory only, never logged. */
    databaseUrl: z.string().min(1).optional(),
    ownerId: z.string().min(1),
    concurrency: z.number().int().min(1),
    leaseTtlMs: z.number().int().min(1000),
    limits: z.instanceof(SharedArrayBuffer),
    pacing: z.union([z.literal('off'), PacingTableSchema]),
    /** The farm's verification pace, so this thread judges "due for a look" as the farm does. */
    verifyBaseMs: z.number().int().min(1),
    verifyCapMs: z.number().int().min(1),
    /** The farm's staleness bounds, so this thread judges another host's look claim as the farm does. */
    ownerStaleMs: z.number().int().min(1),
    foreignOwnerStaleMs: z.number().int().min(1),
    /**
     * Instrumentation: a module imported in the job's thread whose default export is called
     * before each run with the job's name and data dir (tracing, fault injection in tests).
     */
    instrument: z.string().optional(),
  }),
});

const { job, every, farm } = JobData.parse(workerData);
const post = (message: Record<string, unknown>) => parentPort!.postMessage({ job: job.name, ...message });

type BeforeRun = (run: { job: string; dataDir: string }) => void | Promise<void>;
const beforeRun: BeforeRun | undefined = farm.instrument ? ((await import(farm.instrument)) as { default: BeforeRun }).default : undefined;

const services = createServices(resolveConfig({
  dataDir: farm.dataDir, dbFile: farm.dbFile, logLevel: 'silent', verifyBaseMs: farm.verifyBaseMs, verifyCapMs: farm.verifyCapMs,
  ownerStaleMs: farm.ownerStaleMs, foreignOwnerStaleMs: farm.foreignOwnerStaleMs,
  // A job thread runs one store call at a time: two connections are plenty.
  ...(farm.databaseUrl ? { databaseUrl: farm.databaseUrl, databasePoolSize: 2 } : {}),
}, {}));
const { store, kernel } = services;
// Booted: the farm counts its threads up (Farm.ready).
post({ ready: true });

let checkpointed = false;

async function runOnce(): Promise<void> {
  await beforeRun?.({ job: job.name, dataDir: farm.dataDir });
  switch (job.name) {
    case 'dispatch': {
      // This host's runners are the accounts whose lease it holds now.
      const now = new Date();
      const running = new Map<string, { platform: Platform }>();
      for (const lease of await store.leases.active(now)) {
        if (lease.owner_id !== farm.ownerId) continue;
        const account = await store.accounts.get(lease.platform_account_id);
        if (account) running.set(lease.platform_account_id, { platform: account.platform });
      }
      const governor = { max: farm.concurrency, limit: (platform: Platform) => readLimit(farm.limits, platform) };
      const result = await dispatchOnce({ store, ownerId: farm.ownerId, governor, running, leaseTtlMs: farm.leaseTtlMs, now, pacing: farm.pacing as PacingTable | 'off' });
      post({ claimed: result.claimed, skipped: result.skipped });
      return;
    }
    case 'sweep': {
      // Invariant E, "re-check later": which unknown outcomes are due for a read-only look. The
      // looks need the lanes (a browser), which live in the farm's thread: it is told, and runs them.
      // As the farm's thread sees them: its own look claims are not another host's.
      const { due, paused } = await unknownDueForLook({ ...kernel, ownerId: farm.ownerId });
      // Actions mid-run under another owner: a crashed farm's, for recovery once its owner is gone.
      let interrupted = 0;
      for (const state of ['attempted', 'identity_verified', 'preflight_passed'] as const) {
        interrupted += (await store.actions.list({ state, limit: 1000 })).filter((a) => a.owner_id !== farm.ownerId).length;
      }
      if (due.length > 0 || paused > 0 || interrupted > 0) post({ sweep_due: due.map((a) => a.action_id), paused, interrupted });
      return;
    }
    case 'drift': {
      // The anchor surfaces are opened by the farm's thread, where the browser is: it is told.
      post({ drift_due: true });
      return;
    }
    case 'comments': {
      // The read-only comment poll reads through the lane's throttle, in the farm's thread: it is told.
      post({ comments_due: true });
      return;
    }
    case 'expiry': {
      post({ expired: (await expireOverdue(kernel)).expired });
      return;
    }
    case 'checkpoint': {
      // Anchors the head when it moved since the last checkpoint (one at start-up regardless).
      const [head, latest] = await Promise.all([store.audit.head(), store.audit.latestCheckpoint()]);
      if (checkpointed && latest && head && latest.seq === head.seq) return;
      checkpointed = true;
      const checkpoint = await makeCheckpoint(store, { dataDir: farm.dataDir, key: loadOrCreateAuditKey(farm.dataDir) });
      post({ checkpoint: { seq: checkpoint.seq, time: checkpoint.time } });
      return;
    }
    case 'upkeep': {
      // Accounts without budgets of their own get the platform's default caps (§8.1).
      const installed: string[] = [];
      for (const account of await store.accounts.list()) {
        if ((await store.budgets.list(account.platform_account_id)).length > 0) continue;
        for (const budget of defaultBudgets(account.platform_account_id, account.platform)) await store.budgets.set(budget);
        installed.push(account.platform_account_id);
      }
      post({ budgets_installed: installed });
      return;
    }
  }
}

// Bree's stop asks with 'cancel': the run under way ends, then the thread says 'cancelled'.
let cancelled = false;
let wake: (() => void) | undefined;
parentPort!.on('message', (message) => {
  if (message !== 'cancel') return;
  cancelled = true;
  wake?.();
});
while (!cancelled) {
  const started = Date.now();
  await runOnce();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(10, every - (Date.now() - started)));
    wake = () => { clearTimeout(timer); resolve(); };
  });
}
await services.close();
parentPort!.postMessage('cancelled');
// In a worker thread this ends the thread only; a timer left by a library would keep it up.
process.exit(0);
