import { hostname } from 'node:os';
import type { PlatformAccount, Store } from '../../store/index.js';
import type { BrowserPerformer } from '../browser-performer.js';

/** A comment as the dm service's poll takes it (dm/service.ts `PolledComment`). */
export interface BrowserPolledComment {
  id: string;
  text: string;
  from_id: '';
  username: string;
  media_id: string;
  timestamp_ms: number;
}

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
 * renewed while the read lasts and given up after.
 */
export function browserCommentReader(store: Store, performer: Pick<BrowserPerformer, 'readComments'>, options: BrowserCommentReaderOptions = {}) {
  const ownerId = options.ownerId ?? `comment-poll:${hostname()}:${process.pid}`;
  const ttlMs = options.leaseTtlMs ?? 120_000;
  return async (account: PlatformAccount, read: { sinceMs: number }): Promise<BrowserPolledComment[] | null> => {
    const lease = await store.leases.acquire(account.platform_account_id, ownerId, ttlMs, new Date());
    if (!lease) return null;
    const renew = setInterval(() => void store.leases.renew(account.platform_account_id, ownerId, lease.fence, ttlMs, new Date()).catch(() => undefined), Math.max(1000, ttlMs / 4));
    renew.unref?.();
    try {
      const comments = await performer.readComments(account, { sinceMs: read.sinceMs, ...(options.posts ? { posts: options.posts } : {}) });
      return comments.map((c) => ({ id: c.id, text: c.text, from_id: '', username: c.username, media_id: c.post, timestamp_ms: c.timestamp_ms }));
    } finally {
      clearInterval(renew);
      await store.leases.release(account.platform_account_id, ownerId, lease.fence).catch(() => undefined);
    }
  };
}
