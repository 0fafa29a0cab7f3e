import { createHash } from 'node:crypto';
import { runAction, sleep as realSleep, type KernelDeps, type RunOutcome } from '../../safety/index.js';
import type { Action, Store } from '../../store/index.js';
import { humanGap, pacingFor, type PacingProfile, type PacingTable } from './pacing.js';

/** Why a runner stopped. */
export type RunnerExit = 'idle' | 'lease_lost' | 'stopping' | 'held' | 'quota';

export interface AccountRunnerOptions {
  accountId: string;
  /** The lease this runner holds (store.leases.acquire): renewed before every action and during waits. */
  lease: { owner_id: string; fence: number };
  leaseTtlMs: number;
  /** Human-like gaps between side effects; `off` for benchmarks and accelerated chaos. */
  pacing: PacingTable | 'off';
  /** Aborted on SIGTERM: the action under way finishes, nothing new starts. */
  signal?: AbortSignal;
  /** How many actions one runner takes before it exits and lets dispatch rotate accounts. @default 20 */
  maxActions?: number;
  /** Gaps longer than this end the runner (dispatch starts a new one when the time comes) instead of holding a slot. @default 60000 */
  maxWaitMs?: number;
  onEvent?: (event: RunnerEvent) => void;
}

export type RunnerEvent =
  | { ev: 'wait'; account: string; ms: number; action_id: string }
  | { ev: 'start'; account: string; action_id: string }
  | { ev: 'done'; account: string; action_id: string; status: RunOutcome['status']; reason?: string; started_at: string; ended_at: string }
  | { ev: 'exit'; account: string; why: RunnerExit; ran: number };

export interface RunnerReport {
  ran: number;
  exit: RunnerExit;
  /** A rate-limit signal met while running (dispatch reduces concurrency on it, §8.3). */
  rateLimited: boolean;
}

const RENEW_SLICE_MS = 5_000;

/** A deferral that holds the whole account (a platform's rate limit or announced hold). */
const accountHeld = (o: RunOutcome) => o.status === 'deferred' && /^(platform_hold|identity_unreadable: rate_limited)/.test(o.reason ?? '');
const RATE_LIMIT = /rate_limit|http_429|platform_hold: .*(limit|reset)/i;

/** Whether a run met a rate-limit signal of the platform: in its outcome, or in any step it audited (a 429 retried in passing counts). */
async function metRateLimit(kernel: KernelDeps, o: RunOutcome, since: string): Promise<boolean> {
  if (RATE_LIMIT.test(`${o.reason ?? ''} ${o.action.result.error_code ?? ''}`)) return true;
  const trail = await kernel.store.audit.forAction(o.action.action_id);
  return trail.some((r) => r.event.timestamp >= since && RATE_LIMIT.test(`${r.event.reason ?? ''} ${r.event.result.error_code ?? ''}`));
}

/**
 * One account's runner (issue 10): under the account's lease it takes the account's due actions
 * in order, one at a time — so two side effects on one account never overlap — waits a
 * human-like gap before each, and exits when nothing is due, its lease is lost, the farm is
 * stopping, the account is held, or it has done its share. Every action goes through the kernel.
 */
export async function runAccount(kernel: KernelDeps, options: AccountRunnerOptions): Promise<RunnerReport> {
  const { store } = kernel;
  const now = kernel.now ?? (() => new Date());
  const sleep = kernel.sleep ?? realSleep;
  const { accountId, lease, leaseTtlMs } = options;
  const maxActions = options.maxActions ?? 20;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const pacing = options.pacing === 'off' ? undefined : options.pacing;
  let ran = 0;
  let rateLimited = false;
  const renew = () => store.leases.renew(accountId, lease.owner_id, lease.fence, leaseTtlMs, now());
  const exit = async (why: RunnerExit): Promise<RunnerReport> => {
    if (why !== 'lease_lost') await store.leases.release(accountId, lease.owner_id, lease.fence);
    options.onEvent?.({ ev: 'exit', account: accountId, why, ran });
    return { ran, exit: why, rateLimited };
  };
  /** Waits `ms` in slices, renewing the lease; false when the lease was lost or the farm is stopping. */
  const wait = async (ms: number): Promise<RunnerExit | null> => {
    for (let left = ms; left > 0; left -= RENEW_SLICE_MS) {
      if (options.signal?.aborted) return 'stopping';
      try {
        await sleep(Math.min(left, RENEW_SLICE_MS), options.signal);
      } catch {
        return 'stopping';
      }
      if (!(await renew())) return 'lease_lost';
    }
    return null;
  };

  while (ran < maxActions) {
    if (options.signal?.aborted) return exit('stopping');
    if (!(await renew())) return exit('lease_lost');
    const [next] = await store.actions.dueFor(accountId, now(), 1);
    if (!next) return exit('idle');
    // An account degraded (or switched off) since dispatch keeps its work queued, held with the
    // reason dispatch shows, instead of each action being blocked at its preflight.
    if (!(await mayAct(store, next))) return exit('held');
    if (pacing) {
      const ms = await pacingWait(store, pacing, next, now());
      if (ms > maxWaitMs) return exit('idle');
      if (ms > 0) {
        options.onEvent?.({ ev: 'wait', account: accountId, ms, action_id: next.action_id });
        const stopped = await wait(ms);
        if (stopped) return exit(stopped);
      }
    }
    const started = now().toISOString();
    options.onEvent?.({ ev: 'start', account: accountId, action_id: next.action_id });
    // The lease is kept alive while the action runs (a browser episode can outlast the TTL):
    // otherwise another host could take the account and start a second side effect beside it.
    let leaseLost = false;
    const heartbeat = setInterval(() => {
      void renew().then((ok) => { if (!ok) leaseLost = true; }, () => undefined);
    }, Math.max(200, Math.min(RENEW_SLICE_MS, Math.floor(leaseTtlMs / 3))));
    let outcome: RunOutcome;
    try {
      outcome = await runAction(kernel, next.action_id);
    } finally {
      clearInterval(heartbeat);
    }
    ran += 1;
    options.onEvent?.({ ev: 'done', account: accountId, action_id: next.action_id, status: outcome.status, ...(outcome.reason ? { reason: outcome.reason } : {}), started_at: started, ended_at: now().toISOString() });
    if (await metRateLimit(kernel, outcome, started)) rateLimited = true;
    if (accountHeld(outcome)) return exit('held');
    if (leaseLost) return exit('lease_lost');
  }
  return exit('quota');
}

/** The account's gap after its side effect at `lastAt` (ms): random-looking, but the same for every runner that asks. */
export function accountGap(profile: PacingProfile, accountId: string, lastAt: number): number {
  return humanGap(profile, seededRandom(`${accountId}|${lastAt}`));
}

/** A random source drawn from `seed` (sha256 of seed and a counter): the same seed, the same draws. */
function seededRandom(seed: string): () => number {
  let i = 0;
  return () => createHash('sha256').update(`${seed}|${i++}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** Whether the action's account is active and no kill switch covers it now. */
async function mayAct(store: Store, next: Action): Promise<boolean> {
  const account = await store.accounts.get(next.platform_account_id);
  if (!account || account.state !== 'active') return false;
  return !(await store.killSwitches.engagedFor({ client_id: next.client_id, platform_account_id: next.platform_account_id }));
}

/** When the account's last side effect was reserved (its budget use), if within the day. */
async function lastSideEffect(store: Store, accountId: string, at: Date): Promise<number | undefined> {
  const uses = await store.budgets.uses(accountId, new Date(at.getTime() - 86_400_000), new Date(at.getTime() + 1));
  const last = uses.at(-1);
  return last ? Date.parse(last.at) : undefined;
}

/**
 * How long the account must still wait before `next` (ms, ≤ 0 when it may go now). The gap is
 * drawn from the account and its last side effect, so every runner (this one after a restart,
 * another host's) and every dispatch pass waits the same gap: redrawing at each would pace to
 * the shortest of many draws.
 */
export async function pacingWait(store: Store, pacing: PacingTable, next: Pick<Action, 'platform_account_id' | 'platform' | 'action_type'>, at: Date): Promise<number> {
  const last = await lastSideEffect(store, next.platform_account_id, at);
  if (last === undefined) return 0;
  return last + accountGap(pacingFor(pacing, next.platform, next.action_type), next.platform_account_id, last) - at.getTime();
}
