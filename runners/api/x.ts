import { XClient, XLimitBook, type XClientOptions, type XEndpoint } from '../../connectors/index.js';
import {
  AuthExpiredError, OutcomeUnknownError, PlatformRefusalError, TransientError, ValidationError,
  type ActionContext, type AttemptReceipt, type IdentityProof, type Performer, type PlatformHold, type Precheck, type ProofRef, type Verification,
} from '../../safety/index.js';
import type { ActionType, Secret, Vault } from '../../store/index.js';
import { xLooks } from '../../verifiers/index.js';

const { deletedById, dmSince, likeOf, postById, postSince, replyById, replySince } = xLooks;
type LookInput = xLooks.LookInput;

export interface XApiOptions extends Omit<XClientOptions, 'onLimits'> {
  vault: Pick<Vault, 'open'>;
  /** Where posts are seen: permalinks are `{webUrl}/{handle}/status/{id}`. @default https://x.com for X's own API host, else the base URL's origin */
  webUrl?: string;
  /** How long after an attempt a new post, like or message may still be missing from X's reads. @default 30000 */
  visibilityWindowMs?: number;
  /** Pages of a listing read per look (100 objects each). @default 5 */
  maxPages?: number;
}

/** The X endpoints each action type writes through, besides the identity read (`GET /2/users/me`). */
const WRITES: Partial<Record<ActionType, XEndpoint[]>> = {
  publish: ['POST /2/tweets'],
  comment_reply: ['POST /2/tweets'],
  like: ['POST /2/users/:id/likes'],
  dm_send: ['POST /2/dm_conversations/with/:participant_id/messages'],
  delete: ['DELETE /2/tweets/:id'],
};

/** The reads each action type needs (pre-check, the id kept before the write, the looks). */
const READS: Partial<Record<ActionType, XEndpoint[]>> = {
  publish: ['GET /2/users/:id/tweets', 'GET /2/tweets/:id'],
  comment_reply: ['GET /2/users/:id/tweets', 'GET /2/tweets/:id'],
  like: ['GET /2/users/:id/liked_tweets'],
  dm_send: ['GET /2/dm_conversations/with/:participant_id/dm_events'],
  delete: ['GET /2/tweets/:id'],
};

function textOf(ctx: ActionContext): string {
  const p = ctx.action.payload as { text?: unknown; caption?: unknown };
  const text = typeof p.text === 'string' ? p.text : p.caption;
  if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('payload.text', 'expected the text to post');
  return text;
}

/**
 * `payload.target`: a status path or permalink (`/{handle}/status/{id}`), or a post id with its
 * author's handle in `payload.target_handle` (as the browser lane's flows take it).
 */
function targetRef(ctx: ActionContext): { id: string; handle?: string } {
  const p = ctx.action.payload as { target?: unknown; target_handle?: unknown };
  const t = typeof p.target === 'string' ? p.target.trim() : '';
  const given = typeof p.target_handle === 'string' && p.target_handle.trim() ? { handle: p.target_handle.trim().replace(/^@/, '') } : {};
  if (/^\d{1,19}$/.test(t)) return { id: t, ...given };
  const m = /(?:^|\/)([A-Za-z0-9_]{1,15})\/status(?:es)?\/(\d{1,19})(?:[/?#]|$)/.exec(t);
  if (!m) throw new ValidationError('payload.target', 'expected a post id or status permalink (/{handle}/status/{id})');
  return { id: m[2]!, handle: m[1]! };
}
const targetOf = (ctx: ActionContext) => targetRef(ctx).id;

function webOrigin(options: XApiOptions): string {
  if (options.webUrl) return new URL(options.webUrl).origin;
  const base = new URL(options.baseUrl ?? 'https://api.x.com');
  return /^api\.(x|twitter)\.com$/.test(base.hostname) ? 'https://x.com' : base.origin;
}

/**
 * The X API lane (issue 9): X API v2 through the kernel — publish, reply, like, DM, delete.
 * X takes no idempotency key, so before a post or a DM leaves the attempt keeps (`keepRef`) the
 * newest id already there; every later look reads only what came after it. Verification is
 * read-only: the post by id (precise), else the timeline since that id matched by text (content
 * match; "absent" precise only when nothing at all was posted since), the account's likes, the
 * conversation's events. Rate limits: every answer's 15-minute and 24-hour headers go into a limit
 * book; a used-up limit holds the account's actions (`hold`) and no request leaves before its reset.
 */
export function createXApiPerformer(options: XApiOptions): Performer & { close(): Promise<void>; useClock(now: () => number): void; readonly limits: XLimitBook } {
  const callers = new WeakMap<object, string>();
  const limits = new XLimitBook();
  const x = new XClient({ ...options, onLimits: (token, endpoint, l) => limits.observe(callers.get(token) ?? 'unknown', endpoint, l) });
  const web = webOrigin(options);
  const windowMs = options.visibilityWindowMs ?? 30_000;

  async function tokenOf(ctx: ActionContext): Promise<Secret> {
    const opened = await options.vault.open(ctx.account.platform_account_id, 'access_token');
    if (!opened) throw new AuthExpiredError('no API token stored for this account: connect it on the API lane');
    callers.set(opened.value, ctx.account.platform_account_id);
    return opened.value;
  }
  const me = (ctx: ActionContext) => ctx.account.fingerprint.platform_user_id;
  const handle = (ctx: ActionContext) => ctx.account.fingerprint.handle.replace(/^@/, '');
  const proof = (id: string | undefined, what: string): ProofRef[] => (id ? [{ kind: 'request', ref: `${what} x-transaction-id ${id}` }] : []);
  const refs = (ctx: ActionContext) => ctx.action.result.lane_refs ?? {};
  const looks = (ctx: ActionContext, token: Secret): LookInput => ({
    x, token, me: me(ctx), permalink: (id) => `${web}/${handle(ctx)}/status/${id}`, maxPages: options.maxPages ?? 5, signal: ctx.signal,
  });
  /** The target post's permalink (its author's handle from the target; our own when only an id was given). */
  const targetLink = (ctx: ActionContext) => {
    const t = targetRef(ctx);
    return `${web}/${t.handle ?? handle(ctx)}/status/${t.id}`;
  };
  const supported = (ctx: ActionContext) => {
    if (!WRITES[ctx.action.action_type]) throw new PlatformRefusalError(`x api lane: ${ctx.action.action_type} is not built`);
  };

  /** No request leaves while X has said a limit it falls under is used up (§8.3: do not thrash). */
  function guard(ctx: ActionContext): void {
    const spent = limits.spent(ctx.account.platform_account_id, WRITES[ctx.action.action_type] ?? []);
    if (spent) throw new TransientError(`x ${spent.scope} limit of ${spent.endpoint} used up; not sent`, false, spent.until - limits.time(), 429);
  }

  /** The recipient's user id: `payload.recipient` is an id, or a handle looked up once and kept. */
  async function recipientOf(ctx: ActionContext, token: Secret, keep: boolean): Promise<string> {
    const kept = refs(ctx).recipient_id;
    if (kept) return kept;
    const r = (ctx.action.payload as { recipient?: unknown }).recipient;
    if (typeof r !== 'string' || !r.trim()) throw new ValidationError('payload.recipient', 'expected a user id or handle');
    const name = r.trim().replace(/^@/, '');
    if (/^\d{1,19}$/.test(name)) return name;
    const a = await x.userByUsername(token, name, ctx.signal);
    if (a.notFound) throw new PlatformRefusalError(`x dm: no user @${name}`);
    const id = x.raise(a, { write: false }).data.id;
    if (keep) await ctx.keepRef('recipient_id', id);
    return id;
  }

  /** Keeps the newest post (or DM event) id there before the write: the looks read what came after. */
  async function keepSince(ctx: ActionContext, token: Secret, name: 'since_id' | 'since_event_id', peer?: string): Promise<void> {
    if (refs(ctx)[name]) return;
    const newest = peer
      ? x.raise(await x.dmEvents(token, peer, { max_results: 1, signal: ctx.signal }), { write: false }).data?.[0]?.id
      : x.raise(await x.recentPosts(token, me(ctx), { max_results: 5, signal: ctx.signal }), { write: false }).meta?.newest_id;
    await ctx.keepRef(name, newest ?? 'none');
  }

  async function write(ctx: ActionContext, token: Secret): Promise<AttemptReceipt> {
    const afterAmbiguous = ctx.attempt > 1;
    const receipt = (id: string | undefined, a: { requestId?: string; status: number }, what: string, permalink?: string): AttemptReceipt => ({
      ...(id ? { platform_object_id: id } : {}), ...(permalink ? { permalink } : {}), http_status: a.status, proofs: proof(a.requestId, what), ...(a.requestId ? { request_id: a.requestId } : {}),
    });
    switch (ctx.action.action_type) {
      case 'publish':
      case 'comment_reply': {
        const text = textOf(ctx);
        const reply = ctx.action.action_type === 'comment_reply' ? { in_reply_to_tweet_id: targetOf(ctx) } : undefined;
        await keepSince(ctx, token, 'since_id');
        await ctx.beforeCommit();
        const a = await x.createPost(token, text, { ...(reply ? { reply } : {}), signal: ctx.signal });
        const post = x.raise(a, { write: true, afterAmbiguous }).data;
        return receipt(post.id, a, 'POST /2/tweets', `${web}/${handle(ctx)}/status/${post.id}`);
      }
      case 'like': {
        const target = targetOf(ctx);
        await ctx.beforeCommit();
        const a = await x.like(token, me(ctx), target, ctx.signal);
        if (!x.raise(a, { write: true }).data.liked) throw new OutcomeUnknownError('x like: answered liked=false');
        return receipt(target, a, 'POST /2/users/:id/likes', targetLink(ctx));
      }
      case 'dm_send': {
        const peer = await recipientOf(ctx, token, true);
        await keepSince(ctx, token, 'since_event_id', peer);
        await ctx.beforeCommit();
        const a = await x.sendDm(token, peer, textOf(ctx), ctx.signal);
        return receipt(x.raise(a, { write: true }).data.dm_event_id, a, 'POST /2/dm_conversations/with/:participant_id/messages');
      }
      case 'delete': {
        const id = targetOf(ctx);
        await ctx.beforeCommit();
        const a = await x.deletePost(token, id, ctx.signal);
        // "Not found": gone already, perhaps by an earlier attempt; the look settles it.
        if (a.notFound) throw new OutcomeUnknownError('x delete: the post was not found');
        if (!x.raise(a, { write: true }).data.deleted) throw new OutcomeUnknownError('x delete: answered deleted=false');
        return receipt(id, a, 'DELETE /2/tweets/:id');
      }
      default:
        throw new PlatformRefusalError(`x api lane: ${ctx.action.action_type} is not built`);
    }
  }

  return {
    tool: 'connector',
    toolVersion: '1.0.0',
    limits,

    async verifyIdentity(ctx): Promise<IdentityProof> {
      const token = await tokenOf(ctx);
      const a = await x.me(token, ctx.signal);
      const user = x.raise(a, { write: false }).data;
      const fp = ctx.account.fingerprint;
      const signals = [
        { name: 'user_id', ok: user?.id === fp.platform_user_id },
        { name: 'username', ok: user?.username.toLowerCase() === handle(ctx).toLowerCase() },
      ];
      return { ok: signals.every((s) => s.ok), signals, proofs: proof(a.requestId, 'GET /2/users/me') };
    },

    async hold(ctx): Promise<PlatformHold | null> {
      const type = ctx.action.action_type;
      const spent = limits.spent(ctx.account.platform_account_id, [...(WRITES[type] ?? []), ...(READS[type] ?? []), 'GET /2/users/me']);
      if (!spent) return null;
      return { until: new Date(spent.until).toISOString(), reason: `x ${spent.scope} limit of ${spent.endpoint} used up (${spent.limit})` };
    },

    async precheck(ctx): Promise<Precheck> {
      supported(ctx);
      const type = ctx.action.action_type;
      if (type === 'publish' || type === 'comment_reply' || type === 'dm_send') {
        // A fresh action has made nothing yet; the same text posted by another action is not this one's.
        textOf(ctx);
        if (type === 'comment_reply') targetOf(ctx);
        return { exists: false };
      }
      const token = await tokenOf(ctx);
      const target = targetOf(ctx);
      const v = type === 'like' ? await likeOf(looks(ctx, token), target, targetLink(ctx)) : await deletedById(looks(ctx, token), target);
      if (v.outcome === 'present') return { exists: true, ref: { platform_object_id: target, ...(v.permalink ? { permalink: v.permalink } : {}) }, level: 2 };
      return { exists: false };
    },

    async attempt(ctx): Promise<AttemptReceipt> {
      supported(ctx);
      try {
        guard(ctx);
        return await write(ctx, await tokenOf(ctx));
      } catch (error) {
        // A limit met inside the attempt: X ran nothing. The kernel waits out a reset that fits
        // the action's deadline and tries again; a later one ends the action here, refused and not
        // sent (as the Instagram lane does), while the limit book holds every later action.
        if (error instanceof TransientError && !error.sent && error.httpStatus === 429 && (error.retryAfterMs ?? 0) > ctx.deadline - Date.now() - 5_000) {
          throw new PlatformRefusalError(`${error.message}; reset beyond this action's deadline: nothing was sent, resubmit after ${new Date(Date.now() + error.retryAfterMs!).toISOString()}`, 429, 'rate_limit');
        }
        throw error;
      }
    },

    async verify(ctx, receipt): Promise<Verification> {
      const token = await tokenOf(ctx);
      const i = looks(ctx, token);
      const id = receipt?.platform_object_id;
      switch (ctx.action.action_type) {
        case 'publish':
        case 'comment_reply': {
          const reply = ctx.action.action_type === 'comment_reply';
          if (id) return reply ? replyById(i, id) : postById(i, id);
          const since = refs(ctx).since_id;
          // Nothing kept: the attempt stopped before its write, which comes after keeping it.
          if (!since) return { outcome: 'absent', level: 0, surface: 'timeline', precise: true };
          return reply ? replySince(i, since, textOf(ctx), targetOf(ctx)) : postSince(i, since, textOf(ctx));
        }
        case 'like':
          return likeOf(i, targetOf(ctx), targetLink(ctx));
        case 'delete':
          return deletedById(i, targetOf(ctx));
        case 'dm_send': {
          const since = refs(ctx).since_event_id;
          if (!since) return { outcome: 'absent', level: 0, surface: 'dm_events', precise: true };
          return dmSince(i, await recipientOf(ctx, token, false), since, textOf(ctx), id);
        }
        default:
          return { outcome: 'inconclusive', level: 0 };
      }
    },

    absenceRule(actionType) {
      // X shows a new post by id and on the timeline, a like in the likes list, a message in
      // the conversation, seconds after it exists: only looks after the window prove absence.
      const surface = { like: 'likes', dm_send: 'dm_events', delete: 'api_get' }[actionType as string];
      return WRITES[actionType] ? { windowMs, looks: 2, surfaces: surface ? [surface] : [] } : undefined;
    },

    useClock: (now) => limits.useClock(now),
    close: () => x.close(),
  };
}
