import type { GraphAccount } from '../../connectors/index.js';
import type { PolledComment } from '../../store/index.js';

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
