import type { GraphAccount } from '../../connectors/index.js';

/** A comment read by the poll: what the Graph API shows of it, nothing the sandbox alone would. */
export interface PolledComment {
  id: string;
  text: string;
  /** The commenter's app-scoped id (IG Comment `from.id`): whom a private reply goes to. */
  from_id: string;
  username?: string;
  media_id: string;
  timestamp_ms: number;
}

export interface CommentReadOptions {
  /** The account's newest media to read. @default 10 */
  mediaLimit?: number;
  /** Comments per media (one page, newest first). @default 50 */
  commentLimit?: number;
  /** Comments older than this are left alone (epoch ms). */
  sinceMs: number;
}

/**
 * The engage loop's read-only fallback when comment webhooks are missing (GP4): the account's
 * newest media, then each one's newest comments, through the lane's throttle (a request limit
 * Meta announced stops the poll, not an action). Nothing is written; a comment without a
 * commenter id (Meta hides it for some accounts) cannot be answered privately and is skipped.
 */
export async function readRecentComments(api: GraphAccount, options: CommentReadOptions): Promise<PolledComment[]> {
  const media = api.raise(await api.recentMedia({ limit: options.mediaLimit ?? 10 }), false).data;
  const out: PolledComment[] = [];
  for (const m of media) {
    const page = api.raise(await api.comments(m.id, { limit: options.commentLimit ?? 50 }), false).data;
    for (const c of page) {
      const at = c.timestamp ? Date.parse(c.timestamp) : NaN;
      if (!c.from?.id || !Number.isFinite(at) || at < options.sinceMs) continue;
      out.push({ id: c.id, text: c.text ?? '', from_id: c.from.id, ...(c.username ? { username: c.username } : {}), media_id: m.id, timestamp_ms: at });
    }
  }
  return out.sort((a, b) => a.timestamp_ms - b.timestamp_ms);
}
