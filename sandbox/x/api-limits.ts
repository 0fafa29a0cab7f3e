import type { Response } from 'express';

/**
 * X API v2 rate limits per endpoint and auth context, from docs.x.com/x-api/fundamentals/rate-limits
 * ("Limits are shown per 15 minutes unless otherwise noted"; per-user limits apply to user tokens,
 * per-app limits to an app-only Bearer token). `app` absent: the endpoint refuses app-only auth.
 * `day`: the 24-hour caps announced in x-user-limit-24hour-* / x-app-limit-24hour-*.
 */
export const X_RATE_LIMITS = {
  // Users lookup: "/2/users/me … user rate limit of 75 requests per 15 minutes" (users/lookup introduction).
  'GET /2/users/me': { user: 75 },
  // Users lookup by id / username: 900 per user, 300 per app.
  'GET /2/users/:id': { user: 900, app: 300 },
  'GET /2/users/by/username/:username': { user: 900, app: 300 },
  // Timelines: "GET /2/users/:id/tweets 10,000/15min per app, 900/15min per user".
  'GET /2/users/:id/tweets': { user: 900, app: 10_000 },
  // Timelines: GET /2/users/:id/mentions 450 per app, 300 per user.
  'GET /2/users/:id/mentions': { user: 300, app: 450 },
  // Tweets lookup: "GET /2/tweets/:id 450/15min per app, 900/15min per user".
  'GET /2/tweets/:id': { user: 900, app: 450 },
  // Manage posts: "POST /2/tweets 10,000/24hrs per app, 100/15min per user". The per-user 24-hour
  // cap is 100 (the documented Basic cap, and the x-user-limit-24hour-limit X sends).
  'POST /2/tweets': { user: 100, day: { user: 100, app: 10_000 } },
  // Manage posts: "DELETE /2/tweets/:id 50/15min per user".
  'DELETE /2/tweets/:id': { user: 50 },
  // Likes: "POST /2/users/:id/likes 50/15min per user".
  'POST /2/users/:id/likes': { user: 50 },
  // Likes lookup: "GET /2/users/:id/liked_tweets 75/15min per app, 75/15min per user".
  'GET /2/users/:id/liked_tweets': { user: 75, app: 75 },
  // Follows: "POST /2/users/:id/following 50 requests per 15 minutes per user".
  'POST /2/users/:id/following': { user: 50 },
  // Direct Messages (API reference): "200 requests per 15-minute window per each authenticated user".
  'POST /2/dm_conversations/with/:participant_id/messages': { user: 200 },
  // Direct Messages lookup: 300 per 15 minutes per user (Pro table).
  'GET /2/dm_conversations/with/:participant_id/dm_events': { user: 300 },
} as const satisfies Record<string, { user: number; app?: number; day?: { user: number; app: number } }>;

export type XEndpoint = keyof typeof X_RATE_LIMITS;

/** App-only Bearer token of the sandbox's one developer app (read endpoints with a per-app limit). */
export const X_APP_BEARER_TOKEN = 'XSBX-app-only-bearer-token';

/** Who a request counts against: a user (user-context token) or the app (app-only Bearer). */
export type Caller = { kind: 'user'; id: string } | { kind: 'app' };

export interface XLimitOptions {
  /** Replaces every 15-minute limit (tests); default the table. */
  perWindow?: number;
  /** 24-hour caps of POST /2/tweets; default the table. */
  postCaps?: { user?: number; app?: number };
}

const WINDOW_S = 15 * 60;
const DAY_S = 24 * 60 * 60;
const nowS = () => Math.ceil(Date.now() / 1000);

interface Counter {
  reset: number;
  used: number;
}

/** The limits of one request: its 15-minute window and, where the endpoint has them, its 24-hour caps. */
interface Buckets {
  window: { limit: number; counter: Counter };
  user24?: { limit: number; counter: Counter };
  app24?: { limit: number; counter: Counter };
}

/** The 15-minute windows and 24-hour caps of the X API (in memory, like X's own counters). */
export class XRateLimits {
  private counters = new Map<string, Counter>();

  constructor(private readonly options: XLimitOptions = {}) {}

  /** Whether the endpoint takes this kind of caller (app-only auth only where a per-app limit exists). */
  accepts(endpoint: XEndpoint, caller: Caller): boolean {
    return caller.kind === 'user' || 'app' in X_RATE_LIMITS[endpoint];
  }

  private counter(key: string, length: number, now: number): Counter {
    let c = this.counters.get(key);
    if (!c || c.reset <= now) this.counters.set(key, (c = { reset: now + length, used: 0 }));
    return c;
  }

  private buckets(endpoint: XEndpoint, caller: Caller, now: number): Buckets {
    const table: { user: number; app?: number; day?: { user: number; app: number } } = X_RATE_LIMITS[endpoint];
    const who = caller.kind === 'user' ? `user:${caller.id}` : 'app';
    const limit = this.options.perWindow ?? (caller.kind === 'user' ? table.user : table.app!);
    const buckets: Buckets = { window: { limit, counter: this.counter(`${who} ${endpoint}`, WINDOW_S, now) } };
    if (table.day) {
      if (caller.kind === 'user') buckets.user24 = { limit: this.options.postCaps?.user ?? table.day.user, counter: this.counter(`${who} ${endpoint} 24h`, DAY_S, now) };
      buckets.app24 = { limit: this.options.postCaps?.app ?? table.day.app, counter: this.counter(`app ${endpoint} 24h`, DAY_S, now) };
    }
    return buckets;
  }

  /**
   * Counts the request against every limit it falls under and sets the headers X sends: the
   * x-rate-limit-* trio on every response, the 24-hour trios on endpoints that have them
   * (docs.x.com rate limits, "HTTP headers and response codes"). Returns false, counting nothing,
   * when a limit is used up: the caller then answers 429 with these headers.
   */
  take(res: Response, endpoint: XEndpoint, caller: Caller): boolean {
    const now = nowS();
    const b = this.buckets(endpoint, caller, now);
    const all = [b.window, b.user24, b.app24].filter((x) => x !== undefined);
    const ok = all.every((x) => x.counter.used < x.limit);
    if (ok) for (const x of all) x.counter.used += 1;
    setHeaders(res, b);
    return ok;
  }

  /** Headers of an injected rate_limit fault: the 15-minute window shows used up until now + seconds. */
  faultHeaders(res: Response, endpoint: XEndpoint, caller: Caller, seconds: number): void {
    const now = nowS();
    const b = this.buckets(endpoint, caller, now);
    setHeaders(res, { ...b, window: { limit: b.window.limit, counter: { used: b.window.limit, reset: now + seconds } } });
  }
}

function setHeaders(res: Response, b: Buckets): void {
  const trio = (prefix: string, x: { limit: number; counter: Counter }) =>
    res.set({ [`${prefix}-limit`]: String(x.limit), [`${prefix}-remaining`]: String(Math.max(0, x.limit - x.counter.used)), [`${prefix}-reset`]: String(x.counter.reset) });
  trio('x-rate-limit', b.window);
  if (b.user24) trio('x-user-limit-24hour', b.user24);
  if (b.app24) trio('x-app-limit-24hour', b.app24);
}
