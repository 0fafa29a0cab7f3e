import type { Platform, RunnerLease, Store } from '../../store/index.js';
import { pacingWait } from './account-runner.js';
import type { ConcurrencyGovernor } from './concurrency.js';
import type { PacingTable } from './pacing.js';

export interface DispatchInput {
  store: Store;
  /** This host's owner id: the leases it takes are in its name. */
  ownerId: string;
  governor: Pick<ConcurrencyGovernor, 'max' | 'limit'>;
  /** The runners this host has now, by account. */
  running: ReadonlyMap<string, { platform: Platform }>;
  leaseTtlMs: number;
  now: Date;
  /** With pacing, an account whose next side effect is further away than `maxWaitMs` gets no runner yet. */
  pacing?: PacingTable | 'off';
  /** The longest pacing gap a runner waits out holding a slot (AccountRunnerOptions.maxWaitMs). @default 60000 */
  maxWaitMs?: number;
}

const DEFAULT_MAX_WAIT_MS = 60_000;
/** Accounts with due work read per pass, at least. */
const DUE_SCAN = 500;

/** Why an account with due work got no runner on this pass (shown as "held" with its reason). */
export type DispatchSkip = { account: string; why: 'account_state' | 'kill_switch' | 'platform_concurrency' | 'leased_elsewhere' | 'pacing'; detail: string };

export interface DispatchResult {
  /** Leases taken: start one runner for each. */
  claimed: (RunnerLease & { platform: Platform })[];
  skipped: DispatchSkip[];
}

/**
 * One dispatch pass (issue 10): claims the leases of accounts with due work, earliest first,
 * within this host's free slots and each platform's current limit. An account that cannot run
 * (degraded, killed) keeps its due actions queued and visible with the reason; an account
 * another host holds is left to it. Safe to run on every host at once: a lease is one atomic
 * claim in the store.
 */
export async function dispatchOnce(input: DispatchInput): Promise<DispatchResult> {
  const { store, governor, running, now } = input;
  const claimed: DispatchResult['claimed'] = [];
  const skipped: DispatchSkip[] = [];
  let free = governor.max - running.size;
  if (free <= 0) return { claimed, skipped };
  const perPlatform = new Map<Platform, number>();
  for (const r of running.values()) perPlatform.set(r.platform, (perPlatform.get(r.platform) ?? 0) + 1);
  // Enough accounts to fill the free slots past those skipped (pacing, held, another host's).
  const due = await store.actions.dueAccounts(now, Math.max(DUE_SCAN, free * 4 + running.size));
  for (const { platform_account_id: accountId, platform } of due) {
    if (free <= 0) break;
    if (running.has(accountId)) continue;
    const account = await store.accounts.get(accountId);
    if (!account) continue;
    if (account.state !== 'active') {
      skipped.push({ account: accountId, why: 'account_state', detail: `account is ${account.state}${account.state_reason ? `: ${account.state_reason}` : ''}` });
      continue;
    }
    const kill = await store.killSwitches.engagedFor({ client_id: account.client_id, platform_account_id: accountId });
    if (kill) {
      skipped.push({ account: accountId, why: 'kill_switch', detail: `${kill.scope} kill switch engaged by ${kill.set_by}${kill.reason ? `: ${kill.reason}` : ''}` });
      continue;
    }
    const limit = governor.limit(platform, now.getTime());
    if ((perPlatform.get(platform) ?? 0) >= limit) {
      skipped.push({ account: accountId, why: 'platform_concurrency', detail: `${platform} runs at most ${limit} runner(s) now (rate-limit signals)` });
      continue;
    }
    if (input.pacing && input.pacing !== 'off') {
      // Claiming an account only for its runner to see a long gap and exit would churn a lease
      // (and a slot) every pass until the gap ends: wait here instead.
      const [next] = await store.actions.dueFor(accountId, now, 1);
      const ms = next ? await pacingWait(store, input.pacing, next, now) : 0;
      if (ms > (input.maxWaitMs ?? DEFAULT_MAX_WAIT_MS)) {
        skipped.push({ account: accountId, why: 'pacing', detail: `next side effect not before ${new Date(now.getTime() + ms).toISOString()}` });
        continue;
      }
    }
    const lease = await store.leases.acquire(accountId, input.ownerId, input.leaseTtlMs, now);
    if (!lease) {
      skipped.push({ account: accountId, why: 'leased_elsewhere', detail: 'another runner holds this account' });
      continue;
    }
    claimed.push({ ...lease, platform });
    perPlatform.set(platform, (perPlatform.get(platform) ?? 0) + 1);
    free -= 1;
  }
  return { claimed, skipped };
}
