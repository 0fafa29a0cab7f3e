import { createHash } from 'node:crypto';
import type { Account } from './types.js';

/**
 * An Instagram conversation's id as its URL shows it (`/direct/t/<id>/`): a long opaque number
 * of its own, the same for both people in it and never either one's account id. A reader cannot
 * address a conversation by whom it is with; it follows the Message link of the person's profile
 * or a row of the inbox, as on the real site.
 */
export function instagramThreadId(a: string, b: string): string {
  const [lo, hi] = [a, b].sort();
  return BigInt(`0x${createHash('sha256').update(`ig-thread|${lo}|${hi}`).digest('hex').slice(0, 30)}`).toString().padStart(36, '3');
}

/** The other person of an Instagram conversation `threadId` of `me`'s, among `accounts`. */
export function instagramThreadPeer(threadId: string, me: Account, accounts: readonly Account[]): Account | undefined {
  return accounts.find((a) => a.platform === 'instagram' && a.id !== me.id && instagramThreadId(me.id, a.id) === threadId);
}
