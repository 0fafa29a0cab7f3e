// One chaos runner process: `node --import tsx cli/chaos/child.ts <plan.json> <worker>`.
// It runs the plan's items of its accounts through the kernel on their lane (one action
// at a time, so one runner per account), after letting recoverInterrupted take over whatever a
// killed predecessor left. It reports on stdout, one JSON line per event; the parent may
// SIGKILL it at any moment.
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../../config/index.js';
import { createServices, launchBrowserProvider, registerApiLanes } from '../../runners/index.js';
import { recoverInterrupted, runAction, sleep, submitAction, succeeded, type Action } from '../../safety/index.js';
import { createBrowserLane } from '../demo.js';
import { operatorClear } from './operator.js';
import type { Plan, PlanItem } from './schedule.js';

const [planFile, workerArg] = process.argv.slice(2) as [string, string];
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
const worker = Number(workerArg);
const mine = new Set(plan.partitions[worker]);
const accounts = new Map(plan.accounts.map((a) => [a.id, a]));
const origins = JSON.parse(process.env.RAIZE_CHAOS_ORIGINS ?? '{}') as { instagram: string; x: string };
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ worker, ...event })}\n`);

// The parent owns the sandbox and the browser: without it this runner has nothing to do.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1000).unref();
process.stdout.on('error', () => process.exit(1));

const config = resolveConfig();
const services = createServices(config, { log: { destination: process.stderr } });
const { store, kernel } = services;
const provider = await launchBrowserProvider(config, { wsEndpoint: process.env.RAIZE_CHAOS_WS! });
const lane = createBrowserLane(services, provider, origins);
// The API lane (and hybrid) of both platforms, for the items the plan put there.
const apiLanes = registerApiLanes(services, { baseUrls: origins });
const episodeOf = (index: number) => `${plan.run_id}-${index}`;
const latest = async (index: number): Promise<Action | undefined> =>
  (await store.actions.list({ episode_id: episodeOf(index) })).sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1);

/** Takes over what a killed predecessor left, once its heartbeat is stale (the kernel's rule). */
async function recoverMine(): Promise<void> {
  const until = Date.now() + config.ownerStaleMs * 4 + 10_000;
  for (;;) {
    const report = await recoverInterrupted(kernel);
    if (report.recovered.length + report.released.length > 0) emit({ ev: 'recovered', recovered: report.recovered, released: report.released, resolved: report.resolved });
    const running = (await Promise.all((['attempted', 'identity_verified', 'preflight_passed'] as const).map((state) => store.actions.list({ state })))).flat();
    if (!running.some((a) => mine.has(a.platform_account_id) && a.owner_id !== kernel.ownerId) || Date.now() > until) return;
    await sleep(300);
  }
}

/** The operator stand-in (operator.ts): a degraded account is logged in again and made active. */
async function operator(accountId: string): Promise<void> {
  const cleared = await operatorClear(services, provider, origins, accounts.get(accountId)!);
  if (cleared?.login_failed) emit({ ev: 'operator_login_failed', account: accountId, error: cleared.login_failed });
  if (cleared) emit({ ev: 'operator', account: accountId, was: cleared.was, reason: cleared.reason });
}

async function submit(item: PlanItem): Promise<Action | undefined> {
  let payload = item.payload;
  let depends_on: string | undefined;
  if (item.action_type === 'delete') {
    const publish = await latest(item.delete_of!);
    if (!publish || !succeeded(publish) || !(publish.result.permalink ?? publish.result.platform_object_id)) return undefined;
    payload = { target: publish.result.permalink ?? publish.result.platform_object_id };
    depends_on = publish.action_id;
  }
  const a = accounts.get(item.account)!;
  return submitAction(store, {
    client_id: a.client_id, platform_account_id: a.id, lane: item.lane ?? 'browser', action_type: item.action_type, payload: payload!,
    episode_id: episodeOf(item.index), created_by: `chaos:${plan.run_id}`,
    ...(item.idempotency_key ? { idempotency_key: item.idempotency_key } : {}), ...(depends_on ? { depends_on } : {}),
  });
}

/** Runs one item; returns when it may be tried again (deferred), or undefined when it is done. */
async function runItem(item: PlanItem): Promise<number | undefined> {
  let action = await latest(item.index);
  if (!action) {
    action = await submit(item);
    if (!action) return void emit({ ev: 'skipped', index: item.index, why: 'the publish to delete did not succeed' });
  }
  // Recovery released it before any attempt (its runner died) and queued it again itself
  // (safety/requeue.ts): the latest action of the episode is the new one.
  if (action.state !== 'queued') return undefined;
  emit({ ev: 'start', index: item.index, action_id: action.action_id });
  let status = 'error';
  let retryAt: number | undefined;
  try {
    const outcome = await runAction(kernel, action.action_id);
    status = outcome.status;
    if (outcome.status === 'deferred') retryAt = outcome.retry_at ? Date.parse(outcome.retry_at) : Date.now() + 2000;
    emit({ ev: 'done', index: item.index, status, reason: outcome.reason?.slice(0, 200) });
  } catch (error) {
    emit({ ev: 'done', index: item.index, status, reason: (error as Error).message.split('\n')[0] });
  } finally {
    await lane.performer.dispose(action.action_id);
  }
  await operator(item.account);
  return retryAt;
}

emit({ ev: 'ready', owner: kernel.ownerId, pid: process.pid });
await recoverMine();
for (const id of mine) await operator(id);
const deferred: { item: PlanItem; at: number; n: number }[] = [];
for (const item of plan.items.filter((i) => mine.has(i.account))) {
  const at = await runItem(item);
  if (at !== undefined) deferred.push({ item, at, n: 1 });
}
// Deferred items (budget spacing, a dependency still settling) come back when due, a few times at most.
while (deferred.length > 0) {
  deferred.sort((a, b) => a.at - b.at);
  const next = deferred.shift()!;
  if (next.at - Date.now() > 20_000 || next.n > 6) {
    emit({ ev: 'left_deferred', index: next.item.index });
    continue;
  }
  await sleep(Math.max(0, next.at - Date.now()));
  const at = await runItem(next.item);
  if (at !== undefined) deferred.push({ item: next.item, at, n: next.n + 1 });
}
emit({ ev: 'end' });
await apiLanes.close();
await lane.close();
await services.close();
process.exit(0);
