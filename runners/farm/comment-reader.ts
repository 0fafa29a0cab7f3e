import { hostname } from 'node:os';
import { OwnershipLostError } from '../../safety/index.js';
import type { PlatformAccount, PolledComment, Store } from '../../store/index.js';
import type { BrowserPerformer } from '../browser-performer.js';

export interface BrowserCommentReaderOptions {
  /** The lease's owner: never a runner's own id (re-acquiring one's own lease would succeed). @default `comment-poll:<host>:<pid>` */
  ownerId?: string;
  /** @default 120000 */
  leaseTtlMs?: number;
  /** Newest posts to open per account. @default 6 */
  posts?: number;
}

/**
 * The engage loop's comment poll on the browser lane, as the farm runs it: one account at a time
 * under that account's runner lease (issue 10's "one runner per account" — a second context on
 * the same session at once is what a platform notices), so the read never overlaps an episode.
 * An account whose lease another holder has is left to the next pass (`null`); the lease is
 * renewed while the read lasts and given up after. A renewal refused (the lease expired and
 * another holder took the account, e.g. after this process was paused) or failing stops the
 * read at once — its context is closed — and the poll counts the account failed.
 */
export function browserCommentReader(store: Store, performer: Pick<BrowserPerformer, 'readComments'>, options: BrowserCommentReaderOptions = {}) {
  const ownerId = options.ownerId ?? `comment-poll:${hostname()}:${process.pid}`;
  const ttlMs = options.leaseTtlMs ?? 120_000;
  return async (account: PlatformAccount, read: { sinceMs: number }): Promise<PolledComment[] | null> => {
    const accountId = account.platform_account_id;
    const lease = await store.leases.acquire(accountId, ownerId, ttlMs, new Date());
    if (!lease) return null;
    const lost = new AbortController();
    const loseLease = (why: string) => lost.abort(new OwnershipLostError(`comment-poll:${accountId}`, why));
    const renew = setInterval(() => {
      void store.leases.renew(accountId, ownerId, lease.fence, ttlMs, new Date())
        .then((held) => { if (!held) loseLease('lease renewal refused'); }, () => loseLease('lease renewal failed'));
    }, Math.max(1000, ttlMs / 4));
    renew.unref?.();
    try {
      const comments = await performer.readComments(account, { sinceMs: read.sinceMs, signal: lost.signal, ...(options.posts ? { posts: options.posts } : {}) });
      if (lost.signal.aborted) throw lost.signal.reason;
      return comments.map((c) => ({ id: c.id, text: c.text, from_id: '', username: c.username, media_id: c.post, timestamp_ms: c.timestamp_ms }));
    } finally {
      clearInterval(renew);
      // A lost lease is another holder's now: releasing it is refused by its fence anyway.
      if (!lost.signal.aborted) await store.leases.release(accountId, ownerId, lease.fence).catch(() => undefined);
    }
  };
}
