import type { Request, Response, NextFunction } from 'express';
import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
  missing: boolean;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Parses input with a zod schema; on failure returns the issues, each naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): { ok: true; value: z.output<S> } | { ok: false; issues: FieldIssue[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({
      field: i.path.map(String).join('.') || '(body)',
      message: i.message,
      missing: i.path.length > 0 && valueAt(input, i.path) === undefined,
    })),
  };
}

export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => (i.missing ? `${i.field} is required` : `${i.field}: ${i.message}`)).join('; ');
}

/** Reads `name=value` pairs of the Cookie header. */
export function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

/** Error handler for body-parser failures (malformed JSON, too large), answered in the lane's format. */
export function bodyErrors(answer: (res: Response, status: number, message: string) => void) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = error as { status?: number; type?: string; message?: string };
    if (res.headersSent) return next(error);
    if (e.type === 'entity.parse.failed') return answer(res, 400, `request body is not valid JSON: ${e.message}`);
    if (e.type === 'entity.too.large') return answer(res, 413, 'request body too large');
    return answer(res, e.status && e.status >= 400 ? e.status : 500, e.message ?? 'internal error');
  };
}
