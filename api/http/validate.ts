import { z } from 'zod';
import { ApiError } from '../errors.js';

export type Part = 'body' | 'query' | 'params';

/** Parses one part of a request; the 400 names the first bad field (`body.caption`, `query.limit`). */
export function parsePart<S extends z.ZodType>(schema: S, value: unknown, part: Part): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = [part, ...issue.path.map(String)].join('.');
  throw new ApiError(400, 'invalid_request', `${field}: ${issue.message}`, { field });
}

/** An opaque page cursor: base64url of the JSON of where the page ended. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string | undefined): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_request', 'query.cursor: not a cursor this API gave out', { field: 'query.cursor' });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', 'query.cursor: not a cursor this API gave out', { field: 'query.cursor' });
  return parsed.data;
}

/** `limit` and `cursor` of every listing. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export const RowCursor = z.object({ created_at: z.string().min(1).max(40), id: z.string().min(1).max(200) }).strict();
export const SeqCursor = z.object({ seq: z.number().int().min(0) }).strict();

/** A page of a listing: `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Builds a page from `limit + 1` rows: the extra row only says whether there is a next page. */
export function pageOf<R, T>(rows: R[], limit: number, cursorOf: (row: R) => unknown, view: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items: items.map(view), next_cursor: more && items.length ? encodeCursor(cursorOf(items[items.length - 1]!)) : null };
}
