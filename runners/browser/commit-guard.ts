import type { BrowserContext, Request, Route } from 'playwright-core';
import { IdentityMismatchError, UnguardedCommitError } from '../../safety/index.js';

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
  verdict: 'armed' | 'non_committing' | 'blocked' | 'wrong_account';
  at: number;
  /** wrong_account: the platform user id the request's account cookie named instead ('none' when absent). */
  acting?: string;
}

/** Which account a commit must act as: the annex's account cookie and the account's platform user id. */
export interface CommitAccount {
  cookie: { name: string; prefix: string };
  platformUserId: string;
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
 * An armed request also has to act as the action's account: the platform acts as the account
 * its cookie names (the annex's `account_cookie`), and another tab or the app may have switched
 * the browser's active account since the page's chrome was read. The jar is read as the request
 * is let go; a commit that would act as another account is blocked like an unguarded one and
 * the attempt refused with IdentityMismatchError (nothing left the browser).
 *
 * Installed once per episode on the context with a glob on the platform's origin: reads of
 * other origins never reach this process, reads of the origin are continued at once.
 */
export class CommitGuard {
  private armed = 0;
  private readonly seen: GuardedRequest[] = [];
  private installed?: { context: BrowserContext; pattern: string; handler: (route: Route, request: Request) => Promise<void> };

  constructor(private readonly origin: string, private readonly nonCommitting: readonly NonCommitting[] = [], private readonly account?: CommitAccount) {}

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

  get wrongAccount(): readonly GuardedRequest[] {
    return this.seen.filter((r) => r.verdict === 'wrong_account');
  }

  /** A new kernel call on the episode: nothing armed, nothing seen. */
  reset(): void {
    this.armed = 0;
    this.seen.length = 0;
  }

  /** Throws UnguardedCommitError when a mutating request was blocked since `reset`. */
  assertClean(phase: string): void {
    const wrong = this.wrongAccount[0];
    if (wrong) {
      throw new IdentityMismatchError([`${this.account!.cookie.name}_cookie`], `${phase}: the commit ${wrong.method} ${wrong.path} would have acted as platform user ${wrong.acting} (cookie ${this.account!.cookie.name}), not ${this.account!.platformUserId}: the browser's active account changed; stopped before it left the browser`);
    }
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
      const acting = await this.actingAs(request.url());
      if (acting === undefined) {
        entry('armed');
        return route.continue().catch(() => undefined);
      }
      this.seen.push({ method, path, verdict: 'wrong_account', at: Date.now(), acting });
      return this.stop(route, request);
    }
    entry('blocked');
    return this.stop(route, request);
  }

  /** undefined when the jar names the action's account (or no account check is configured); else who it names. */
  private async actingAs(url: string): Promise<string | undefined> {
    if (!this.account || !this.installed) return undefined;
    const { name, prefix } = this.account.cookie;
    // A jar that cannot be read proves nothing: the commit does not leave.
    const jar = await this.installed.context.cookies(url).catch(() => undefined);
    if (!jar) return 'unreadable';
    const cookie = jar.find((c) => c.name === name);
    let value: string | undefined;
    try {
      value = cookie ? decodeURIComponent(cookie.value) : undefined;
    } catch {
      value = cookie?.value;
    }
    const id = value?.startsWith(prefix) ? value.slice(prefix.length) : value;
    return id === this.account.platformUserId ? undefined : (id ?? 'none');
  }

  private async stop(route: Route, request: Request): Promise<void> {
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
