import type { NextFunction, Request, Response } from 'express';

/**
 * What the fake platforms are doing right now: requests being handled. Tests that assert that
 * nothing happened wait for quiescence — no request in flight, none arriving for a quiet
 * period — instead of sleeping for a guessed time.
 */
export class Activity {
  private inflight = 0;
  private lastChange = Date.now();
  private handled = 0;

  /** Express middleware counting a request from arrival until its response is done (or dropped). */
  readonly track = (_req: Request, res: Response, next: NextFunction): void => {
    this.inflight += 1;
    this.lastChange = Date.now();
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      this.inflight -= 1;
      this.handled += 1;
      this.lastChange = Date.now();
    };
    res.once('finish', end);
    res.once('close', end);
    next();
  };

  /** Resolves once no request has been in flight for `quietMs`; rejects after `timeoutMs`. */
  async quiesce(quietMs: number, timeoutMs: number): Promise<{ waited_ms: number; handled: number }> {
    const start = Date.now();
    for (;;) {
      const now = Date.now();
      if (this.inflight === 0 && now - this.lastChange >= quietMs) return { waited_ms: now - start, handled: this.handled };
      if (now - start > timeoutMs) throw new Error(`platforms still busy after ${timeoutMs} ms (${this.inflight} request(s) in flight)`);
      await new Promise((r) => setTimeout(r, Math.min(25, quietMs)));
    }
  }
}
