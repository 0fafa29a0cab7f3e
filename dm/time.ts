/**
 * The two clocks of spec 003's records: UTC to the second (`2025-12-25T12:00:00Z`) and the
 * reviewer's Central European time with its offset (`2025-12-25T13:00:00+01:00`, `+02:00` in
 * summer). CET is the IANA zone of that name, so summer time follows the EU rule.
 */

export function utcSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const CET_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'CET',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'shortOffset',
});

export function cetSecond(ms: number): string {
  const parts = Object.fromEntries(CET_PARTS.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  // shortOffset reads "GMT+1" or "GMT+2".
  const hours = Number(/GMT([+-]\d+)/.exec(parts.timeZoneName ?? '')?.[1] ?? '1');
  const offset = `+${String(hours).padStart(2, '0')}:00`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}
