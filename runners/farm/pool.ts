import type { KernelDeps } from '../../safety/index.js';
import type { Platform, RunnerLease } from '../../store/index.js';
import { runAccount, type RunnerEvent, type RunnerReport } from './account-runner.js';
import { ConcurrencyGovernor } from './concurrency.js';
import { dispatchOnce, type DispatchResult } from './dispatch.js';
import type { PacingTable } from './pacing.js';

export interface RunnerPoolOptions {
  /** Runners at once on this host. */
  concurrency: number;
  leaseTtlMs: number;
  pacing: PacingTable | 'off';
  /** Owner id of this host's leases. @default the kernel's owner id */
  ownerId?: string;
  governor?: ConcurrencyGovernor;
  maxActionsPerRunner?: number;
  onEvent?: (event: RunnerEvent | { ev: 'runner_error'; account: string; error: string } | { ev: 'rate_limit'; platform: Platform; limit: number }) => void;
}

/**
 * This host's runners: at most one per account (its lease), at most `concurrency` at once,
 * fewer on a platform that signalled rate limits. `tick()` is one dispatch pass; `stop()` is
 * SIGTERM: nothing new starts, the actions under way finish within the grace period.
 */
export class RunnerPool {
  readonly governor: ConcurrencyGovernor;
  private readonly runners = new Map<string, { platform: Platform; done: Promise<RunnerReport | undefined> }>();
  private readonly stopping = new AbortController();
  private readonly ownerId: string;

  constructor(private readonly kernel: KernelDeps, private readonly options: RunnerPoolOptions) {
    this.governor = options.governor ?? new ConcurrencyGovernor({ max: options.concurrency });
    this.ownerId = options.ownerId ?? kernel.ownerId;
  }

  get running(): ReadonlyMap<string, { platform: Platform }> {
    return this.runners;
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private now(): Date {
    return this.kernel.now?.() ?? new Date();
  }

  /** One dispatch pass: claims due accounts' leases and starts their runners. */
  async tick(): Promise<DispatchResult> {
    if (this.stopped) return { claimed: [], skipped: [] };
    const result = await dispatchOnce({
      store: this.kernel.store, ownerId: this.ownerId, governor: this.governor, running: this.runners,
      leaseTtlMs: this.options.leaseTtlMs, now: this.now(), pacing: this.options.pacing,
    });
    for (const lease of result.claimed) this.start(lease);
    return result;
  }

  /** Starts the runner of a lease this host holds (taken by its own dispatch pass or a dispatch job). */
  start(lease: RunnerLease & { platform: Platform }): void {
    if (this.runners.has(lease.platform_account_id) || this.stopped) return;
    const account = lease.platform_account_id;
    const done = runAccount(this.kernel, {
      accountId: account, lease, leaseTtlMs: this.options.leaseTtlMs, pacing: this.options.pacing, signal: this.stopping.signal,
      ...(this.options.maxActionsPerRunner ? { maxActions: this.options.maxActionsPerRunner } : {}),
      ...(this.options.onEvent ? { onEvent: this.options.onEvent } : {}),
    }).then((report) => {
      if (report.rateLimited) {
        const limit = this.governor.onRateLimit(lease.platform, this.now().getTime());
        this.options.onEvent?.({ ev: 'rate_limit', platform: lease.platform, limit });
      }
      return report;
    }, (error: unknown) => {
      // The lease is left to expire: what the runner was doing is recovery's to settle.
      this.options.onEvent?.({ ev: 'runner_error', account, error: (error as Error).message.split('\n')[0]! });
      return undefined;
    }).finally(() => this.runners.delete(account));
    this.runners.set(account, { platform: lease.platform, done });
  }

  /** Resolves when every runner started so far has ended. */
  async idle(): Promise<void> {
    while (this.runners.size > 0) await Promise.all([...this.runners.values()].map((r) => r.done));
  }

  /**
   * SIGTERM: nothing new starts; each runner finishes the action under way (the kernel's own
   * deadline bounds it) and exits. True when all ended within `graceMs`.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.stopping.abort(new Error('the farm is stopping'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); });
    const ended = await Promise.race([this.idle().then(() => true as const), timeout]);
    clearTimeout(timer);
    return ended;
  }
}
