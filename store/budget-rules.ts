import type { Budget } from './records.js';
import type { Reservation } from './ports.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How far back a reservation has to look: the longest window a budget has. */
export const BUDGET_LOOKBACK_MS = DAY;

/**
 * One budget's verdict on one more use at `now`, given the times (ms, ascending) of the uses it
 * counts in the last day. Every adapter decides with this one function; only how the uses are
 * read, and how the read is kept race-free, is theirs.
 */
export function budgetVerdict(budget: Budget, inDay: readonly number[], now: number): Reservation {
  if (budget.min_spacing_ms > 0 && inDay.length > 0) {
    const next = inDay[inDay.length - 1]! + budget.min_spacing_ms;
    if (next > now) return { ok: false, rule: 'min_spacing', retry_at: new Date(next).toISOString() };
  }
  if (budget.per_hour !== null) {
    const inHour = inDay.filter((t) => t > now - HOUR);
    if (inHour.length >= budget.per_hour) {
      const freed = inHour[inHour.length - budget.per_hour] ?? now;
      return { ok: false, rule: 'per_hour', retry_at: new Date(freed + HOUR + 1).toISOString() };
    }
  }
  if (budget.per_day !== null && inDay.length >= budget.per_day) {
    const freed = inDay[inDay.length - budget.per_day] ?? now;
    return { ok: false, rule: 'per_day', retry_at: new Date(freed + DAY + 1).toISOString() };
  }
  return { ok: true };
}
