import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { resolveConfig } from '../../config/index.js';
import { createServices, launchBrowserProvider, registerApiLanes, type Services } from '../../runners/index.js';
import { recoverInterrupted, resolveUnknown, sleep, verifyAuditChain, type Action } from '../../safety/index.js';
import { SEED_ACCOUNTS, startSandbox } from '../../sandbox/index.js';
import { createBrowserLane, loginSandboxAccount, type DemoLane } from '../demo.js';
import { budgetViolations, countEffects, splitUnknowns, type Budgets, type Effect } from './count.js';
import { adminApi, firedCounts, installFaults, webhookReceiver } from './faults.js';
import { finalVerification } from './final-verify.js';
import { runFarm, type FarmRunStats } from './farm-run.js';
import { ChaosBrowserServers } from './browser-servers.js';
import { operatorClear } from './operator.js';
import { ALL_TYPES, budgetsOf, buildPlan, derive, type ChaosAccount, type Plan } from './schedule.js';

export interface ChaosOptions {
  actions: number;
  seed: number;
  lanes?: string[];
  /** 'all' (the whole table) or 'none'. */
  faults?: 'all' | 'none';
  /** Runner processes (each owns a fixed set of accounts). @default 3 */
  workers?: number;
  /** The store's directory; default the configured data dir (RAIZE_DATA_DIR). */
  dataDir?: string;
  /** Progress line on stderr (only when it is a terminal). */
  progress?: boolean;
  /** Schedule the actions and let farm processes (serveFarm) run them, killed at the seed's points. */
  farm?: boolean;
  /** Farm processes on the one store (hosts of a multi-host farm). @default 1 */
  hosts?: number;
  /** The store: a PostgreSQL URL for this run and its processes (else RAIZE_DATABASE_URL, else SQLite). */
  databaseUrl?: string;
}

export interface ChaosReport {
  actions: number;
  duplicates: number;
  lost: number;
  unexpected: number;
  wrong_account: number;
  unknown_unresolved: number;
  budget_violations: number;
  audit_chain_ok: boolean;
  seed: number;
  reverted: number;
  reverted_noticed: number;
  faults_fired: Record<string, number>;
  escalated: number;
  /** `--farm` runs only: the farm processes' run (hosts, actions started, whether it gave up after too many crashes). */
  farm?: { hosts: number; started: number; gave_up: boolean; unclean_stops: number; left_deferred: number; skipped: number };
  [extra: string]: unknown;
}

/** Kernel timings for a chaos run: stale owners taken over in 1.5 s, absence proven after 3 s (above the sandbox's 1.7 s lag). */
export const CHAOS_ENV: Record<string, string> = {
  RAIZE_OWNER_STALE_MS: '1500', RAIZE_HEARTBEAT_MS: '300', RAIZE_ABSENCE_WINDOW_MS: '3000', RAIZE_ABSENCE_LOOKS: '2',
  RAIZE_VERIFY_BASE_MS: '300', RAIZE_VERIFY_CAP_MS: '3000', RAIZE_VERIFY_MAX_TRIES: '10', RAIZE_RETRY_BASE_MS: '200',
  RAIZE_RETRY_CAP_MS: '1500', RAIZE_ACTION_DEADLINE_MS: '90000', RAIZE_LOG_LEVEL: 'warn',
  // Chromium's own PNG bytes: no re-encode per step (the runs are CPU-bound on small machines).
  RAIZE_PROOF_FORMAT: 'png',
};

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.ts');
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  if (o.lanes && (o.lanes.length === 0 || o.lanes.some((l) => l !== 'browser' && l !== 'api'))) throw new Error(`chaos lanes are browser and api (asked: ${o.lanes.join(',')})`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(CHAOS_ENV)) if (!env[k]) env[k] = v;
  if (o.dataDir) env.RAIZE_DATA_DIR = resolve(o.dataDir);
  if (o.databaseUrl) env.RAIZE_DATABASE_URL = o.databaseUrl;
  const config = resolveConfig({}, env);
  env.RAIZE_DATA_DIR = config.dataDir;
  const runId = `chaos${o.seed}-${Date.now().toString(36)}`;
  const runDir = join(config.dataDir, 'chaos', runId);
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  const image = join(runDir, 'loaf.png');
  await sharp({ create: { width: 640, height: 640, channels: 3, background: { r: 214, g: 160, b: 96 } } }).png().toFile(image);
  const plan = buildPlan({ runId, seed: o.seed, actions: o.actions, workers: o.workers ?? 3, image, ...(o.lanes ? { lanes: o.lanes } : {}) });
  writeFileSync(join(runDir, 'plan.json'), JSON.stringify(plan, null, 1));

  const services = createServices(config, { log: { destination: createWriteStream(join(runDir, 'logs', 'parent.log')) } });
  const sandbox = await startSandbox({ port: 0, seed: derive(o.seed, 'sandbox') % 1_000_000 });
  const admin = adminApi(sandbox.adminUrl, sandbox.adminToken);
  const provider = await launchBrowserProvider(config);
  const lane = createBrowserLane(services, provider, sandbox.platforms);
  const apiLanes = registerApiLanes(services, { baseUrls: sandbox.platforms });
  const hooks: { close(): void }[] = [];
  try {
    const budgets = await seed(services, lane, sandbox, plan);
    const own: Record<string, number> = {};
    let unavailable: string[] = [];
    if ((o.faults ?? 'all') === 'all') {
      unavailable = (await installFaults(admin, plan.accounts, o.seed, o.lanes?.includes('api') === true)).unavailable;
      hooks.push(await webhookReceiver(admin));
    }
    const progress = o.progress !== false && process.stderr.isTTY;
    const show = (line: string) => {
      if (progress) process.stderr.write(`\r[chaos] ${line}\x1b[K`);
    };
    const kill = (o.faults ?? 'all') === 'all';
    let runners: Awaited<ReturnType<typeof runWorkers>>;
    let farm: FarmRunStats | undefined;
    if (o.farm) {
      // Several hosts share two remote browser servers, as farms on several machines would.
      const browserServers = (o.hosts ?? 1) > 1 ? await ChaosBrowserServers.start(2, env, join(runDir, 'logs')) : undefined;
      if (browserServers) hooks.push({ close: () => void browserServers.close() });
      farm = await runFarm({
        plan, services, env, ws: provider.wsEndpoint, ...(browserServers ? { browserServers } : {}), origins: sandbox.platforms, runDir, hosts: o.hosts ?? 1, kill,
        clear: (a) => operatorClear(services, provider, sandbox.platforms, a), progress: show,
      });
      runners = { kills: farm.kills, hangs: [], crashes: farm.crashes, operator: farm.operator, recovered: farm.recovered, started: new Set() };
    } else {
      runners = await runWorkers(plan, env, provider.wsEndpoint, sandbox.platforms, runDir, show, kill);
    }
    if (progress) process.stderr.write('\n');
    if (o.farm) own.farm_kill = runners.kills;
    if (farm?.pauses) own.farm_pause = farm.pauses;
    if (farm?.browser_server_kills) own.browser_server_kill = farm.browser_server_kills;
    else own.runner_kill = runners.kills;
    if (runners.hangs.length) own.runner_hang_kill = runners.hangs.length;
    // The platform calms down: no new injected faults (lag and pending reverts stay), then recovery and verification settle.
    await admin('DELETE', '/__sandbox/faults');
    const settled = await settle(services, plan, (a) => operatorClear(services, provider, sandbox.platforms, a));
    await sleep(3000); // reverts scheduled up to 2.5 s after their effect
    const actions = await runActions(services, plan);
    const effects = ((await admin('GET', '/__sandbox/effects')).json as { data: Effect[] }).data;
    writeFileSync(join(runDir, 'effects.json'), JSON.stringify(effects));
    writeFileSync(join(runDir, 'fired.json'), JSON.stringify((await admin('GET', '/__sandbox/faults/fired')).json));
    const counts = countEffects(actions, plan.accounts, effects);
    const noticed = await finalVerification(services, lane, actions, counts);
    const budget = await budgetViolations(services.store, actions, budgets);
    const chain = await verifyAuditChain(services.store);
    const unknown = await splitUnknowns(services.store, actions.filter((a) => a.state === 'unknown'), counts);
    const blockedBy = await blockedReasons(services.store, actions.filter((a) => a.state === 'blocked'));
    const report: ChaosReport = {
      actions: actions.length, duplicates: counts.duplicates, lost: counts.lost, unexpected: counts.unexpected, wrong_account: counts.wrong_account,
      unknown_unresolved: unknown.unresolved.length, budget_violations: budget.violations, audit_chain_ok: chain.ok, seed: o.seed,
      reverted: counts.reverted, reverted_noticed: noticed.noticed, faults_fired: await firedCounts(admin, own),
      escalated: unknown.escalated.length,
      escalated_by_type: tally(unknown.escalated.map((a) => `${a.platform} ${a.action_type}`)),
      blocked_by_reason: tally(blockedBy),
      by_lane: tally(actions.map((a) => a.lane)),
      planned: plan.items.length, effects: effects.length, unknown_effects: counts.unknown_effects,
      states: tally(actions.map((a) => (a.state === 'queued' ? 'queued(deferred)' : a.state === 'postcheck_complete' ? (a.result.error_code ? 'failed' : 'succeeded') : a.state))),
      operator_clears: runners.operator + settled.operator, hung_actions: runners.hangs.map((h) => h.action_id), recovered: runners.recovered + settled.recovered, runner_crashes: runners.crashes,
      ...(unavailable.length ? { faults_unavailable: unavailable } : {}), run_id: runId, data_dir: config.dataDir,
      ...(farm ? { farm: { hosts: o.hosts ?? 1, started: farm.started, gave_up: farm.gave_up, unclean_stops: farm.unclean_stops, left_deferred: farm.left_deferred, skipped: farm.skipped } } : {}),
    };
    writeFileSync(join(runDir, 'report.json'), JSON.stringify({ ...report, findings: counts.findings, budget: budget.details, final_verify: noticed }, null, 1));
    return report;
  } finally {
    for (const h of hooks) h.close();
    await apiLanes.close().catch(() => undefined);
    await lane.close().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
    await services.close();
  }
}

/** Why each blocked action was blocked: its last audit reason up to the detail (`identity_error: drift`, `kill_switch`). */
async function blockedReasons(store: Services['store'], blocked: Action[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of blocked) {
    // The move into `blocked`, not a later note on it (such as recovery's `requeued as …`).
    const trail = await store.audit.forAction(a.action_id);
    const into = trail.filter((r) => r.event.transition.to === 'blocked' && r.event.transition.from !== 'blocked').at(-1);
    const reason = into?.event.reason ?? trail.map((r) => r.event.reason ?? '').filter(Boolean).at(-1) ?? 'unrecorded';
    out.push(`${a.platform} ${reason.split(/[:(]/).slice(0, 2).map((p) => p.trim()).filter(Boolean).join(': ').slice(0, 60)}`);
  }
  return out;
}

function tally(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** Clients, policies, budgets and the accounts, each connected through its platform's login flow. */
async function seed(services: Services, lane: DemoLane, sandbox: { platforms: { instagram: string; x: string } }, plan: Plan): Promise<Budgets> {
  const { store } = services;
  const now = new Date().toISOString();
  for (const client_id of plan.clients) {
    await store.clients.create({ client_id, name: `Chaos ${client_id}`, created_at: now });
    await store.policies.put({ client_id, created_by: 'raize-chaos', autonomy: 'auto', allowed_actions: { instagram: [...ALL_TYPES.instagram], x: [...ALL_TYPES.x] } });
  }
  const budgets = budgetsOf(plan);
  const queue = [...plan.accounts];
  await Promise.all([0, 1, 2].map(async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      const { session_ref, observed } = await loginSandboxAccount(services, lane.provider, sandbox, { platform: a.platform, platform_account_id: a.id, handle: a.handle, password: a.password });
      await store.accounts.create({
        platform_account_id: a.id, client_id: a.client_id, platform: a.platform,
        fingerprint: { platform_user_id: a.user_id, handle: observed.handle, display_name: observed.display_name ?? '', extra: observed.avatar_src ? { avatar_src: observed.avatar_src } : {} },
        timezone: 'UTC', state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
      });
      for (const b of budgets[a.id]!) await store.budgets.set({ platform_account_id: a.id, ...b, action_type: b.action_type as 'publish' });
      // The API token the platform issued this account (business accounts only), sealed in the vault.
      const seeded = SEED_ACCOUNTS.find((s) => s.platform === a.platform && s.id === a.user_id);
      if (seeded?.kind === 'business') await services.vault.seal(a.id, 'access_token', seeded.token, { scopes: ['chaos'] });
    }
  }));
  return budgets;
}

async function runActions(services: Services, plan: Plan): Promise<Action[]> {
  return (await Promise.all(plan.accounts.map((a) => services.store.actions.list({ platform_account_id: a.id })))).flat();
}

/**
 * After the runners: recovery takes over anything a dead runner left (once its owner is stale),
 * then every `unknown` is verified until it is confirmed, proven absent or escalated.
 */
async function settle(services: Services, plan: Plan, clear: (a: ChaosAccount) => Promise<unknown>): Promise<{ recovered: number; operator: number }> {
  const { kernel, config } = services;
  let recovered = 0;
  const until = Date.now() + config.ownerStaleMs * 4 + 10_000;
  for (;;) {
    const report = await recoverInterrupted(kernel);
    recovered += report.recovered.length + report.released.length;
    const running = (await runActions(services, plan)).filter((a) => ['attempted', 'identity_verified', 'preflight_passed'].includes(a.state));
    if (running.length === 0 || Date.now() > until) break;
    await sleep(300);
  }
  // The operator checks every account the run left degraded, as the farm's humans would; a
  // look that finds a session switched or logged out pauses its action until then.
  let operator = 0;
  const clearAll = async () => {
    for (const a of plan.accounts) if (await clear(a)) operator += 1;
  };
  for (let sweep = 0; sweep < 50; sweep += 1) {
    await clearAll();
    const open = (await runActions(services, plan)).filter((a) => a.state === 'unknown' && !a.escalated_at);
    if (open.length === 0) break;
    for (const a of open) {
      await Promise.race([resolveUnknown(kernel, a.action_id, { maxTries: 1 }).catch(() => undefined), sleep(120_000)]);
    }
  }
  return { recovered, operator };
}

/** Spawns one runner per partition; SIGKILLs them at the plan's kill points and starts a new one each time. */
async function runWorkers(plan: Plan, env: NodeJS.ProcessEnv, ws: string, origins: object, runDir: string, progress: (line: string) => void, kill: boolean) {
  const pendingKills = new Map((kill ? plan.kills : []).map((k) => [k.index, k.delay_ms]));
  const stats = { kills: 0, hangs: [] as { action_id: string; index: number; worker: number }[], crashes: 0, operator: 0, recovered: 0, started: new Set<number>() };
  // A supervisor's watchdog: an action still running well past the kernel's deadline is a hung
  // runner; it is killed like any dead runner and recovery takes the action over.
  const hangMs = Number(env.RAIZE_ACTION_DEADLINE_MS ?? 90_000) + 60_000;
  const show = () => progress(`${stats.started.size}/${plan.items.length} started · ${stats.kills} runner kills · ${stats.operator} operator clears`);
  const start = (worker: number, generation: number): Promise<void> => new Promise((done) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, join(runDir, 'plan.json'), String(worker)], {
      env: { ...env, RAIZE_CHAOS_WS: ws, RAIZE_CHAOS_ORIGINS: JSON.stringify(origins) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.pipe(createWriteStream(join(runDir, 'logs', `worker${worker}-${generation}.log`)));
    const events = createWriteStream(join(runDir, 'logs', `worker${worker}-${generation}.events`));
    let buffer = '';
    let current: { index: number; action_id: string; at: number } | undefined;
    const watchdog = setInterval(() => {
      if (!current || Date.now() - current.at < hangMs || child.exitCode !== null || child.signalCode !== null) return;
      stats.hangs.push({ action_id: current.action_id, index: current.index, worker });
      current = undefined;
      child.kill('SIGKILL');
    }, 2000);
    child.stdout!.on('data', (chunk: Buffer) => {
      events.write(chunk);
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        let ev: { ev?: string; index?: number; action_id?: string; recovered?: string[]; released?: string[] };
        try { ev = JSON.parse(line); } catch { continue; }
        if (ev.ev === 'start' && ev.index !== undefined) {
          stats.started.add(ev.index);
          current = { index: ev.index, action_id: ev.action_id ?? '', at: Date.now() };
          const delay = pendingKills.get(ev.index);
          if (delay !== undefined) {
            pendingKills.delete(ev.index);
            setTimeout(() => {
              if (child.exitCode === null && child.signalCode === null) {
                stats.kills += 1;
                child.kill('SIGKILL');
              }
            }, delay);
          }
        }
        if (ev.ev === 'done') current = undefined;
        if (ev.ev === 'operator') stats.operator += 1;
        if (ev.ev === 'recovered') stats.recovered += (ev.recovered?.length ?? 0) + (ev.released?.length ?? 0);
        show();
      }
    });
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      events.end();
      if (code === 0) return done();
      if (signal !== 'SIGKILL') stats.crashes += 1;
      // A new runner takes the dead one's accounts over (recovery first).
      if (stats.crashes > 5) return done();
      void start(worker, generation + 1).then(done);
    });
  });
  await Promise.all(plan.partitions.map((_, w) => start(w, 0)));
  return stats;
}
