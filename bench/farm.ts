import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createBrowserLane, loginSandboxAccount } from '../cli/demo.js';
import { resolveConfig } from '../config/index.js';
import { createServices, defaultFarmConcurrency, launchBrowserProvider, PerformerRegistry, startFarm, type Services } from '../runners/index.js';
import { cancelAction, runAction, submitAction, type ActionType } from '../safety/index.js';
import type { Action, AuditRecord, Platform } from '../store/index.js';
import { extraAccounts, startSandbox } from '../sandbox/index.js';
import type { BenchEntry } from './report.js';

export interface FarmBenchOptions {
  /** Extra sandbox business accounts per platform; the farm has twice as many. @default 50 */
  extraAccounts?: number;
  /** Accounts of the scaling runs (each with as many runners at once). @default [25, 50, 100] */
  sizes?: number[];
  /** Episodes of the bare baseline (one after another, no farm). @default 8 */
  bareEpisodes?: number;
  /** Runners at once of the main run. @default the product's (RAIZE_FARM_CONCURRENCY, else the machine's) */
  concurrency?: number;
  /**
   * The whole entry's time budget: what is left after the logins and the bare runs is shared
   * out as each run's window, in proportion to its episodes. @default 1500000 (25 min)
   */
  budgetMs?: number;
}

/** One farm run: its episodes as the store recorded them, and memory as sampled during it. */
export interface FarmRun {
  label: string;
  accounts: number;
  concurrency: number;
  action_ids: string[];
  /** Actions that reached a terminal state (postcheck_complete, confirmed_failed, blocked). */
  episodes: number;
  /** Of those, confirmed successes (postcheck_complete without an error). */
  succeeded: number;
  /** Submitted actions not terminal at the end (unknown, still queued, deferred). */
  unsettled: number;
  /** From the first episode's start to the last one's end (or the window's close), per the audit trail. */
  minutes: number;
  /** When the run's window closed with actions not ended (ms since the epoch); episodes are those ended before. */
  cut?: number;
  episodes_per_min: number;
  /** Chromium PSS (MB) above the idle baseline at the sample with the most open contexts, and those contexts. */
  pss_delta_mb: number;
  open_contexts: number;
  running_at_sample: number;
  mb_per_runner: number;
}

export interface FarmBenchResult extends BenchEntry {
  runs: FarmRun[];
  /** The store's data dir (the SQLite file is left there for inspection). */
  dataDir: string;
  /** The sandbox accounts the farm used, in order (Instagram and X alternating). */
  accounts: { platform: Platform; platform_account_id: string; handle: string }[];
}

export const TERMINAL = new Set(['postcheck_complete', 'confirmed_failed', 'blocked']);
const CLIENT_ID = 'bench-farm-client';
const IG_LIKE_TARGETS = ['SEED1aBc', 'SEED2aBc', 'SEED3aBc'];
const X_LIKE_TARGETS = [
  '/northwindbakery/status/1860000000000000001', '/lumenstudio/status/1860000000000000002', '/harborfitness/status/1860000000000000003',
  '/ana_reads/status/1860000000000000101', '/marcotrails/status/1860000000000000102', '/kikoeats/status/1860000000000000103',
];
const LOGINS_AT_ONCE = 4;
const SAMPLE_EVERY_MS = 1_000;
const PSS_EVERY_MS = 5_000;
/** How long a run cut short may take to wind down (the actions under way end at their commit guard or finish). */
const DRAIN_MS = 180_000;
const DRAIN_RESERVE_MS = 45_000;

export interface BenchAccount {
  platform: Platform;
  platform_account_id: string;
  handle: string;
  /** Episodes submitted so far and likes among them: a like never repeats a target (it would be the same idempotency key). */
  submitted: number;
  liked: number;
}

/**
 * The farm entry (issue 10 item 9): the farm as `npm start` runs it — Bree jobs, dispatch,
 * one runner per account, the browser lane with proofs, traces and drift — on an accelerated
 * clock (pacing off, budgets lifted) over 2×`extraAccounts` sandbox accounts logged in once.
 * Episodes per minute at the default concurrency and Chromium PSS per runner, then both with
 * 25/50/100 accounts each running at once; bare baseline: the same episodes run one after another
 * by runAction alone.
 */
export async function benchFarm(dir: string, options: FarmBenchOptions = {}): Promise<FarmBenchResult> {
  const extra = options.extraAccounts ?? 50;
  const sizes = (options.sizes ?? [25, 50, 100]).filter((n) => n <= 2 * extra);
  // A run of 100 runners at once on 2 cores stretches each episode well past the product's 2-minute deadline.
  const config = resolveConfig({ dataDir: dir, logLevel: 'silent', actionDeadlineMs: 600_000 }, {});
  const concurrency = options.concurrency ?? config.farmConcurrency ?? defaultFarmConcurrency();
  const budgetMs = options.budgetMs ?? 25 * 60_000;
  const sandbox = await startSandbox({ port: 0, dataFile: join(dir, 'sandbox', 'world.json'), extraAccounts: extra });
  const provider = await launchBrowserProvider({ chromium: config.chromium, stealth: config.stealth });
  const services = createServices(config, { performers: new PerformerRegistry() });
  const lane = createBrowserLane(services, provider, sandbox.platforms);
  try {
    const t0 = performance.now();
    const accounts = await connectAccounts(services, provider, sandbox, extra);
    const loginS = (performance.now() - t0) / 1000;
    mkdirSync(join(dir, 'media'), { recursive: true });
    const image = join(dir, 'media', 'bench-farm.png');
    await sharp({ create: { width: 640, height: 640, channels: 3, background: { r: 120, g: 170, b: 200 } } }).png().toFile(image);
    const submit = (a: BenchAccount, label: string) => submitEpisode(services, a, label, image);

    // Bare: the same kind of episodes, one after another, runAction alone (no jobs, leases, runners).
    const bareIds: string[] = [];
    const bareT0 = performance.now();
    for (const a of accounts.slice(0, options.bareEpisodes ?? 8)) {
      const action = await submit(a, 'bare');
      bareIds.push(action.action_id);
      await runAction(services.kernel, action.action_id);
      await lane.performer.dispose(action.action_id);
    }
    const bareMin = (performance.now() - bareT0) / 60_000;
    const bareDone = (await Promise.all(bareIds.map((id) => services.store.actions.get(id)))).filter((a) => a && TERMINAL.has(a.state)).length;

    // The time budget: each run has a window; what has not ended when it closes is cut short (its
    // queued actions cancelled, the client's kill switch engaged so the ones under way stop
    // before their commit) and only episodes that ended within the window count.
    const left = Math.max(4 * 60_000, budgetMs - (performance.now() - t0) - DRAIN_RESERVE_MS * (sizes.length + 1));
    // Each run's share of the time is its share of the episodes (one per account it has).
    const weights = [accounts.length, ...sizes];
    const total = weights.reduce((a, b) => a + b, 0);
    const windows = weights.map((w) => Math.max(60_000, Math.round((left * w) / total)));

    const pass = async (label: string, batch: BenchAccount[], windowMs: number, runners?: number): Promise<FarmRun> => {
      // Contexts left idle by the previous run (the lane keeps them a minute) are closed first.
      await lane.performer.close();
      const baseline = await settledPssMb();
      // The main run leaves the bound to the farm, as npm start does. The farm boots first (its
      // job threads load their modules once per start): the runs measure the farm at work.
      const farm = await startFarm(services, { pacing: 'off', ...(runners ? { concurrency: runners } : {}) });
      await farm.ready;
      const ids: string[] = [];
      for (const a of batch) ids.push((await submit(a, label)).action_id);
      let best = { contexts: -1, pss: 0, running: 0 };
      let sampledAt = 0;
      const closes = Date.now() + windowMs;
      let cut: number | undefined;
      try {
        for (;;) {
          // Memory is read from /proc (smaps_rollup walks page tables: not free): at each new high
          // of open contexts, and at most every few seconds while the high holds.
          const contexts = lane.performer.openContexts;
          if (contexts > best.contexts || (contexts === best.contexts && Date.now() - sampledAt > PSS_EVERY_MS)) {
            // At a new high the figure starts over; while the high holds, its peak is kept (a context
            // sampled as it opens has not rendered its page yet).
            const pss = chromiumPssMb();
            best = { contexts, pss: contexts > best.contexts ? pss : Math.max(best.pss, pss), running: farm.pool.running.size };
            sampledAt = Date.now();
          }
          const states = await Promise.all(ids.map(async (id) => (await services.store.actions.get(id))?.state));
          if (states.every((st) => st && (TERMINAL.has(st) || st === 'unknown'))) break;
          if (Date.now() > closes) {
            cut = Date.now();
            await cutShort(services, ids);
            break;
          }
          await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
        }
      } finally {
        drained = await farm.stop(DRAIN_MS);
        if (cut !== undefined) await services.store.killSwitches.set({ scope: 'client', scope_id: CLIENT_ID, engaged: false, reason: null, set_by: 'bench' });
      }
      return summarise(services, { label, accounts: batch.length, concurrency: runners ?? concurrency, ids, baseline, best, ...(cut !== undefined ? { cut } : {}) });
    };

    // A run whose runners did not all end within the drain time stops the entry: a next run beside
    // them would measure both, and could start a second runner on one of their accounts.
    let drained = true;
    const runs: FarmRun[] = [await pass('default', accounts, windows[0]!, options.concurrency)];
    for (const [i, n] of sizes.entries()) if (drained) runs.push(await pass(`size_${n}`, accounts.slice(0, n), windows[i + 1]!, n));
    await lane.performer.close();

    const main = runs[0]!;
    const bare = bareDone / bareMin;
    const figures: Record<string, number> = {
      episodes_per_min: round(main.episodes_per_min),
      bare_episodes_per_min: round(bare),
      ratio: round(main.episodes_per_min / bare, 2),
      mb_per_runner: round(main.mb_per_runner),
      concurrency,
      accounts: accounts.length,
    };
    for (const r of runs.slice(1)) {
      figures[`episodes_per_min_${r.accounts}`] = round(r.episodes_per_min);
      figures[`mb_per_runner_${r.accounts}`] = round(r.mb_per_runner);
    }
    return {
      name: 'farm',
      figures,
      runs,
      dataDir: dir,
      accounts: accounts.map(({ platform, platform_account_id, handle }) => ({ platform, platform_account_id, handle })),
      notes: [
        `the farm as npm start runs it (Bree jobs: dispatch every 1 s, sweep, expiry, checkpoint, upkeep; one runner per account; the browser lane with proofs, traces and drift), pacing off and budgets lifted (accelerated clock), on ${accounts.length} sandbox accounts (${extra} per platform, extraAccounts) logged in once up front (${round(loginS)} s)`,
        'episodes: actions run to a terminal state (postcheck_complete, confirmed_failed, blocked), per the audit trail from the first start to the last end; mix: per account, publish and like alternate (Instagram: photo post with caption, like of a seeded post; X: text post, like of a seeded post), Instagram and X accounts alternating',
        `episodes_per_min: one episode for each of the ${accounts.length} accounts at the default concurrency (${concurrency}: RAIZE_FARM_CONCURRENCY, else 3 per core within half the free memory); bare: ${bareIds.length} such episodes one after another through runAction alone (no jobs, leases or runners); ratio = farm / bare`,
        'mb_per_runner: Chromium PSS (sum of Pss in /proc/<pid>/smaps_rollup over the browser server and its children) above the idle baseline before the run, at the sample with the most open contexts (every second), divided by those contexts (one per episode: running, or kept idle a minute by the lane)',
        `episodes_per_min_N / mb_per_runner_N: one episode for each of the first N accounts, with N runners at once (concurrency N); actionDeadlineMs raised to 10 min for them${sizes.length ? '' : ' (no size fits)'}`,
        `each run has a window from a ${Math.round(budgetMs / 60_000)}-minute budget (${windows.map((w) => `${round(w / 60_000)}`).join('/')} min); a run that does not end in it is cut short (queued actions cancelled, the client's kill switch stops the ones under way before their commit) and counts the episodes that ended in it`,
        ...(drained ? [] : [`runners still under way ${DRAIN_MS / 1000} s after a run's window closed: the runs after it were not started`]),
        ...runs.map((r) => `${r.label}: ${r.episodes}/${r.action_ids.length} episodes in ${round(r.minutes, 2)} min (${r.succeeded} confirmed successes)${r.cut !== undefined ? ', window closed before the rest ended' : ''}; peak ${r.open_contexts} open contexts with ${r.running_at_sample} runners, +${round(r.pss_delta_mb)} MB`),
      ],
    };
  } finally {
    await lane.close().catch(() => undefined);
    await services.close();
    await sandbox.close();
  }
}

/** The client, its policy and the sandbox's extra accounts, each logged in through its platform's login flow (a few at a time). */
export async function connectAccounts(
  services: Services, provider: Parameters<typeof loginSandboxAccount>[1], sandbox: Parameters<typeof loginSandboxAccount>[2], extra: number,
): Promise<BenchAccount[]> {
  const { store } = services;
  const now = new Date().toISOString();
  await store.clients.create({ client_id: CLIENT_ID, name: 'Bench farm', created_at: now });
  await store.policies.put({ client_id: CLIENT_ID, created_by: 'bench', autonomy: 'auto', allowed_actions: { instagram: ['publish', 'like'], x: ['publish', 'like'] } });
  const seeded = extraAccounts(extra);
  const queue = [...seeded];
  const login = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const id = `bench-${s.platform}-${s.id}`;
      const { session_ref, observed } = await loginSandboxAccount(services, provider, sandbox, {
        platform: s.platform as 'instagram' | 'x', platform_account_id: id, handle: s.handle, password: s.password,
      });
      await store.accounts.create({
        platform_account_id: id, client_id: CLIENT_ID, platform: s.platform,
        fingerprint: { platform_user_id: s.id, handle: observed.handle, display_name: observed.display_name ?? '', extra: {} },
        timezone: 'UTC', state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
      });
      // The accelerated clock: the default caps (minutes between publishes) would hold most episodes.
      await store.budgets.set({ platform_account_id: id, action_type: '*', per_hour: 1000, per_day: 10000, min_spacing_ms: 0 });
    }
  };
  await Promise.all(Array.from({ length: LOGINS_AT_ONCE }, login));
  return seeded.map((s) => ({ platform: s.platform, platform_account_id: `bench-${s.platform}-${s.id}`, handle: s.handle, submitted: 0, liked: 0 }));
}

/** The account's next episode: publish and like alternate; a like takes a seeded post the account has not liked yet. */
export function submitEpisode(services: Services, a: BenchAccount, label: string, image: string): Promise<Action> {
  const targets = a.platform === 'instagram' ? IG_LIKE_TARGETS : X_LIKE_TARGETS;
  const like = a.submitted % 2 === 1 && a.liked < targets.length;
  const n = a.submitted;
  a.submitted += 1;
  let action_type: ActionType = 'publish';
  let payload: Record<string, unknown>;
  if (like) {
    action_type = 'like';
    payload = { target: targets[a.liked]! };
    a.liked += 1;
  } else if (a.platform === 'instagram') {
    payload = { caption: `${a.handle}: today's special, batch ${n} (${label})`, media: [{ source: image, kind: 'image' }] };
  } else {
    payload = { text: `${a.handle}: news of the week, part ${n} (${label})` };
  }
  return submitAction(services.store, {
    client_id: CLIENT_ID, platform_account_id: a.platform_account_id, lane: 'browser', action_type, payload, created_by: 'bench',
  });
}

/** Each action's span in the audit trail: from its first event after submission to its last. */
export function episodeSpan(trail: AuditRecord[]): { started: number; ended: number } | undefined {
  const events = trail.filter((r) => r.event.transition.from !== null).map((r) => Date.parse(r.event.timestamp));
  if (events.length === 0) return undefined;
  return { started: Math.min(...events), ended: Math.max(...events) };
}

export async function summarise(
  services: Services,
  run: { label: string; accounts: number; concurrency: number; ids: string[]; baseline: number; best: { contexts: number; pss: number; running: number }; cut?: number },
): Promise<FarmRun> {
  let episodes = 0, succeeded = 0, first = Infinity, last = -Infinity;
  for (const id of run.ids) {
    const action = await services.store.actions.get(id);
    const span = episodeSpan(await services.store.audit.forAction(id));
    if (span) first = Math.min(first, span.started);
    if (!action || !span || !TERMINAL.has(action.state) || (run.cut !== undefined && span.ended > run.cut)) continue;
    episodes += 1;
    if (action.state === 'postcheck_complete' && !action.result.error_code) succeeded += 1;
    last = Math.max(last, span.ended);
  }
  if (run.cut !== undefined) last = run.cut;
  const minutes = Number.isFinite(first) && last > first ? (last - first) / 60_000 : 0;
  const delta = Math.max(0, run.best.pss - run.baseline);
  return {
    label: run.label, accounts: run.accounts, concurrency: run.concurrency, action_ids: run.ids,
    episodes, succeeded, unsettled: run.ids.length - episodes, minutes,
    ...(run.cut !== undefined ? { cut: run.cut } : {}),
    episodes_per_min: minutes > 0 ? episodes / minutes : 0,
    pss_delta_mb: delta, open_contexts: run.best.contexts, running_at_sample: run.best.running,
    mb_per_runner: run.best.contexts > 0 ? delta / run.best.contexts : 0,
  };
}

/** The window closed: queued actions are cancelled, and the client's kill switch stops the ones under way before their commit. */
async function cutShort(services: Services, ids: string[]): Promise<void> {
  for (const id of ids) {
    if ((await services.store.actions.get(id))?.state !== 'queued') continue;
    await cancelAction(services.store, id, { by: 'bench', reason: 'the run\'s window closed' }).catch(() => undefined);
  }
  await services.store.killSwitches.set({ scope: 'client', scope_id: CLIENT_ID, engaged: true, reason: 'bench run window closed', set_by: 'bench' });
}

/**
 * The idle baseline: Chromium's PSS once the renderers of the contexts just closed have exited
 * (read right after a close, they are still counted and the run's rise over them can be 0).
 * The lowest of readings taken until two in a row agree within 2 MB, for at most 10 s.
 */
async function settledPssMb(): Promise<number> {
  let low = chromiumPssMb();
  let last = low;
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = chromiumPssMb();
    low = Math.min(low, now);
    if (Math.abs(now - last) < 2) break;
    last = now;
  }
  return low;
}

/**
 * Proportional set size, in MB, of the Chromium processes this process started (the browser
 * server is our child; its renderers, GPU and utility processes its descendants). Linux /proc.
 */
export function chromiumPssMb(): number {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name may contain spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === process.pid) return true;
    return false;
  };
  let kb = 0;
  for (const pid of parentOf.keys()) {
    if (!ours(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chrom')) continue;
      // PSS, not RSS: pages shared between Chromium's processes are counted once, split among them.
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (pss) kb += Number(pss[1]);
    } catch {
      // the process ended while we looked
    }
  }
  return kb / 1024;
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
