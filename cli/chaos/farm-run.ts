import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Services } from '../../runners/index.js';
import { sleep, submitAction, succeeded, type Action } from '../../safety/index.js';
import type { ChaosBrowserServers } from './browser-servers.js';
import type { ChaosAccount, Plan, PlanItem } from './schedule.js';

const FARM_CHILD = join(dirname(fileURLToPath(import.meta.url)), 'farm-child.ts');
/** Spacing of the items' due times: the schedule spreads over the run instead of all due at once. */
const DUE_SPACING_MS = 400;
/** A deferral further away than this is left queued at the end, as a farm would leave it for later. */
const LEFT_DEFERRED_MS = 20_000;
/** Farm processes that exit by themselves (not killed by the harness) before the run gives up. */
const MAX_CRASHES = 5;
const TERMINAL = new Set(['postcheck_complete', 'blocked', 'confirmed_failed']);

export interface FarmRunStats {
  kills: number;
  /** Farm processes SIGSTOPped and later SIGCONTed (several hosts only). */
  pauses: number;
  crashes: number;
  /** True when more than MAX_CRASHES farm processes crashed and the run stopped following its plan. */
  gave_up: boolean;
  operator: number;
  recovered: number;
  started: number;
  /** Remote browser servers SIGKILLed (and started again) mid-run (several hosts only). */
  browser_server_kills: number;
  /** Farm processes that did not exit 0 on the final SIGTERM. */
  unclean_stops: number;
  left_deferred: number;
  skipped: number;
}

export interface FarmRunInput {
  plan: Plan;
  services: Services;
  env: NodeJS.ProcessEnv;
  /** The parent's browser server; unused when `browserServers` is given. */
  ws: string;
  /** Remote browser servers the farm processes share (RAIZE_BROWSER_ENDPOINTS); one is killed once mid-run. */
  browserServers?: ChaosBrowserServers;
  origins: { instagram: string; x: string };
  runDir: string;
  hosts: number;
  kill: boolean;
  clear: (a: ChaosAccount) => Promise<unknown>;
  progress: (line: string) => void;
}

/**
 * A planned delete waits for its post: submitted once the publish succeeded with a link to the
 * post, skipped when it never will be, else left to wait. `publish` is the latest action of the
 * publish's episode (undefined: none submitted).
 */
export function followDelete(publish: Action | undefined): 'submit' | 'skip' | 'wait' {
  if (publish && succeeded(publish) && (publish.result.permalink ?? publish.result.platform_object_id)) return 'submit';
  if (!publish) return 'skip';
  // Ended without success, other than released by recovery (the farm queues that one again).
  if (TERMINAL.has(publish.state) && !succeeded(publish) && publish.result.error_code !== 'interrupted') return 'skip';
  // Released too often to be queued again: a person's to decide, not the run's to wait for.
  if (publish.result.requeue_exhausted === true) return 'skip';
  // A publish left unknown and escalated is a person's to settle: its delete waits for them,
  // not for the run (the farm looks no more; the run would otherwise idle to its deadline).
  if (publish.state === 'unknown' && publish.escalated_at !== null) return 'skip';
  return 'wait';
}

/**
 * `raize chaos --farm`: the plan's actions are scheduled in the store (due times spread over the
 * run; a delete once the post it deletes is live) and run by farm processes — the product's
 * serveFarm — that this harness SIGKILLs at the plan's kill points (a kill point is the n-th
 * action any farm starts, plus a delay) and starts again. Ends with SIGTERM, which each farm
 * must answer by finishing its actions and exiting 0.
 */
export async function runFarm(input: FarmRunInput): Promise<FarmRunStats> {
  const { plan, services, hosts } = input;
  const { store } = services;
  const stats: FarmRunStats = { kills: 0, pauses: 0, crashes: 0, gave_up: false, operator: 0, recovered: 0, started: 0, browser_server_kills: 0, unclean_stops: 0, left_deferred: 0, skipped: 0 };
  const accounts = new Map(plan.accounts.map((a) => [a.id, a]));
  const episodeOf = (index: number) => `${plan.run_id}-${index}`;
  const latest = async (index: number): Promise<Action | undefined> =>
    (await store.actions.list({ episode_id: episodeOf(index) })).sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1);
  const start = Date.now();

  const submit = async (item: PlanItem, dueAt?: Date): Promise<Action | undefined> => {
    let payload = item.payload;
    let depends_on: string | undefined;
    if (item.action_type === 'delete') {
      const publish = await latest(item.delete_of!);
      payload = { target: publish!.result.permalink ?? publish!.result.platform_object_id };
      depends_on = publish!.action_id;
    }
    const a = accounts.get(item.account)!;
    return submitAction(store, {
      client_id: a.client_id, platform_account_id: a.id, lane: item.lane ?? 'browser', action_type: item.action_type, payload: payload!,
      episode_id: episodeOf(item.index), created_by: `chaos:${plan.run_id}`,
      ...(item.idempotency_key ? { idempotency_key: item.idempotency_key } : {}), ...(depends_on ? { depends_on } : {}),
      ...(dueAt ? { due_at: dueAt.toISOString() } : {}),
    });
  };

  // The schedule: everything but the deletes, due over the run's first minutes.
  for (const item of plan.items) {
    if (item.action_type !== 'delete') await submit(item, new Date(start + item.index * DUE_SPACING_MS));
  }

  // The farm processes, each killed at the plan's points and started again. With several hosts,
  // every other point freezes its process instead (SIGSTOP) for longer than its lease and its
  // heartbeat bound, then wakes it (SIGCONT): the others take its accounts and its actions over,
  // and everything it writes once awake must be refused (fencing).
  const kills = new Map((input.kill ? plan.kills : []).map((k, i) => [k.index, { delay_ms: k.delay_ms, pause_ms: hosts > 1 && i % 2 === 1 ? 6000 + (k.delay_ms * 7) % 4000 : 0 }]));
  const processes = new Map<number, ChildProcess>();
  let stopping = false;
  // Remote browser servers: one of them is SIGKILLed once, while a third of the plan's actions
  // have started, and comes back on the same port; its in-flight episodes must end unknown →
  // verified, never blindly retried.
  const browsers = input.browserServers ? { RAIZE_BROWSER_ENDPOINTS: input.browserServers.endpoints } : { RAIZE_CHAOS_WS: input.ws };
  const serverKillAt = input.browserServers && input.kill ? Math.max(1, Math.floor(plan.items.length / 3)) : -1;
  let serverKill: Promise<void> | undefined;
  const launch = (host: number, generation: number): void => {
    // Several hosts: each its own host id, so they judge each other by heartbeat alone, as hosts on
    // different machines do (a frozen one is then taken over), with leases and bounds to match.
    const several = hosts > 1 ? { RAIZE_HOST_ID: `chaos-host-${host}`, RAIZE_FOREIGN_OWNER_STALE_MS: '2000', RAIZE_FARM_LEASE_TTL_MS: '3000' } : {};
    const child = spawn(process.execPath, ['--import', 'tsx', FARM_CHILD, String(host)], {
      env: { ...input.env, ...several, ...browsers, RAIZE_CHAOS_ORIGINS: JSON.stringify(input.origins) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    processes.set(host, child);
    child.stderr!.pipe(createWriteStream(join(input.runDir, 'logs', `farm${host}-${generation}.log`)));
    const events = createWriteStream(join(input.runDir, 'logs', `farm${host}-${generation}.events`));
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      events.write(chunk);
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        let ev: { ev?: string };
        try { ev = JSON.parse(line); } catch { continue; }
        if (ev.ev !== 'start') continue;
        if (stats.started === serverKillAt && !serverKill) {
          stats.browser_server_kills += 1;
          serverKill = input.browserServers!.kill(plan.seed).catch((error: unknown) => input.progress(`browser server restart failed: ${String(error)}`));
        }
        const point = kills.get(stats.started);
        stats.started += 1;
        if (point === undefined) continue;
        kills.delete(stats.started - 1);
        setTimeout(() => {
          if (stopping || child.exitCode !== null || child.signalCode !== null) return;
          if (point.pause_ms === 0) {
            stats.kills += 1;
            child.kill('SIGKILL');
            return;
          }
          stats.pauses += 1;
          child.kill('SIGSTOP');
          setTimeout(() => { if (child.exitCode === null) child.kill('SIGCONT'); }, point.pause_ms);
        }, point.delay_ms);
      }
    });
    child.on('exit', (code, signal) => {
      events.end();
      if (stopping) return;
      if (signal !== 'SIGKILL') stats.crashes += 1;
      // Another farm process takes over (its sweep recovers what this one left mid-action).
      if (stats.crashes <= MAX_CRASHES) setTimeout(() => launch(host, generation + 1), 500);
    });
  };
  for (let h = 0; h < hosts; h += 1) launch(h, 0);

  // Until every item has ended (or is left deferred): follow-ups, the operator, progress.
  const done = new Set<number>();
  const deadline = start + Math.max(10 * 60_000, plan.items.length * 30_000);
  let lastClear = 0;
  while (Date.now() < deadline) {
    // Past the crash limit no farm is started again: the run ends now, failed by its crash count,
    // instead of idling to its deadline with nobody left to run the work.
    if (stats.crashes > MAX_CRASHES) {
      input.progress(`${stats.crashes} farm crashes: giving up (see the farm logs)`);
      stats.gave_up = true;
      break;
    }
    let open = 0;
    for (const item of plan.items) {
      if (done.has(item.index)) continue;
      const action = await latest(item.index);
      if (!action) {
        // A delete waits for its post: submitted once the publish succeeded, skipped if it never will.
        const next = followDelete(await latest(item.delete_of!));
        if (next === 'submit') await submit(item);
        else if (next === 'skip') {
          done.add(item.index);
          stats.skipped += 1;
          continue;
        }
        open += 1;
        continue;
      }
      // Released by recovery before any attempt (its farm died): the farm's recovery queues it again
      // itself (safety/requeue.ts), and the latest action of the episode is then the new one.
      if (TERMINAL.has(action.state) || action.state === 'unknown') {
        done.add(item.index);
        continue;
      }
      const waitUntil = Math.max(Date.parse(action.not_before ?? '') || 0, Date.parse(action.due_at ?? '') || 0);
      if (action.state === 'queued' && waitUntil - Date.now() > LEFT_DEFERRED_MS && Date.now() > start + plan.items.length * DUE_SPACING_MS) {
        done.add(item.index);
        stats.left_deferred += 1;
        continue;
      }
      open += 1;
    }
    input.progress(`${done.size}/${plan.items.length} ended · ${stats.started} started · ${stats.kills} farm kills · ${stats.operator} operator clears`);
    if (open === 0) break;
    // The operator (as the farm's humans would): accounts left degraded are checked and logged in again.
    if (Date.now() - lastClear > 5000) {
      for (const a of plan.accounts) if (await input.clear(a)) stats.operator += 1;
      lastClear = Date.now();
    }
    await sleep(1000);
  }

  // What the farms' own recovery took over from killed ones (blocked before an attempt, or verified after one).
  for (const a of plan.accounts) {
    for (const action of await store.actions.list({ platform_account_id: a.id })) {
      if (action.result.error_code === 'interrupted' || (await store.audit.forAction(action.action_id)).some((r) => (r.event.reason ?? '').startsWith('recovery:'))) stats.recovered += 1;
    }
  }
  await serverKill;
  // SIGTERM: each farm finishes what it runs and exits 0 (a frozen one is woken first).
  stopping = true;
  for (const child of processes.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
  await Promise.all([...processes.values()].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', (code) => {
      if (code !== 0) stats.unclean_stops += 1;
      resolve();
    });
    child.kill('SIGTERM');
  })));
  return stats;
}
