import type { XLimit, XLimits } from './errors.js';

/** An X API v2 endpoint as its rate-limit table names it (`POST /2/tweets`). */
export type XEndpoint =
  | 'GET /2/users/me'
  | 'GET /2/users/by/username/:username'
  | 'GET /2/users/:id/tweets'
  | 'GET /2/users/:id/liked_tweets'
  | 'GET /2/tweets/:id'
  | 'POST /2/tweets'
  | 'DELETE /2/tweets/:id'
  | 'POST /2/users/:id/likes'
  | 'POST /2/users/:id/following'
  | 'POST /2/dm_conversations/with/:participant_id/messages'
  | 'GET /2/dm_conversations/with/:participant_id/dm_events';

/** A limit that is used up, and until when. */
export interface SpentLimit {
  endpoint: XEndpoint;
  scope: '15 min' | 'user 24 h' | 'app 24 h';
  limit: number;
  until: number;
}

/**
 * The last limits X announced, per caller and endpoint (15-minute windows per user token; the
 * user's 24-hour posting cap; the app's 24-hour cap, shared by every account of the app). Kept
 * in memory, as X's own headers are the truth: a fresh process learns them on its first call.
 */
export class XLimitBook {
  private readonly seen = new Map<string, XLimit>();

  constructor(private now: () => number = Date.now) {}

  /** The clock limits are compared with (the kernel's, in tests with a virtual clock). */
  useClock(now: () => number): void {
    this.now = now;
  }

  /** Epoch ms by this book's clock. */
  time(): number {
    return this.now();
  }

  observe(caller: string, endpoint: XEndpoint, limits: XLimits): void {
    if (limits.window) this.seen.set(`${caller} ${endpoint} 15 min`, limits.window);
    if (limits.user24h) this.seen.set(`${caller} ${endpoint} user 24 h`, limits.user24h);
    if (limits.app24h) this.seen.set(`app ${endpoint} app 24 h`, limits.app24h);
  }

  /** The used-up limit of these endpoints that ends last, or null when each has room. */
  spent(caller: string, endpoints: readonly XEndpoint[]): SpentLimit | null {
    const now = this.now();
    let worst: SpentLimit | null = null;
    for (const endpoint of endpoints) {
      for (const [key, scope] of [[`${caller} ${endpoint} 15 min`, '15 min'], [`${caller} ${endpoint} user 24 h`, 'user 24 h'], [`app ${endpoint} app 24 h`, 'app 24 h']] as const) {
        const l = this.seen.get(key);
        if (!l || l.remaining > 0 || l.resetAt <= now) continue;
        if (!worst || l.resetAt > worst.until) worst = { endpoint, scope, limit: l.limit, until: l.resetAt };
      }
    }
    return worst;
  }
}
