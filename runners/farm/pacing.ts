import { z } from 'zod';
import type { ActionType, Budget, Platform } from '../../store/index.js';

/**
 * Human-like pacing between one account's side effects (spec 000 §8.2): the gap before each is
 * drawn from a skewed distribution within bounds (mostly short, a long tail, never a fixed
 * period a platform could fingerprint), and now and then a longer break, as a person who
 * stepped away. The hard limits (hourly/daily caps, minimum spacing) are budgets the store
 * enforces atomically; pacing only spreads the work out within them.
 */
export interface PacingProfile {
  /** Bounds of the usual gap before a side effect, measured from the account's previous one. */
  minGapMs: number;
  maxGapMs: number;
  /** Chance that a gap is a longer break instead. */
  breakChance: number;
  breakMs: readonly [number, number];
}

export type PacingTable = Record<Platform, Partial<Record<ActionType | '*', PacingProfile>>>;

/** A pacing table as it crosses a boundary (a job thread's data, a config file). */
export const PacingTableSchema = z.record(z.string(), z.record(z.string(), z.object({
  minGapMs: z.number().nonnegative(), maxGapMs: z.number().nonnegative(), breakChance: z.number().min(0).max(1),
  breakMs: z.tuple([z.number().nonnegative(), z.number().nonnegative()]),
}).refine((p) => p.maxGapMs >= p.minGapMs, { message: 'maxGapMs must be at least minGapMs' })));

const S = 1000;
const MIN = 60 * S;

/**
 * Defaults per platform and action type (documented in the README's pacing table). Engagement
 * is spaced like a person scrolling; publishing like a social-media manager's day.
 */
export const DEFAULT_PACING: PacingTable = {
  instagram: {
    publish: { minGapMs: 10 * MIN, maxGapMs: 40 * MIN, breakChance: 0.1, breakMs: [60 * MIN, 180 * MIN] },
    like: { minGapMs: 40 * S, maxGapMs: 4 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 40 * MIN] },
    follow: { minGapMs: 90 * S, maxGapMs: 8 * MIN, breakChance: 0.1, breakMs: [15 * MIN, 60 * MIN] },
    comment_reply: { minGapMs: 60 * S, maxGapMs: 6 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 40 * MIN] },
    dm_send: { minGapMs: 45 * S, maxGapMs: 5 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 40 * MIN] },
    '*': { minGapMs: 60 * S, maxGapMs: 5 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 40 * MIN] },
  },
  x: {
    publish: { minGapMs: 5 * MIN, maxGapMs: 25 * MIN, breakChance: 0.1, breakMs: [45 * MIN, 120 * MIN] },
    like: { minGapMs: 20 * S, maxGapMs: 3 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 30 * MIN] },
    follow: { minGapMs: 60 * S, maxGapMs: 6 * MIN, breakChance: 0.1, breakMs: [15 * MIN, 45 * MIN] },
    comment_reply: { minGapMs: 45 * S, maxGapMs: 5 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 30 * MIN] },
    dm_send: { minGapMs: 40 * S, maxGapMs: 4 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 30 * MIN] },
    '*': { minGapMs: 45 * S, maxGapMs: 4 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 30 * MIN] },
  },
  facebook: {}, tiktok: {}, youtube: {}, linkedin: {}, skool: {},
};

/** Used for a platform or action type the table does not name. */
export const FALLBACK_PACING: PacingProfile = { minGapMs: 60 * S, maxGapMs: 5 * MIN, breakChance: 0.08, breakMs: [10 * MIN, 40 * MIN] };

export function pacingFor(table: PacingTable, platform: Platform, actionType: ActionType): PacingProfile {
  const byType = table[platform] ?? {};
  return byType[actionType] ?? byType['*'] ?? FALLBACK_PACING;
}

/**
 * The gap before the next side effect: log-uniform between the bounds (as many short gaps as
 * long ones per doubling: mostly brief, with a tail), or a break.
 */
export function humanGap(profile: PacingProfile, random: () => number = Math.random): number {
  if (random() < profile.breakChance) {
    const [lo, hi] = profile.breakMs;
    return Math.round(lo + (hi - lo) * random());
  }
  const lo = Math.max(1, profile.minGapMs);
  const hi = Math.max(lo, profile.maxGapMs);
  return Math.round(lo * Math.pow(hi / lo, random()));
}

/**
 * Default caps per platform and action type (spec 000 §8.1), installed as an account's budgets
 * when it has none: conservative figures of the kind agencies keep to, well under what the
 * platforms tolerate, so pacing rather than a platform's limiter decides the rhythm.
 */
export const DEFAULT_CAPS: Record<'instagram' | 'x', Partial<Record<ActionType, { per_hour: number; per_day: number; min_spacing_ms: number }>>> = {
  instagram: {
    publish: { per_hour: 3, per_day: 25, min_spacing_ms: 5 * MIN },
    like: { per_hour: 40, per_day: 300, min_spacing_ms: 15 * S },
    follow: { per_hour: 15, per_day: 100, min_spacing_ms: 30 * S },
    comment_reply: { per_hour: 20, per_day: 150, min_spacing_ms: 20 * S },
    dm_send: { per_hour: 30, per_day: 200, min_spacing_ms: 20 * S },
    delete: { per_hour: 10, per_day: 50, min_spacing_ms: 30 * S },
  },
  x: {
    publish: { per_hour: 10, per_day: 100, min_spacing_ms: 2 * MIN },
    like: { per_hour: 60, per_day: 500, min_spacing_ms: 10 * S },
    follow: { per_hour: 20, per_day: 200, min_spacing_ms: 30 * S },
    comment_reply: { per_hour: 30, per_day: 300, min_spacing_ms: 15 * S },
    dm_send: { per_hour: 40, per_day: 300, min_spacing_ms: 15 * S },
    delete: { per_hour: 20, per_day: 100, min_spacing_ms: 20 * S },
  },
};

/** The default budgets of an account on `platform` (none for a platform without defaults). */
export function defaultBudgets(accountId: string, platform: Platform): Budget[] {
  const caps = platform === 'instagram' || platform === 'x' ? DEFAULT_CAPS[platform] : {};
  return Object.entries(caps).map(([actionType, c]) => ({ platform_account_id: accountId, action_type: actionType as ActionType, ...c }));
}
