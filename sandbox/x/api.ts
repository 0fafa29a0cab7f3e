import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { lagKey } from '../lag.js';
import type { FaultResponses } from '../gate.js';
import type { Account, EffectKind, Post } from '../types.js';
import { bodyErrors, parseInput } from '../validation.js';
import { duplicateContent, forbidden, invalidBody, invalidRequest, notFound, notFoundError, problem, tooManyRequests, unauthorized, unsupportedAuthentication, type ParamError } from './api-errors.js';
import { readShape, XObjects, type Shape } from './api-fields.js';
import { X_APP_BEARER_TOKEN, XRateLimits, type Caller, type XEndpoint } from './api-limits.js';
import { DM_EVENTS_PAGING, LIKED_PAGING, pageByPosition, pageOf, readPaging, TIMELINE_PAGING } from './api-paging.js';
import { MAX_WEIGHTED_LENGTH, weightedLength } from './text-weight.js';

const tweetSchema = z.object({
  text: z.string().min(1),
  // POST /2/tweets body: reply.in_reply_to_tweet_id, reply.exclude_reply_user_ids (API reference).
  reply: z.object({ in_reply_to_tweet_id: z.string().regex(/^\d{1,19}$/), exclude_reply_user_ids: z.array(z.string().regex(/^\d{1,19}$/)).optional() }).strict().optional(),
});
const dmSchema = z.object({ text: z.string().min(1).max(10_000) });
const likeSchema = z.object({ tweet_id: z.string().regex(/^\d{1,19}$/) });
const followSchema = z.object({ target_user_id: z.string().regex(/^\d{1,19}$/) });

/** 400 body of POST /2/tweets over 280 weighted characters (observed message; tweepy shows it as "400 Bad Request"). */
const TOO_LONG = 'Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text.';
/**
 * X refuses a post repeating the text of one of its author's recent posts (403, duplicate content).
 * X documents no window; the sandbox compares the author's live posts of the last 24 hours, so a
 * deleted post's text may be posted again.
 */
const DUPLICATE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Only the most recent 3,200 posts are reachable on a user timeline (800 with exclude=replies), 800 on mentions. */
const TIMELINE_CAP = 3200;
const REPLIES_EXCLUDED_CAP = 800;

/** Path ids and usernames are checked as X does: "The `id` query parameter value [x] does not match ^[0-9]{1,19}$". */
function pathParam(name: string, value: string, pattern: RegExp): ParamError[] {
  return pattern.test(value) ? [] : [{ parameter: name, value, message: `The \`${name}\` query parameter value [${value}] does not match ${pattern.source}` }];
}
const ID = /^[0-9]{1,19}$/;
const USERNAME = /^[A-Za-z0-9_]{1,15}$/;

/** X API v2 (users, posts, timelines, likes, follows, DMs) in X's wire format, mounted at /2. */
export function xApiRouter(ctx: SandboxContext): Router {
  const { world, state, gate, options } = ctx;
  const router = express.Router();
  // Every api.x.com answer carries `x-transaction-id` (observed: 16 hex digits), the id X
  // support asks for; clients keep it as the request id of their proofs.
  router.use((_req, res, next) => {
    res.set('x-transaction-id', randomBytes(8).toString('hex'));
    next();
  });
  router.use(express.json({ limit: '256kb' }));
  const limits = new XRateLimits({ ...(options.xRateLimit ? { perWindow: options.xRateLimit } : {}), ...(options.xPostCaps24h ? { postCaps: options.xPostCaps24h } : {}) });
  const objects = new XObjects(world, state);

  const faults = (endpoint: XEndpoint, caller: Caller): FaultResponses => ({
    serverError: (res) => problem(res, 503, 'Service Unavailable', 'Service Unavailable'),
    afterCommit: (res) => problem(res, 500, 'Internal Server Error', 'Internal Server Error'),
    // The rate_limit fault answers as X's own limits do: 429, x-rate-limit-remaining 0, the reset in x-rate-limit-reset.
    rateLimited: (res, s) => {
      limits.faultHeaders(res, endpoint, caller, s);
      tooManyRequests(res);
    },
    tokenExpired: unauthorized,
  });

  interface Entered {
    caller: Caller;
    /** The authenticated user; absent with the app-only Bearer token. */
    me?: Account;
  }

  /**
   * Authenticates (a business account's user token, or the app-only Bearer where the endpoint
   * takes it), counts the request against the endpoint's limits (headers on every response) and
   * runs the pre-commit faults. Undefined when the request has been answered.
   */
  async function enter(req: Request, res: Response, endpoint: XEndpoint, action?: EffectKind): Promise<Entered | undefined> {
    const token = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const user = token ? state.accountByToken('x', token) : undefined;
    const me = user?.kind === 'business' ? user : undefined;
    const caller: Caller | undefined = me ? { kind: 'user', id: me.id } : token === X_APP_BEARER_TOKEN ? { kind: 'app' } : undefined;
    if (!caller) return void unauthorized(res);
    if (!limits.accepts(endpoint, caller)) return void unsupportedAuthentication(res);
    if (!limits.take(res, endpoint, caller)) return void tooManyRequests(res);
    const scope = { platform: 'x' as const, lane: 'api' as const, ...(me ? { account: me.id } : {}), ...(action ? { action } : {}) };
    if (await gate.before(res, scope, faults(endpoint, caller))) return undefined;
    return { caller, ...(me ? { me } : {}) };
  }
  const after = (req: Request, res: Response, me: Account, action: EffectKind, endpoint: XEndpoint) =>
    gate.after(req, res, { platform: 'x', lane: 'api', account: me.id, action }, faults(endpoint, { kind: 'user', id: me.id }));
  /** Phantom success at the commit point: answer as if applied, apply nothing. */
  const phantom = (req: Request, me: Account, action: EffectKind) => gate.phantom(req, { platform: 'x', lane: 'api', account: me.id, action });

  /** A list answer: `data` and `includes` only when the page has objects, then `meta`. */
  const listBody = (body: Record<string, unknown>, meta: Record<string, unknown>) => ((body.data as unknown[]).length ? { ...body, meta } : { meta });
  const shapeOr400 = (req: Request, res: Response, kind: 'tweet' | 'user' | 'dm', extra: ParamError[] = []): Shape | undefined => {
    const { shape, errors } = readShape(req.query, kind);
    if (errors.length + extra.length) return void invalidRequest(res, [...extra, ...errors]);
    return shape;
  };
  const userById = (id: string) => {
    const u = state.account('x', id);
    return u && u.id === id ? u : undefined;
  };

  router.get('/users/me', async (req, res) => {
    const at = await enter(req, res, 'GET /2/users/me');
    const shape = at && shapeOr400(req, res, 'user');
    if (at && shape) res.json(objects.users([at.me!], shape, at.me!.id, true));
  });

  router.get('/users/by/username/:username', async (req, res) => {
    const at = await enter(req, res, 'GET /2/users/by/username/:username');
    const name = String(req.params.username);
    const shape = at && shapeOr400(req, res, 'user', pathParam('username', name, USERNAME));
    if (!at || !shape) return;
    // Usernames match without regard to case, as on X.
    const user = state.data.accounts.find((a) => a.platform === 'x' && a.handle.toLowerCase() === name.toLowerCase());
    if (!user) return void res.json({ errors: [notFoundError('user', name, 'username')] });
    res.json(objects.users([user], shape, at.me?.id, true));
  });

  router.get('/users/:id', async (req, res) => {
    const at = await enter(req, res, 'GET /2/users/:id');
    const id = String(req.params.id);
    const shape = at && shapeOr400(req, res, 'user', pathParam('id', id, ID));
    if (!at || !shape) return;
    const user = userById(id);
    if (!user) return notFound(res, 'user', id);
    res.json(objects.users([user], shape, at.me?.id, true));
  });

  /** exclude=replies,retweets on the user timeline (API reference); the sandbox has no retweets. */
  const readExclude = (req: Request): { replies: boolean; errors: ParamError[] } => {
    const value = req.query.exclude === undefined ? undefined : String(req.query.exclude);
    const names = (value ?? '').split(',').filter(Boolean);
    const bad = names.find((n) => n !== 'replies' && n !== 'retweets');
    return { replies: names.includes('replies'), errors: bad === undefined ? [] : [{ parameter: 'exclude', value: value!, message: `The \`exclude\` query parameter value [${bad}] is not one of [replies,retweets]` }] };
  };

  router.get('/users/:id/tweets', async (req, res) => {
    const at = await enter(req, res, 'GET /2/users/:id/tweets');
    if (!at) return;
    const id = String(req.params.id);
    const exclude = readExclude(req);
    const { page, errors } = readPaging(req.query, TIMELINE_PAGING);
    const shape = shapeOr400(req, res, 'tweet', [...pathParam('id', id, ID), ...exclude.errors, ...errors]);
    if (!shape) return;
    const user = userById(id);
    if (!user) return notFound(res, 'user', id);
    const posts = world
      .postsOf(user, 100_000, 'api_list', true)
      .filter((p) => !(exclude.replies && p.reply_to))
      .slice(0, exclude.replies ? REPLIES_EXCLUDED_CAP : TIMELINE_CAP);
    const { items, meta } = pageOf(posts, page, (p) => p.created_at);
    res.json(listBody(objects.tweets(items, shape, at.me?.id), meta));
  });

  router.get('/users/:id/mentions', async (req, res) => {
    const at = await enter(req, res, 'GET /2/users/:id/mentions');
    if (!at) return;
    const id = String(req.params.id);
    const { page, errors } = readPaging(req.query, TIMELINE_PAGING);
    const shape = shapeOr400(req, res, 'tweet', [...pathParam('id', id, ID), ...errors]);
    if (!shape) return;
    const user = userById(id);
    if (!user) return notFound(res, 'user', id);
    // Posts by others naming @handle, or replying to one of the user's posts.
    const named = new RegExp(`(^|[^A-Za-z0-9_])@${user.handle}(?![A-Za-z0-9_])`, 'i');
    const mentions = world.data.posts
      .filter((p) => p.platform === 'x' && !p.deleted_at && p.account_id !== user.id && world.shows('api_list', lagKey.post(p.id)))
      .filter((p) => named.test(p.text) || (p.reply_to !== undefined && world.post('x', p.reply_to, true)?.account_id === user.id));
    const recent = pageOf(mentions, { max: REPLIES_EXCLUDED_CAP }, (p) => p.created_at).items;
    const { items, meta } = pageOf(recent, page, (p) => p.created_at);
    res.json(listBody(objects.tweets(items, shape, at.me?.id), meta));
  });

  router.post('/tweets', async (req, res) => {
    const parsed = parseInput(tweetSchema, req.body ?? {});
    const action = parsed.ok && parsed.value.reply ? 'reply' : 'publish';
    const at = await enter(req, res, 'POST /2/tweets', action);
    if (!at) return;
    const me = at.me!;
    if (!parsed.ok) return invalidBody(res, parsed.issues);
    const text = parsed.value.text;
    // Length is X's weighted count (docs.x.com/fundamentals/counting-characters, twitter-text v3).
    if (weightedLength(text) > MAX_WEIGHTED_LENGTH) return invalidRequest(res, [{ parameter: 'text', value: text, message: TOO_LONG }]);
    const parentId = parsed.value.reply?.in_reply_to_tweet_id;
    if (parentId && !world.post('x', parentId)) return forbidden(res, 'You attempted to reply to a Tweet that is deleted or not visible to you.');
    if (isDuplicate(me, text)) return duplicateContent(res);
    const post = await world.publish(me, { text, ...(parentId ? { reply_to: parentId } : {}) }, 'api', phantom(req, me, action));
    if (after(req, res, me, action, 'POST /2/tweets')) return;
    // 201 {data:{id, text, edit_history_tweet_ids}}, the text as stored (URLs as t.co links).
    res.status(201).json({ data: objects.tweet(post, new Set()) });
  });

  const isDuplicate = (me: Account, text: string) => {
    const since = Date.now() - DUPLICATE_WINDOW_MS;
    const same = (p: Post) => p.text.normalize('NFC') === text.normalize('NFC');
    return world.data.posts.some((p) => p.platform === 'x' && p.account_id === me.id && !p.deleted_at && Date.parse(p.created_at) >= since && same(p));
  };

  router.get('/tweets/:id', async (req, res) => {
    const at = await enter(req, res, 'GET /2/tweets/:id');
    const id = String(req.params.id);
    const shape = at && shapeOr400(req, res, 'tweet', pathParam('id', id, ID));
    if (!at || !shape) return;
    const post = world.visiblePost('x', id, 'api_get');
    if (!post) return notFound(res, 'tweet', id);
    res.json(objects.tweets([post], shape, at.me?.id, true));
  });

  router.delete('/tweets/:id', async (req, res) => {
    const at = await enter(req, res, 'DELETE /2/tweets/:id', 'delete');
    if (!at) return;
    const me = at.me!;
    const id = String(req.params.id);
    if (!ID.test(id)) return invalidRequest(res, pathParam('id', id, ID));
    const post = world.post('x', id);
    if (!post) return notFound(res, 'tweet', id);
    if (post.account_id !== me.id) return forbidden(res, 'You are not authorized to delete this Tweet.');
    await world.deletePost(me, post, 'api', phantom(req, me, 'delete'));
    if (after(req, res, me, 'delete', 'DELETE /2/tweets/:id')) return;
    res.json({ data: { deleted: true } });
  });

  router.post('/users/:id/likes', async (req, res) => {
    const at = await enter(req, res, 'POST /2/users/:id/likes', 'like');
    if (!at) return;
    const me = at.me!;
    if (req.params.id !== me.id) return forbidden(res, 'You are not permitted to perform this action on behalf of another user.');
    const parsed = parseInput(likeSchema, req.body ?? {});
    if (!parsed.ok) return invalidBody(res, parsed.issues);
    const post = world.post('x', parsed.value.tweet_id);
    if (!post) return notFound(res, 'tweet', parsed.value.tweet_id);
    await world.like(me, post, 'api', phantom(req, me, 'like'));
    if (after(req, res, me, 'like', 'POST /2/users/:id/likes')) return;
    res.json({ data: { liked: true } });
  });

  // Likes lookup (API reference, GET /2/users/{id}/liked_tweets): the posts a user liked, most
  // recently liked first, `max_results` 5–100 (default 100), `pagination_token`, the tweet fields.
  router.get('/users/:id/liked_tweets', async (req, res) => {
    const at = await enter(req, res, 'GET /2/users/:id/liked_tweets');
    if (!at) return;
    const id = String(req.params.id);
    const { page, errors } = readPaging(req.query, LIKED_PAGING);
    const shape = shapeOr400(req, res, 'tweet', [...pathParam('id', id, ID), ...errors]);
    if (!shape) return;
    const user = userById(id);
    if (!user) return notFound(res, 'user', id);
    // Most recent first; likes of the same millisecond in the order they were made, newest first.
    const liked = world.data.likes
      .filter((l) => l.platform === 'x' && l.account_id === user.id && world.likedBy(user, l.post_id))
      .reverse()
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .map((l) => world.post('x', l.post_id))
      .filter((p): p is Post => p !== undefined);
    const { items, meta } = pageByPosition(liked, page);
    res.json(listBody(objects.tweets(items, shape, at.me?.id), meta));
  });

  router.post('/users/:id/following', async (req, res) => {
    const at = await enter(req, res, 'POST /2/users/:id/following', 'follow');
    if (!at) return;
    const me = at.me!;
    if (req.params.id !== me.id) return forbidden(res, 'You are not permitted to perform this action on behalf of another user.');
    const parsed = parseInput(followSchema, req.body ?? {});
    if (!parsed.ok) return invalidBody(res, parsed.issues);
    const target = userById(parsed.value.target_user_id);
    if (!target || target.id === me.id) return notFound(res, 'user', parsed.value.target_user_id);
    await world.follow(me, target, 'api', phantom(req, me, 'follow'));
    if (after(req, res, me, 'follow', 'POST /2/users/:id/following')) return;
    res.json({ data: { following: true, pending_follow: false } });
  });

  const conversationId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`);

  router.post('/dm_conversations/with/:participant_id/messages', async (req, res) => {
    const at = await enter(req, res, 'POST /2/dm_conversations/with/:participant_id/messages', 'dm_send');
    if (!at) return;
    const me = at.me!;
    const parsed = parseInput(dmSchema, req.body ?? {});
    if (!parsed.ok) return invalidBody(res, parsed.issues);
    const to = userById(String(req.params.participant_id));
    if (!to || to.id === me.id) return notFound(res, 'user', String(req.params.participant_id));
    const message = await world.sendDm(me, to, parsed.value.text, 'api', phantom(req, me, 'dm_send'));
    if (after(req, res, me, 'dm_send', 'POST /2/dm_conversations/with/:participant_id/messages')) return;
    res.status(201).json({ data: { dm_conversation_id: conversationId(me.id, to.id), dm_event_id: message.id } });
  });

  router.get('/dm_conversations/with/:participant_id/dm_events', async (req, res) => {
    const at = await enter(req, res, 'GET /2/dm_conversations/with/:participant_id/dm_events');
    if (!at) return;
    const { page, errors } = readPaging(req.query, DM_EVENTS_PAGING);
    const shape = shapeOr400(req, res, 'dm', errors);
    if (!shape) return;
    const peer = userById(String(req.params.participant_id));
    if (!peer) return notFound(res, 'user', String(req.params.participant_id));
    // event_types: MessageCreate, ParticipantsJoin, ParticipantsLeave; a 1-1 conversation has only MessageCreate.
    const types = String(req.query.event_types ?? 'MessageCreate').split(',');
    const messages = types.includes('MessageCreate') ? world.conversation(at.me!, peer, 'thread') : [];
    const { items, meta } = pageOf(messages, page, (m) => m.at);
    res.json(listBody(objects.dmEvents(items, conversationId(at.me!.id, peer.id), shape), meta));
  });

  router.use((_req, res) => problem(res, 404, 'Not Found Error', 'The requested resource does not exist.'));
  router.use(bodyErrors((res, status, message) => problem(res, status, status >= 500 ? 'Internal Server Error' : 'Invalid Request', message)));
  return router;
}
