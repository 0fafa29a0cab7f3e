import { z } from 'zod';
import { AuthExpiredError, CheckpointError, OutcomeUnknownError, PlatformRefusalError, TransientError } from '../../safety/index.js';
import type { HttpResponse } from '../http.js';

/**
 * X API v2 error bodies (docs.x.com/x-api/fundamentals/response-codes-and-errors): a problem
 * `{title, detail, type, status}` for request-wide refusals (401, 403, 429, 5xx), or
 * `{errors:[{message, parameters, title, detail, type}], title, detail, type}` for a 400 and for
 * partial errors of a 200 (a lookup of something missing: `.../problems/resource-not-found`).
 */
const problemSchema = z.looseObject({
  title: z.string().optional(),
  detail: z.string().optional(),
  type: z.string().optional(),
  status: z.number().optional(),
  errors: z.array(z.looseObject({ message: z.string().optional(), title: z.string().optional(), detail: z.string().optional(), type: z.string().optional() })).optional(),
});
export type XProblem = z.infer<typeof problemSchema>;

export type XErrorKind =
  /** Nothing happened and trying again later may work (a 5xx on a read, a 2xx read we could not parse). */
  | 'transient'
  /** Nothing happened and will not: invalid request, not permitted, a reply to a deleted post. */
  | 'definite'
  /** A 15-minute window or a 24-hour cap is used up (429): nothing happened; hold until its reset. */
  | 'rate_limit'
  /** The token is invalid, expired or revoked (401), or not a user-context token (403 Unsupported Authentication): reconnect, no retry. */
  | 'auth'
  /** 403 "duplicate content": the text repeats a recent post of the account. Proves nothing about *this* action's earlier attempt. */
  | 'duplicate'
  /** The account is locked or suspended (403): a human must look. */
  | 'restricted'
  /** A 5xx (or an unreadable 2xx) answering a write: it may have been applied before the error. */
  | 'unknown_after_send';

export const RESOURCE_NOT_FOUND = 'https://api.twitter.com/2/problems/resource-not-found';

/** The problem of an answer with a failure status, or undefined for a 2xx. */
export function problemOf(res: HttpResponse): XProblem | undefined {
  if (res.status < 400) return undefined;
  const parsed = problemSchema.safeParse(res.body);
  return parsed.success ? parsed.data : { title: `HTTP ${res.status}`, detail: 'an answer without an X problem body', status: res.status };
}

/** Whether a 200 says the looked-up object does not exist (X answers 200 with `errors[]`, not 404). */
export function isNotFound(body: unknown): boolean {
  const parsed = problemSchema.safeParse(body);
  return parsed.success && !(body as { data?: unknown }).data && (parsed.data.errors ?? []).some((e) => e.type === RESOURCE_NOT_FOUND);
}

/**
 * The one table of X API v2 failures (response-codes-and-errors: 400 invalid, 401 unauthorized,
 * 403 forbidden, 404 not found, 429 too many requests, 500/502/503/504 server side). `write` says
 * whether the request could change the platform: a server error after a write is no proof that
 * nothing changed (X's 503 "overloaded" and an error after the commit look the same).
 */
export function kindOf(status: number, p: XProblem, options: { write: boolean }): XErrorKind {
  const detail = `${p.title ?? ''} ${p.detail ?? ''}`;
  if (status === 429) return 'rate_limit';
  if (status === 401) return 'auth';
  if (status === 403 && /unsupported authentication/i.test(detail)) return 'auth';
  if (status === 403 && /duplicate content/i.test(detail)) return 'duplicate';
  if (status === 403 && /\b(locked|suspended)\b/i.test(detail)) return 'restricted';
  if (status >= 500) return options.write ? 'unknown_after_send' : 'transient';
  return 'definite';
}

/** The request id X gives every answer: `x-transaction-id` (level 1 evidence). */
export function requestIdOf(res: HttpResponse): string | undefined {
  return res.headers['x-transaction-id'];
}

/** One limit as X announces it: `<prefix>-limit`, `-remaining`, `-reset` (epoch seconds). */
export interface XLimit {
  limit: number;
  remaining: number;
  /** Epoch ms. */
  resetAt: number;
}

/**
 * The limits an answer announces (docs.x.com/x-api/fundamentals/rate-limits): the endpoint's
 * 15-minute window (`x-rate-limit-*`, every answer) and, on POST /2/tweets, the 24-hour caps of the
 * user (`x-user-limit-24hour-*`) and of the whole app (`x-app-limit-24hour-*`).
 */
export interface XLimits {
  window?: XLimit;
  user24h?: XLimit;
  app24h?: XLimit;
}

function limitOf(h: Record<string, string>, prefix: string): XLimit | undefined {
  const [limit, remaining, reset] = ['limit', 'remaining', 'reset'].map((k) => Number(h[`${prefix}-${k}`]));
  if (![limit, remaining, reset].every((n) => n !== undefined && Number.isFinite(n))) return undefined;
  if (h[`${prefix}-reset`] === undefined) return undefined;
  return { limit: limit!, remaining: remaining!, resetAt: reset! * 1000 };
}

export function limitsOf(res: HttpResponse): XLimits {
  const out: XLimits = {};
  const window = limitOf(res.headers, 'x-rate-limit');
  const user24h = limitOf(res.headers, 'x-user-limit-24hour');
  const app24h = limitOf(res.headers, 'x-app-limit-24hour');
  if (window) out.window = window;
  if (user24h) out.user24h = user24h;
  if (app24h) out.app24h = app24h;
  return out;
}

/** A 15-minute window when X says nothing (a 429 without headers). */
const WINDOW_MS = 15 * 60_000;

/**
 * How long a 429 says to wait: until the latest reset among the limits it shows used up (the
 * 24-hour cap outlasts the window), else the window's reset; X sends no Retry-After.
 */
export function waitMsOf(limits: XLimits, now = Date.now()): number {
  const all = [limits.window, limits.user24h, limits.app24h].filter((l): l is XLimit => l !== undefined);
  const spent = all.filter((l) => l.remaining <= 0);
  const resetAt = Math.max(...(spent.length ? spent : all).map((l) => l.resetAt), 0);
  return resetAt > now ? resetAt - now : resetAt ? 1_000 : WINDOW_MS;
}

/**
 * An X failure as the kernel's error class. `afterAmbiguous`: an earlier attempt of the same
 * action may have landed, so a duplicate-content refusal may be that very post (to be found by
 * verification) rather than a refusal of a new one.
 */
export function toKernelError(res: HttpResponse, p: XProblem, options: { write: boolean; afterAmbiguous?: boolean }): Error {
  const kind = kindOf(res.status, p, options);
  const id = requestIdOf(res);
  const what = `${res.what}: X ${res.status} ${(p.title ?? '').slice(0, 60)}${id ? ` (x-transaction-id ${id})` : ''}`;
  switch (kind) {
    case 'auth':
      return new AuthExpiredError(`${what} (the token is invalid, expired or not a user token; reconnect the account)`);
    case 'rate_limit':
      // A 429 refused the request: nothing happened. Hold until X's reset.
      return new TransientError(`${what} (rate limit)`, false, waitMsOf(limitsOf(res)), 429);
    case 'duplicate':
      return options.afterAmbiguous
        ? new OutcomeUnknownError(`${what} (duplicate content after an ambiguous attempt: the post may be that attempt's)`)
        : new PlatformRefusalError(`${what} (duplicate content: the account posted this text recently)`, 403, 'duplicate');
    case 'restricted':
      return new CheckpointError(`${what} (${(p.detail ?? '').slice(0, 120)})`);
    case 'unknown_after_send':
      return new OutcomeUnknownError(`${what} (a server error after the write reached X)`);
    case 'transient':
      return new TransientError(`${what} (transient; a read)`, false, undefined, res.status);
    case 'definite':
      return new PlatformRefusalError(`${what} (${(p.detail ?? p.errors?.[0]?.message ?? '').slice(0, 160)})`, res.status, String(res.status));
  }
}
