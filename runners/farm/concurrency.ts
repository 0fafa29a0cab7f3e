import { availableParallelism, freemem } from 'node:os';
import type { Platform } from '../../store/index.js';

/** Memory one browser context of a runner costs, roughly (Chromium renderer + Playwright client). */
export const CONTEXT_COST_BYTES = 150 * 1024 * 1024;

/** 3 runners per core (they mostly wait on pages and pacing), within half the free memory. */
export function defaultFarmConcurrency(cores = availableParallelism(), free = freemem()): number {
  return Math.max(1, Math.min(cores * 3, Math.floor((free / 2) / CONTEXT_COST_BYTES)));
}

export interface GovernorOptions {
  /** The bound (RAIZE_FARM_CONCURRENCY or the machine's default). */
  max: number;
  /** A quiet period after which one more runner per platform is allowed again. @default 120000 */
  restoreEveryMs?: number;
}

/**
 * Concurrency per platform under a rate-limit signal (spec 000 §8.3 "reduce concurrency"):
 * halved at each signal (never below 1), restored one runner at a time after each quiet
 * period — multiplicative decrease, additive increase, so a platform that pushes back sees
 * the farm back off at once and return slowly, never thrash.
 */
export class ConcurrencyGovernor {
  private readonly limits = new Map<Platform, { limit: number; since: number }>();
  private readonly restoreEveryMs: number;

  constructor(private readonly options: GovernorOptions) {
    this.restoreEveryMs = options.restoreEveryMs ?? 120_000;
  }

  get max(): number {
    return this.options.max;
  }

  /** How many runners `platform` may have at `now`. */
  limit(platform: Platform, now: number): number {
    const state = this.limits.get(platform);
    if (!state) return this.options.max;
    const restored = Math.floor((now - state.since) / this.restoreEveryMs);
    const limit = Math.min(this.options.max, state.limit + Math.max(0, restored));
    if (limit >= this.options.max) this.limits.delete(platform);
    return limit;
  }

  /** A rate-limit signal from `platform`: halve what it may run, from what it may run now. */
  onRateLimit(platform: Platform, now: number): number {
    const limit = Math.max(1, Math.floor(this.limit(platform, now) / 2));
    this.limits.set(platform, { limit, since: now });
    return limit;
  }
}
