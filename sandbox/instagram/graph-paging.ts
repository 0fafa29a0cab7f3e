import { z } from 'zod';
import { GraphFailure, invalidParam } from './graph-errors.js';
import { parseInput, describeIssues } from '../validation.js';

/**
 * Cursor-based paging as "Paginated Results" documents it (developers.facebook.com/docs/graph-api/results):
 * {data, paging:{cursors:{before,after}, previous?, next?}}; `next` is absent on the last page and
 * `previous` on the first; both are absolute URLs; `limit`, `after` and `before` are honoured.
 */
export const pagingSchema = z
  .object({
    limit: z.coerce.number().int().min(1).optional(),
    after: z.string().min(1).optional(),
    before: z.string().min(1).optional(),
  })
  .refine((q) => !(q.after && q.before), { path: ['before'], message: 'give either after or before, not both' });

export const DEFAULT_LIMIT = 25;
/** Larger limits are capped, as Graph caps them on its edges. */
export const MAX_LIMIT = 100;

interface Key {
  at: number;
  id: bigint;
}

/** What a listing pages over: media and comments (numeric Graph ids, a creation time). */
export interface Pageable {
  id: string;
  created_at: string;
}

const keyOf = (p: Pageable): Key => ({ at: Date.parse(p.created_at), id: BigInt(p.id) });
/** Position order of the listing: newest first, ties by id descending (World.postsOf). */
const comesBefore = (a: Key, b: Key) => a.at > b.at || (a.at === b.at && a.id > b.id);

/** Opaque cursor: base64url of the item's sort key, so a page boundary survives the item's deletion. */
export const encodeCursor = (p: Pageable): string => Buffer.from(`sbx1:${Date.parse(p.created_at)}:${p.id}`).toString('base64url');

function decodeCursor(field: 'after' | 'before', cursor: string): Key {
  const m = /^sbx1:(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new GraphFailure(invalidParam(`${field}: not a cursor this edge returned`));
  return { at: Number(m[1]), id: BigInt(m[2]!) };
}

export interface Page<T extends Pageable> {
  data: T[];
  cursors?: { before: string; after: string };
  hasPrevious: boolean;
  hasNext: boolean;
}

/** One page of a listing that is already in position order. */
export function pageOf<T extends Pageable>(items: T[], query: Record<string, unknown>): Page<T> & { limit: number } {
  const parsed = parseInput(pagingSchema, query);
  if (!parsed.ok) throw new GraphFailure(invalidParam(describeIssues(parsed.issues)));
  const limit = Math.min(parsed.value.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  let start = 0;
  let end = items.length;
  if (parsed.value.after) {
    const k = decodeCursor('after', parsed.value.after);
    start = items.findIndex((p) => comesBefore(k, keyOf(p)));
    if (start < 0) start = items.length;
    end = Math.min(items.length, start + limit);
  } else if (parsed.value.before) {
    const k = decodeCursor('before', parsed.value.before);
    end = items.findIndex((p) => !comesBefore(keyOf(p), k));
    if (end < 0) end = items.length;
    start = Math.max(0, end - limit);
  } else {
    end = Math.min(items.length, limit);
  }
  const data = items.slice(start, end);
  return {
    limit,
    data,
    ...(data.length ? { cursors: { before: encodeCursor(data[0]!), after: encodeCursor(data.at(-1)!) } } : {}),
    hasPrevious: data.length > 0 && start > 0,
    hasNext: data.length > 0 && end < items.length,
  };
}

/** The absolute URL of a neighbouring page: the request's own query, its cursor and limit replaced. */
export function pageLink(base: string, query: Record<string, unknown>, limit: number, cursor: { after: string } | { before: string }): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (!['after', 'before', 'limit'].includes(k) && typeof v === 'string') params.set(k, v);
  params.set('limit', String(limit));
  for (const [k, v] of Object.entries(cursor)) params.set(k, v);
  return `${base}?${params}`;
}

/** A listing's answer: `{data}` alone when empty, else with `paging:{cursors, previous?, next?}`. */
export function pagedAnswer<T extends Pageable>(base: string, query: Record<string, unknown>, page: Page<T> & { limit: number }, data: unknown[]): Record<string, unknown> {
  if (!page.cursors) return { data };
  return {
    data,
    paging: {
      cursors: page.cursors,
      ...(page.hasPrevious ? { previous: pageLink(base, query, page.limit, { before: page.cursors.before }) } : {}),
      ...(page.hasNext ? { next: pageLink(base, query, page.limit, { after: page.cursors.after }) } : {}),
    },
  };
}
