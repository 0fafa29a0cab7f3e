import { TransientError } from '../../safety/index.js';
import type { GraphAnswer } from './client.js';
import { rateLimitScope, regainAfterMs } from './errors.js';

/** A request limit Meta announced: nothing may be sent in its scope before `until`. */
export interface GraphHold {
  until: number;
  scope: 'app' | 'account';
  /** Meta's code (4, 17, 32, 613, 80001, 80002), or 0 for a usage header that asked to wait. */
  code: number;
  /** For the audit: `Graph 80002 (account)`; never a token, never content. */
  reason: string;
}

/** The wait when Meta throttles without a regain time: its rolling window is one hour. */
const DEFAULT_REGAIN_MS = 3_600_000;
const APP = '*';

/**
 * The request limits of one Graph app, as Meta signals them ("Rate Limits": error codes 4, 17,
 * 32, 613, 80001/80002 with HTTP 400 and no Retry-After; the regain time in minutes in
 * `X-Business-Use-Case-Usage`'s `estimated_time_to_regain_access`). Every answer is noted; until
 * the regain time passes, `guard` refuses to send anything in the held scope (the account, or
 * every account for an app-level limit): a throttled platform gets no request before the reset.
 */
export class GraphThrottle {
  private readonly holds = new Map<string, GraphHold>();

  constructor(private now: () => number = Date.now) {}

  useClock(now: () => number): void {
    this.now = now;
  }

  /** Reads one answer made as `account`: a rate-limit error, or a usage header that says to wait. */
  note(account: string, answer: GraphAnswer<unknown>): void {
    const regain = regainAfterMs(answer.res);
    if (answer.error?.kind === 'rate_limit') {
      const scope = rateLimitScope(answer.error);
      this.hold(scope === 'app' ? APP : account, { until: this.now() + (regain ?? DEFAULT_REGAIN_MS), scope, code: answer.error.code, reason: `Graph ${answer.error.code} (${scope === 'app' ? 'app-wide' : 'account'} request limit)` });
    } else if (regain !== undefined) {
      // Served, but Meta already counts this account as throttled: send nothing more until it says.
      this.hold(account, { until: this.now() + regain, scope: 'account', code: 0, reason: 'X-Business-Use-Case-Usage estimated_time_to_regain_access' });
    }
  }

  /** The hold that covers `account` now (the later of its own and the app's), if any. */
  holdOf(account: string): GraphHold | undefined {
    const now = this.now();
    let found: GraphHold | undefined;
    for (const key of [APP, account]) {
      const h = this.holds.get(key);
      if (h && h.until <= now) this.holds.delete(key);
      else if (h && (!found || h.until > found.until)) found = h;
    }
    return found;
  }

  /** Throws, sending nothing, while a hold covers `account`: a request the platform never saw. */
  guard(account: string, what: string): void {
    const h = this.holdOf(account);
    if (!h) return;
    throw new TransientError(`${what}: not sent, held by ${h.reason} until ${new Date(h.until).toISOString()}`, false, h.until - this.now());
  }

  private hold(key: string, h: GraphHold): void {
    const current = this.holds.get(key);
    if (!current || current.until < h.until) this.holds.set(key, h);
  }
}
