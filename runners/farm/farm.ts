import Bree from 'bree';
import { fileURLToPath } from 'node:url';
import { errorCode, recoverInterrupted, sweepUnknown, type SweepReport } from '../../safety/index.js';
import type { Services } from '../services.js';
import type { Platform, RunnerLease } from '../../store/index.js';
import { defaultFarmConcurrency } from './concurrency.js';
import { DEFAULT_PACING, type PacingTable } from './pacing.js';
import { RunnerPool, type RunnerPoolOptions } from './pool.js';
import { createSharedLimits, PLATFORMS, writeLimit } from './jobs/shared-limits.js';

export type FarmJob = 'dispatch' | 'sweep' | 'drift' | 'expiry' | 'checkpoint' | 'upkeep' | 'comments';

/** How often each job runs (ms). */
export const DEFAULT_JOB_INTERVALS: Record<FarmJob, number> = {
  dispatch: 1_000,
  sweep: 5_000,
  drift: 30 * 60_000,
  expiry: 30_000,
  checkpoint: 10 * 60_000,
  upkeep: 60 * 60_000,
  comments: 5 * 60_000,
};

export interface FarmOptions {
  /** @default config.farmConcurrency, else from the machine */
  concurrency?: number;
  pacing?: PacingTable | 'off';
  intervals?: Partial<Record<FarmJob, number>>;
  /** Jobs to run. @default all */
  jobs?: FarmJob[];
  onEvent?: RunnerPoolOptions['onEvent'];
  /** Each job message, as it arrives (progress lines, tests). */
  onJob?: (message: FarmJobMessage) => void;
  /**
   * The drift check the `drift` job runs on its schedule, in this thread (it needs the browser):
   * e.g. `() => checkAnchorDrift(store, browserPerformer)`. Without it the job does nothing.
   */
  driftCheck?: () => Promise<unknown>;
  /**
   * The read-only comment poll the `comments` job runs on its schedule, in this thread (GP4's
   * fallback when comment webhooks are missing): e.g. `() => dm.pollComments(reader)`. The job
   * runs only when this is given.
   */
  commentPoll?: () => Promise<unknown>;
  /**
   * Upkeep of the approvals' side that lives outside the kernel, run in this thread after every
   * `expiry` job: e.g. `() => dm.reopenStopped()` (an automatic DM reply whose action ended
   * `blocked` goes back to the reviewer queue).
   */
  approvalUpkeep?: () => Promise<unknown>;
  /** A module the job threads import and call before each run (see jobs/run-job.ts): tracing, fault injection. */
  instrument?: string;
}

export interface FarmJobMessage {
  job: FarmJob;
  claimed?: (RunnerLease & { platform: Platform })[];
  /** Unknown outcomes due for a look (the sweep job): the farm thread runs the looks. */
  sweep_due?: string[];
  [key: string]: unknown;
}

export interface Farm {
  readonly pool: RunnerPool;
  /** Job crashes seen (each job runs again at its next interval). */
  readonly jobErrors: { job: string; error: string }[];
  /** Verification sweeps run so far in this thread, with what each settled or escalated. */
  readonly sweeps: SweepReport[];
  /** What each scheduled drift check reported. */
  readonly driftChecks: unknown[];
  /**
   * Resolves once every job's thread has booted (loaded its modules, opened the store): the
   * farm's start-up cost is behind it. Never rejects; a thread that crashes while booting is
   * started again by Bree and counts when it is up.
   */
  readonly ready: Promise<void>;
  /** SIGTERM: Bree stops scheduling, runners finish the action under way; true when all ended within `graceMs`. */
  stop(graceMs?: number): Promise<boolean>;
}

const JOB_STOP_MS = 5_000;
const JOB_FILE = fileURLToPath(new URL('./jobs/job-worker.mjs', import.meta.url));

/**
 * The farm (issue 10): Bree runs the recurring jobs, each in a worker thread with its own
 * store connection — dispatch claims due accounts' leases for this host, expiry ends overdue
 * actions, checkpoint anchors the audit chain, upkeep installs default budgets — and this
 * thread runs one runner per claimed account (RunnerPool). Several farms on one store share
 * the work: every claim is atomic, nothing needs a leader.
 */
export async function startFarm(services: Services, options: FarmOptions = {}): Promise<Farm> {
  const { config, kernel } = services;
  const concurrency = options.concurrency ?? config.farmConcurrency ?? defaultFarmConcurrency();
  const limits = createSharedLimits(concurrency);
  const pacing = options.pacing ?? DEFAULT_PACING;
  const pool: RunnerPool = new RunnerPool(kernel, {
    concurrency, leaseTtlMs: config.farmLeaseTtlMs, pacing,
    onEvent: (event) => {
      if (event.ev === 'rate_limit') writeLimit(limits, event.platform, event.limit);
      options.onEvent?.(event);
    },
  });
  // Limits come back slowly on their own (the governor's quiet periods): republish them.
  const refresh = setInterval(() => {
    const now = Date.now();
    for (const platform of PLATFORMS) writeLimit(limits, platform, pool.governor.limit(platform, now));
  }, 1_000);
  refresh.unref();

  const jobErrors: Farm['jobErrors'] = [];
  let stopping = false;
  const intervals = { ...DEFAULT_JOB_INTERVALS, ...options.intervals };
  const names = options.jobs ?? (Object.keys(DEFAULT_JOB_INTERVALS) as FarmJob[]).filter((n) => n !== 'comments' || options.commentPoll);
  const farmData = {
    dataDir: config.dataDir, dbFile: config.dbFile, ownerId: kernel.ownerId, concurrency,
    // The job threads open the farm's own store: the PostgreSQL one when the farm runs on it.
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    leaseTtlMs: config.farmLeaseTtlMs, limits, pacing, verifyBaseMs: config.verifyBaseMs, verifyCapMs: config.verifyCapMs,
    ownerStaleMs: config.ownerStaleMs, foreignOwnerStaleMs: config.foreignOwnerStaleMs,
    ...(options.instrument ? { instrument: options.instrument } : {}),
  };
  // One sweep at a time in this thread, where the lanes are; the job only says when one is due.
  const sweeps: SweepReport[] = [];
  let sweeping: Promise<void> | undefined;
  let recovering: Promise<void> | undefined;
  const sweep = () => {
    if (pool.stopped) return;
    // Crash recovery on every tick, apart from the looks: an action a dead owner (another host)
    // left mid-run is taken over (fenced) within a tick of its heartbeat going stale, even while
    // a long verification runs. Taken over, it is verified by the sweep below, never re-run.
    recovering ??= recoverInterrupted(kernel, { verify: false })
      .then((recovery) => {
        if (recovery.recovered.length || recovery.released.length) services.logger.info({ recovered: recovery.recovered.length, released: recovery.released.length }, 'recovered interrupted actions');
      })
      .catch((error: unknown) => services.logger.warn({ code: errorCode(error) }, 'recovery failed'))
      .finally(() => (recovering = undefined));
    if (sweeping) return;
    // Then the unknown outcomes due for a look (the recovered ones among them, once recorded).
    sweeping = recovering
      .then(() => sweepUnknown(kernel))
      .then((report) => {
        sweeps.push(report);
        if (report.settled.length || report.escalated.length) services.logger.info({ settled: report.settled.length, escalated: report.escalated.length }, 'verification sweep');
      })
      .catch((error: unknown) => services.logger.warn({ code: errorCode(error) }, 'verification sweep failed'))
      .finally(() => (sweeping = undefined));
  };
  // The jobs that need this thread (the browser, the DM service) only keep the schedule: each
  // task runs here, one run at a time — a job firing while its last run goes on is skipped.
  const running = new Set<Promise<void>>();
  const oneAtATime = (what: string, task: (() => Promise<unknown>) | undefined, done: (result: unknown) => void = () => undefined) => {
    let current: Promise<void> | undefined;
    return () => {
      if (current || pool.stopped || !task) return;
      const run: Promise<void> = task()
        .then(done)
        .catch((error: unknown) => services.logger.warn({ code: errorCode(error) }, `${what} failed`))
        .finally(() => {
          current = undefined;
          running.delete(run);
        });
      current = run;
      running.add(run);
    };
  };
  const driftChecks: unknown[] = [];
  const drift = oneAtATime('drift check', options.driftCheck, (report) => void driftChecks.push(report));
  const pollComments = oneAtATime('comment poll', options.commentPoll);
  const approvalUpkeep = oneAtATime('approval upkeep', options.approvalUpkeep);
  const booted = new Set<string>();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  const bree = new Bree({
    root: false,
    // Bree's own lines (a job still running when its next interval comes, worker exits) go to debug.
    logger: {
      info: () => undefined,
      warn: (...args: unknown[]) => services.logger.debug({ bree: String(args[0]) }, 'bree'),
      error: (...args: unknown[]) => services.logger.warn({ bree: String(args[0]) }, 'bree'),
    },
    // Each job's thread stays up and runs it every interval; Bree starts it at once and, should
    // it crash, again at the next restart check.
    jobs: names.map((name) => ({ name, path: JOB_FILE, interval: Math.max(1_000, intervals[name]), timeout: 0, worker: { workerData: { every: intervals[name], farm: farmData } } })),
    workerMessageHandler: (data) => {
      if (typeof data.message !== 'object' || data.message === null) return; // Bree's own 'cancelled'
      const message = data.message as FarmJobMessage;
      if (message.ready === true) {
        booted.add(message.job);
        if (booted.size === names.length) markReady();
        return;
      }
      if (message.job === 'dispatch') for (const lease of message.claimed ?? []) pool.start(lease);
      if (message.job === 'sweep' && ((message.sweep_due ?? []).length > 0 || Number(message.interrupted ?? 0) > 0)) sweep();
      if (message.job === 'drift') drift();
      if (message.job === 'comments') pollComments();
      if (message.job === 'expiry') approvalUpkeep();
      options.onJob?.(message);
    },
    errorHandler: (error, meta) => {
      // A thread ended by stop() is not a crash.
      if (stopping) return;
      const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      jobErrors.push({ job: meta?.name ?? 'unknown', error: text });
      services.logger.warn({ job: meta?.name, error: text }, 'farm job failed; it runs again at its next interval');
    },
  });
  if (names.length === 0) markReady();
  await bree.start();
  // On start-up, whatever a previous run left mid-action is verified, never re-run.
  if (names.includes('sweep')) sweep();
  return {
    pool,
    jobErrors,
    sweeps,
    driftChecks,
    ready,
    async stop(graceMs = 60_000) {
      stopping = true;
      clearInterval(refresh);
      // Job threads end their run under way and say 'cancelled'; one that cannot (still booting,
      // stuck on a lock) is terminated after a few seconds: the store is the only state.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([bree.stop(), new Promise((resolve) => { timer = setTimeout(resolve, JOB_STOP_MS); })]);
      clearTimeout(timer);
      await Promise.all([...bree.workers.values()].map((w) => w.terminate()));
      const [ended] = await Promise.all([pool.stop(graceMs), sweeping, recovering, ...running]);
      return ended;
    },
  };
}
