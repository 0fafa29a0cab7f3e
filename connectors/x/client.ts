import { z } from 'zod';
import { HttpClient, type HttpClientOptions, type HttpResponse, type TokenSecret } from '../http.js';
import { isNotFound, kindOf, limitsOf, problemOf, requestIdOf, toKernelError, type XErrorKind, type XLimits, type XProblem } from './errors.js';
import type { XEndpoint } from './limits.js';

export interface XClientOptions extends Omit<HttpClientOptions, 'baseUrl'> {
  /** X's API origin, or the sandbox's. @default https://api.x.com */
  baseUrl?: string;
  /** Sees the limits of every answer (the performer's limit book). */
  onLimits?: (token: TokenSecret, endpoint: XEndpoint, limits: XLimits) => void;
}

const ID = z.string().regex(/^\d{1,19}$/);

/** Post object (docs.x.com data dictionary): `id`, `text`, `edit_history_tweet_ids` by default, the rest by `tweet.fields`. */
export const xPostSchema = z.looseObject({
  id: ID,
  text: z.string(),
  author_id: ID.optional(),
  created_at: z.string().optional(),
  conversation_id: ID.optional(),
  in_reply_to_user_id: ID.optional(),
  referenced_tweets: z.array(z.looseObject({ type: z.string(), id: ID })).optional(),
  public_metrics: z.looseObject({ like_count: z.number().optional(), reply_count: z.number().optional() }).optional(),
  entities: z.looseObject({ urls: z.array(z.looseObject({ url: z.string(), expanded_url: z.string().optional() })).optional() }).optional(),
});
export type XPost = z.infer<typeof xPostSchema>;

export const xUserSchema = z.looseObject({ id: ID, username: z.string(), name: z.string().optional() });
export type XUser = z.infer<typeof xUserSchema>;

/** DM event (data dictionary): `id`, `event_type`, `text`; `created_at`, `sender_id`, `dm_conversation_id` by `dm_event.fields`. */
export const xDmEventSchema = z.looseObject({ id: ID, event_type: z.string(), text: z.string().optional(), sender_id: ID.optional(), created_at: z.string().optional() });
export type XDmEvent = z.infer<typeof xDmEventSchema>;

/** List `meta` (pagination): `result_count`, `newest_id`, `oldest_id`, `next_token`, `previous_token`. */
const metaSchema = z.looseObject({ result_count: z.number().optional(), newest_id: ID.optional(), oldest_id: ID.optional(), next_token: z.string().optional() });
const postList = z.looseObject({ data: z.array(xPostSchema).optional(), meta: metaSchema.optional() });
const dmEventList = z.looseObject({ data: z.array(xDmEventSchema).optional(), meta: metaSchema.optional() });
const userLookup = z.looseObject({ data: xUserSchema });
const postLookup = z.looseObject({ data: xPostSchema });

export type XList<T> = { data?: T[]; meta?: z.infer<typeof metaSchema> };

/** The post fields reconciliation reads (tweet.fields). */
export const POST_FIELDS = 'created_at,conversation_id,author_id,in_reply_to_user_id,referenced_tweets,public_metrics,entities';

/** One X answer: the parsed data, the request id, the limits it announced, the failure (classified) if any. */
export interface XAnswer<T> {
  status: number;
  data?: T;
  /** A lookup answered 200 with a Not Found Error: the object does not exist (or is not visible). */
  notFound?: boolean;
  error?: XProblem & { kind: XErrorKind };
  requestId?: string;
  limits: XLimits;
  res: HttpResponse;
}

interface Call<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  endpoint: XEndpoint;
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  write: boolean;
  schema: S;
  signal?: AbortSignal | undefined;
}

/**
 * X API v2 calls of the API lane (posts, replies, likes, follows, DMs, and the reads that
 * reconcile them), in X's documented wire format against any base URL. Every call returns its
 * answer with the failure classified (errors.ts) and the limits announced; `raise()` maps a
 * failure onto the kernel's errors.
 */
export class XClient {
  readonly http: HttpClient;

  constructor(private readonly options: XClientOptions = {}) {
    this.http = new HttpClient({ ...options, baseUrl: options.baseUrl ?? 'https://api.x.com' });
  }

  private async call<S extends z.ZodType>(token: TokenSecret, c: Call<S>): Promise<XAnswer<z.infer<S>>> {
    const res = await this.http.request({ method: c.method, path: c.path, query: c.query, json: c.json, token, mutating: c.write, signal: c.signal });
    const requestId = requestIdOf(res);
    const limits = limitsOf(res);
    this.options.onLimits?.(token, c.endpoint, limits);
    const base = { status: res.status, limits, res, ...(requestId ? { requestId } : {}) };
    const problem = problemOf(res);
    if (problem) return { ...base, error: { ...problem, kind: kindOf(res.status, problem, { write: c.write }) } };
    if (c.method === 'GET' && isNotFound(res.body)) return { ...base, notFound: true };
    const parsed = c.schema.safeParse(res.body);
    if (!parsed.success) {
      // A 2xx we cannot read: after a write it may well have been applied.
      const detail = `an answer of an unexpected shape (${parsed.error.issues[0]?.path.join('.') ?? ''})`;
      return { ...base, error: { title: `HTTP ${res.status}`, detail, kind: c.write ? 'unknown_after_send' : 'transient' } };
    }
    return { ...base, data: parsed.data };
  }

  /** The answer's data, or the kernel's error for its failure (`afterAmbiguous`: see toKernelError). */
  raise<T>(answer: XAnswer<T>, options: { write: boolean; afterAmbiguous?: boolean }): T {
    if (answer.error) throw toKernelError(answer.res, answer.error, options);
    if (answer.data === undefined) throw toKernelError(answer.res, { title: 'Not Found', detail: 'the object does not exist' }, options);
    return answer.data;
  }

  /** GET /2/users/me → `{data:{id, name, username}}` (users lookup; user context only). */
  me(token: TokenSecret, signal?: AbortSignal) {
    return this.call(token, { method: 'GET', endpoint: 'GET /2/users/me', path: '/2/users/me', write: false, schema: userLookup, signal });
  }

  /** GET /2/users/by/username/:username → `{data:{id, name, username}}`, or 200 with a Not Found Error. */
  userByUsername(token: TokenSecret, username: string, signal?: AbortSignal) {
    return this.call(token, {
      method: 'GET', endpoint: 'GET /2/users/by/username/:username', path: `/2/users/by/username/${encodeURIComponent(username)}`, write: false, schema: userLookup, signal,
    });
  }

  /**
   * POST /2/tweets `{text, reply?:{in_reply_to_tweet_id}}` → 201 `{data:{id, text,
   * edit_history_tweet_ids}}` (manage posts). X takes no idempotency key: dedupe is ours.
   */
  createPost(token: TokenSecret, text: string, options: { reply?: { in_reply_to_tweet_id: string }; signal?: AbortSignal } = {}) {
    return this.call(token, {
      method: 'POST', endpoint: 'POST /2/tweets', path: '/2/tweets', json: { text, ...(options.reply ? { reply: options.reply } : {}) }, write: true,
      schema: z.looseObject({ data: xPostSchema }), signal: options.signal,
    });
  }

  /** DELETE /2/tweets/:id → `{data:{deleted:true}}` (manage posts; own posts only, else 403). */
  deletePost(token: TokenSecret, id: string, signal?: AbortSignal) {
    return this.call(token, {
      method: 'DELETE', endpoint: 'DELETE /2/tweets/:id', path: `/2/tweets/${ID.parse(id)}`, write: true, schema: z.looseObject({ data: z.looseObject({ deleted: z.boolean() }) }), signal,
    });
  }

  /** GET /2/tweets/:id?tweet.fields=… → `{data:{…}}`, or 200 with a Not Found Error (posts lookup). */
  post(token: TokenSecret, id: string, signal?: AbortSignal) {
    return this.call(token, {
      method: 'GET', endpoint: 'GET /2/tweets/:id', path: `/2/tweets/${ID.parse(id)}`, query: { 'tweet.fields': POST_FIELDS }, write: false, schema: postLookup, signal,
    });
  }

  /**
   * GET /2/users/:id/tweets (user timeline, newest first, replies included): `max_results`
   * 5–100, `since_id` (exclusive), `pagination_token` from the previous page's `meta.next_token`.
   */
  recentPosts(token: TokenSecret, userId: string, options: { since_id?: string; max_results?: number; pagination_token?: string; signal?: AbortSignal } = {}) {
    return this.call(token, {
      method: 'GET', endpoint: 'GET /2/users/:id/tweets', path: `/2/users/${ID.parse(userId)}/tweets`,
      query: { 'tweet.fields': POST_FIELDS, max_results: options.max_results ?? 100, since_id: options.since_id, pagination_token: options.pagination_token },
      write: false, schema: postList, signal: options.signal,
    });
  }

  /** POST /2/users/:id/likes `{tweet_id}` → `{data:{liked:true}}` (a like of a liked post changes nothing). */
  like(token: TokenSecret, userId: string, tweetId: string, signal?: AbortSignal) {
    return this.call(token, {
      method: 'POST', endpoint: 'POST /2/users/:id/likes', path: `/2/users/${ID.parse(userId)}/likes`, json: { tweet_id: ID.parse(tweetId) }, write: true,
      schema: z.looseObject({ data: z.looseObject({ liked: z.boolean() }) }), signal,
    });
  }

  /** GET /2/users/:id/liked_tweets (likes lookup, most recently liked first): `max_results` 5–100, `pagination_token`. */
  likedPosts(token: TokenSecret, userId: string, options: { max_results?: number; pagination_token?: string; signal?: AbortSignal } = {}) {
    return this.call(token, {
      method: 'GET', endpoint: 'GET /2/users/:id/liked_tweets', path: `/2/users/${ID.parse(userId)}/liked_tweets`,
      query: { 'tweet.fields': 'public_metrics', max_results: options.max_results ?? 100, pagination_token: options.pagination_token },
      write: false, schema: postList, signal: options.signal,
    });
  }

  /** POST /2/users/:id/following `{target_user_id}` → `{data:{following, pending_follow}}` (follows). */
  follow(token: TokenSecret, userId: string, targetId: string, signal?: AbortSignal) {
    return this.call(token, {
      method: 'POST', endpoint: 'POST /2/users/:id/following', path: `/2/users/${ID.parse(userId)}/following`, json: { target_user_id: ID.parse(targetId) }, write: true,
      schema: z.looseObject({ data: z.looseObject({ following: z.boolean(), pending_follow: z.boolean().optional() }) }), signal,
    });
  }

  /** POST /2/dm_conversations/with/:participant_id/messages `{text}` → 201 `{data:{dm_conversation_id, dm_event_id}}`. */
  sendDm(token: TokenSecret, participantId: string, text: string, signal?: AbortSignal) {
    return this.call(token, {
      method: 'POST', endpoint: 'POST /2/dm_conversations/with/:participant_id/messages', path: `/2/dm_conversations/with/${ID.parse(participantId)}/messages`,
      json: { text }, write: true, schema: z.looseObject({ data: z.looseObject({ dm_conversation_id: z.string(), dm_event_id: ID }) }), signal,
    });
  }

  /**
   * GET /2/dm_conversations/with/:participant_id/dm_events (the 1-1 conversation, newest first):
   * `dm_event.fields=created_at,sender_id,dm_conversation_id`, `event_types=MessageCreate`,
   * `max_results` 1–100, `pagination_token`.
   */
  dmEvents(token: TokenSecret, participantId: string, options: { max_results?: number; pagination_token?: string; signal?: AbortSignal } = {}) {
    return this.call(token, {
      method: 'GET', endpoint: 'GET /2/dm_conversations/with/:participant_id/dm_events', path: `/2/dm_conversations/with/${ID.parse(participantId)}/dm_events`,
      query: { 'dm_event.fields': 'created_at,sender_id,dm_conversation_id', event_types: 'MessageCreate', max_results: options.max_results ?? 100, pagination_token: options.pagination_token },
      write: false, schema: dmEventList, signal: options.signal,
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
