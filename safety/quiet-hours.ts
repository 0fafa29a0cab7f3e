/** Minutes since local midnight at `at` in an IANA time zone; DST is Intl's business, not ours. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  const minute = Number(parts.find((p) => p.type === 'minute')!.value);
  return hour * 60 + minute;
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether local time at `at` falls in [start, end); a window may wrap midnight (22:00–07:00). */
export function inQuietHours(at: Date, timeZone: string, window: { start: string; end: string }): boolean {
  const now = localMinutes(at, timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * The first instant at or after `at` outside the window, walking real time (so a DST jump in
 * the middle of the night moves the answer by the hour it should).
 */
export function quietHoursEnd(at: Date, timeZone: string, window: { start: string; end: string }): Date {
  const MINUTE = 60_000;
  let t = Math.ceil(at.getTime() / MINUTE) * MINUTE;
  // Coarse 15-minute steps, then back up minute by minute to the exact edge.
  const limit = t + 26 * 60 * MINUTE;
  while (t < limit && inQuietHours(new Date(t), timeZone, window)) t += 15 * MINUTE;
  while (!inQuietHours(new Date(t - MINUTE), timeZone, window) && t - MINUTE > at.getTime()) t -= MINUTE;
  return new Date(t);
}
