import type { Request, Response } from 'express';
import type { FaultRule, Faults, FaultScope, RequestSurface } from './faults.js';

/** How a lane answers each injected failure (Meta error body, X problem, HTML page...). */
export interface FaultResponses {
  serverError(res: Response): void;
  afterCommit(res: Response): void;
  /** `rule` and `scope` let a lane render the fault's details (Graph: error code, usage header keyed by account). */
  rateLimited(res: Response, retryAfterS: number, rule?: FaultRule, scope?: FaultScope): void;
  tokenExpired?(res: Response): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The HTTP side of a fault scope: method, path without the query, and the surface it reached. */
export function requestInfo(req: Request, surface: RequestSurface): NonNullable<FaultScope['request']> {
  return { method: req.method, path: req.originalUrl.split('?')[0]!, surface };
}

/** Adds the request to a scope built without it. */
const withRequest = (scope: FaultScope, req: Request): FaultScope => (scope.request ? scope : { ...scope, request: requestInfo(req, 'api') });

/**
 * Applies faults around one request. `before` runs ahead of the effect (latency, token expiry,
 * rate limit, 5xx before commit); `after` runs once the effect is applied (error after commit,
 * lost acknowledgement). Each returns true when it has answered the request itself.
 */
export class FaultGate {
  constructor(readonly faults: Faults) {}

  async before(res: Response, given: FaultScope, answer: FaultResponses): Promise<boolean> {
    const scope = withRequest(given, res.req);
    const latency = this.faults.take('latency', scope);
    if (latency) await sleep(latency.ms ?? 0);
    if (scope.lane === 'api' && answer.tokenExpired && this.faults.take('token_expired', scope)) {
      answer.tokenExpired(res);
      return true;
    }
    const limited = this.faults.take('rate_limit', scope);
    if (limited) {
      answer.rateLimited(res, retryAfter(limited), limited, scope);
      return true;
    }
    if (scope.action && this.faults.take('5xx_before_commit', scope)) {
      answer.serverError(res);
      return true;
    }
    return false;
  }

  /**
   * Phantom success: true when this side-effect request must answer success (with an id) while
   * applying nothing. Call it after `before`, at the commit point.
   */
  phantom(req: Request, given: FaultScope): boolean {
    return Boolean(given.action && this.faults.take('phantom_success', withRequest(given, req)));
  }

  after(req: Request, res: Response, given: FaultScope, answer: FaultResponses): boolean {
    if (!given.action) return false;
    const scope = withRequest(given, req);
    if (this.faults.take('phantom_failure', scope)) {
      // The effect is applied, and the answer is byte for byte the one of a failure before the
      // commit: the client cannot tell them apart.
      answer.serverError(res);
      return true;
    }
    if (this.faults.take('error_after_commit', scope)) {
      answer.afterCommit(res);
      return true;
    }
    if (this.faults.take('ack_lost', scope)) {
      // The effect is applied; the client never hears back, as when a connection drops mid-response.
      // Browsers silently re-send a request once when a reused socket closes before any byte
      // arrives (Chrome's ERR_EMPTY_RESPONSE retry), so the UI lane sends a truncated status line
      // first: the submission then fails once, as a lost acknowledgement does, and is not repeated.
      if (scope.lane === 'ui') req.socket.end('HTTP/1.1 200 OK\r\n', () => req.socket.destroy());
      else req.socket.destroy();
      return true;
    }
    return false;
  }
}

export function retryAfter(rule: FaultRule): number {
  return rule.retry_after_s ?? 5;
}
