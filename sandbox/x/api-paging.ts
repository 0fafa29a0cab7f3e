import type { Request } from 'express';
import { z } from 'zod';
import type { ParamError } from './api-errors.js';

/**
 * Paging of X API v2 lists (docs.x.com/x-api/fundamentals/pagination): a page answers
 * `meta.result_count`, `newest_id`, `oldest_id`, and `next_token` / `previous_token` when more
 * results lie beyond it; the client passes a token back as `pagination_token`. `max_results` has a
 * range per endpoint (GET /2/users/{id}/tweets and /mentions: 5–100, default 10; DM events: 1–100,
 * default 100) and a value outside it is a 400. Timelines also filter by `since_id` / `until_id`
 * (both exclusive) and `start_time` / `end_time` (inclusive, second granularity).
 */
export interface PagingRules {
  min: number;
  max: number;
  default: number;
  /** since_id, until_id, start_time and end_time are documented for the endpoint. */
  filters: boolean;
}

export const TIMELINE_PAGING: PagingRules = { min: 5, max: 100, default: 10, filters: true };
export const DM_EVENTS_PAGING: PagingRules = { min: 1, max: 100, default: 100, filters: false };
/** GET /2/users/{id}/liked_tweets: max_results 5–100, default 100; no id or time filters. */
export const LIKED_PAGING: PagingRules = { min: 5, max: 100, default: 100, filters: false };

/** Opaque to clients; here a direction and the id the page continues from (base 36). */
const TOKEN = /^([np])([0-9a-z]{1,13})$/;
const encodeToken = (dir: 'n' | 'p', id: string) => `${dir}${BigInt(id).toString(36)}`;
function decodeToken(token: string): { dir: 'n' | 'p'; id: bigint } | undefined {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const id = [...m[2]!].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n);
  return { dir: m[1] as 'n' | 'p', id };
}

const ID = /^[0-9]{1,19}$/;
const querySchema = (rules: PagingRules) =>
  z.object({
    max_results: z.coerce.number().int().min(rules.min).max(rules.max).default(rules.default),
    pagination_token: z.string().refine((t) => decodeToken(t) !== undefined).optional(),
    since_id: z.string().regex(ID).optional(),
    until_id: z.string().regex(ID).optional(),
    start_time: z.iso.datetime({ offset: true }).optional(),
    end_time: z.iso.datetime({ offset: true }).optional(),
  });

/** X's message for each parameter (e.g. "The `max_results` query parameter value [4] is not between 5 and 100"). */
function message(field: string, value: string, rules: PagingRules): string {
  if (field === 'max_results') return `The \`max_results\` query parameter value [${value}] is not between ${rules.min} and ${rules.max}`;
  if (field === 'since_id' || field === 'until_id') return `The \`${field}\` query parameter value [${value}] does not match ^[0-9]{1,19}$`;
  if (field === 'pagination_token') return `The \`pagination_token\` query parameter value [${value}] is not valid`;
  return `The \`${field}\` query parameter value [${value}] is not a valid RFC 3339 date-time`;
}

export interface PageRequest {
  max: number;
  token?: { dir: 'n' | 'p'; id: bigint };
  sinceId?: bigint;
  untilId?: bigint;
  /** Epoch seconds, inclusive. */
  start?: number;
  end?: number;
}

const single = (v: unknown) => (Array.isArray(v) ? v[0] : v);

/** Reads the paging parameters with zod; every invalid one becomes an error naming it. */
export function readPaging(query: Request['query'], rules: PagingRules): { page: PageRequest; errors: ParamError[] } {
  const names = ['max_results', 'pagination_token', ...(rules.filters ? ['since_id', 'until_id', 'start_time', 'end_time'] : [])];
  const input = Object.fromEntries(names.filter((n) => query[n] !== undefined).map((n) => [n, single(query[n])]));
  const parsed = querySchema(rules).safeParse(input);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    return { page: { max: rules.default }, errors: fields.map((f) => ({ parameter: f, value: String(input[f]), message: message(f, String(input[f]), rules) })) };
  }
  const v = parsed.data;
  const seconds = (t?: string) => (t === undefined ? undefined : Math.floor(Date.parse(t) / 1000));
  return {
    page: {
      max: v.max_results,
      ...(v.pagination_token ? { token: decodeToken(v.pagination_token)! } : {}),
      ...(v.since_id ? { sinceId: BigInt(v.since_id) } : {}),
      ...(v.until_id ? { untilId: BigInt(v.until_id) } : {}),
      ...(v.start_time ? { start: seconds(v.start_time) } : {}),
      ...(v.end_time ? { end: seconds(v.end_time) } : {}),
    },
    errors: [],
  };
}

/**
 * One page of a newest-first list of objects with numeric ids, and its `meta`. `at` gives an
 * object's creation time for start_time / end_time.
 */
export function pageOf<T extends { id: string }>(items: T[], req: PageRequest, at: (item: T) => string): { items: T[]; meta: Record<string, unknown> } {
  const sorted = [...items].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0));
  const inRange = sorted.filter((x) => {
    const id = BigInt(x.id);
    const s = Math.floor(Date.parse(at(x)) / 1000);
    return (req.sinceId === undefined || id > req.sinceId) && (req.untilId === undefined || id < req.untilId) && (req.start === undefined || s >= req.start) && (req.end === undefined || s <= req.end);
  });
  let page: T[];
  if (req.token?.dir === 'n') page = inRange.filter((x) => BigInt(x.id) < req.token!.id).slice(0, req.max);
  else if (req.token?.dir === 'p') page = inRange.filter((x) => BigInt(x.id) > req.token!.id).slice(-req.max);
  else page = inRange.slice(0, req.max);
  if (!page.length) return { items: [], meta: { result_count: 0 } };
  const newest = page[0]!;
  const oldest = page[page.length - 1]!;
  const older = inRange.some((x) => BigInt(x.id) < BigInt(oldest.id));
  const newer = inRange.some((x) => BigInt(x.id) > BigInt(newest.id));
  return {
    items: page,
    meta: {
      result_count: page.length,
      newest_id: newest.id,
      oldest_id: oldest.id,
      ...(older ? { next_token: encodeToken('n', oldest.id) } : {}),
      ...(newer ? { previous_token: encodeToken('p', newest.id) } : {}),
    },
  };
}

/**
 * One page of a list kept in its own order (liked_tweets: most recently liked first), not by
 * object id: the token carries the position the next page starts at. `meta` as X answers
 * for such lists: `result_count`, and `next_token` / `previous_token` only (no newest/oldest id).
 */
export function pageByPosition<T>(items: T[], req: PageRequest): { items: T[]; meta: Record<string, unknown> } {
  const at = req.token ? Number(req.token.id) : 0;
  const start = req.token?.dir === 'p' ? Math.max(0, at - req.max) : at;
  const page = items.slice(start, start + req.max);
  if (!page.length) return { items: [], meta: { result_count: 0 } };
  const end = start + page.length;
  return {
    items: page,
    meta: {
      result_count: page.length,
      ...(end < items.length ? { next_token: encodeToken('n', String(end)) } : {}),
      ...(start > 0 ? { previous_token: encodeToken('p', String(start)) } : {}),
    },
  };
}
