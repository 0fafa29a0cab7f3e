import type { BrowserContext, Request, Route } from 'playwright-core';
import { UnguardedCommitError } from '../../safety/index.js';

/** Methods that change something on the server; everything else is a read. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A request the annex (or a flow) declares as not committing anything: let through unarmed. */
export interface NonCommitting {
  method?: string;
  /** The request path (no query) starts with this. */
  path_prefix: string;
  /** Why it commits nothing (kept for the audit line when it passes). */
  why: string;
}

/** One mutating request the guard saw: let through by an armed check, or blocked. */
export interface GuardedRequest {
  method: string;
  /** Path only: queries may carry tokens. */
  path: string;
  verdict: 'armed' | 'non_committing' | 'blocked';
  at: number;
}

/**
 * The runner's guarantee that no commit leaves the browser without the kernel's last check
 * (DESIGN.md "The kernel", issue 8): every mutating request (POST/PUT/PATCH/DELETE: form posts,
 * fetch and XHR alike) to the platform's origin is held at the browser until the guard decides.
 * A passed `beforeCommit()` arms it for exactly one such request; an unarmed one is answered in
 * the browser — a navigation with 204 (the page stays where it was, no error page that would
 * look like drift), anything else aborted — and never reaches the platform. The performer then
 * refuses the attempt with UnguardedCommitError, whatever the flow made of the blocked request.
 *
 * Installed once per episode on the context with a glob on the platform's origin: reads of
 * other origins never reach this process, reads of the origin are continued at once.
 */
export class CommitGuard {
  private armed = 0;
  private readonly seen: GuardedRequest[] = [];
  private installed?: { context: BrowserContext; pattern: string; handler: (route: Route, request: Request) => Promise<void> };

  constructor(private readonly origin: string, private readonly nonCommitting: readonly NonCommitting[] = []) {}

  /** Starts watching the context's requests to the platform origin. */
  async install(context: BrowserContext): Promise<void> {
    if (this.installed) return;
    const pattern = `${this.origin.replace(/\/$/, '')}/**`;
    const handler = (route: Route, request: Request) => this.decide(route, request);
    this.installed = { context, pattern, handler };
    await context.route(pattern, handler);
  }

  /** A passed `beforeCommit()`: exactly one mutating request may leave now. */
  arm(): void {
    this.armed = 1;
  }

  /** Withdraws an arm nothing used (the flow decided not to click after all). */
  disarm(): void {
    this.armed = 0;
  }

  /** Mutating requests seen since `reset`. */
  get requests(): readonly GuardedRequest[] {
    return this.seen;
  }

  get blocked(): readonly GuardedRequest[] {
    return this.seen.filter((r) => r.verdict === 'blocked');
  }

  /** A new kernel call on the episode: nothing armed, nothing seen. */
  reset(): void {
    this.armed = 0;
    this.seen.length = 0;
  }

  /** Throws UnguardedCommitError when a mutating request was blocked since `reset`. */
  assertClean(phase: string): void {
    const blocked = this.blocked;
    if (!blocked.length) return;
    const list = blocked.map((r) => `${r.method} ${r.path}`).join(', ');
    // Sent: an armed request of this phase may have committed before the unchecked one was stopped.
    const sent = this.seen.some((r) => r.verdict === 'armed');
    throw new UnguardedCommitError(`${phase}: the browser sent ${blocked.length} mutating request(s) without a passed beforeCommit() (${list}); blocked before leaving the browser`, sent);
  }

  private async decide(route: Route, request: Request): Promise<void> {
    const method = request.method();
    if (!MUTATING.has(method)) return route.continue().catch(() => undefined);
    const path = pathOf(request.url());
    const entry = (verdict: GuardedRequest['verdict']) => void this.seen.push({ method, path, verdict, at: Date.now() });
    if (this.nonCommitting.some((n) => (!n.method || n.method === method) && path.startsWith(n.path_prefix))) {
      entry('non_committing');
      return route.continue().catch(() => undefined);
    }
    if (this.armed > 0) {
      this.armed -= 1;
      entry('armed');
      return route.continue().catch(() => undefined);
    }
    entry('blocked');
    // A blocked form post must not leave the browser's error page behind (it reads as drift).
    if (request.isNavigationRequest()) return route.fulfill({ status: 204, body: '' }).catch(() => undefined);
    return route.abort('blockedbyclient').catch(() => undefined);
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(no url)';
  }
}
