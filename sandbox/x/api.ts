import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import type { FaultResponses } from '../gate.js';
import type { Account, EffectKind, Post } from '../types.js';
import { bodyErrors, parseInput, type FieldIssue } from '../validation.js';

const problem = (res: Response, status: number, title: string, detail: string, extra: Record<string, unknown> = {}) =>
  res.status(status).json({ title, detail, type: 'about:blank', status, ...extra });

const invalid = (res: Response, issues: FieldIssue[]) =>
  res.status(400).json({
    errors: issues.map((i) => ({ parameters: { [i.field]: [] }, message: i.missing ? `The \`${i.field}\` field is required.` : `${i.field}: ${i.message}` })),
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });

const WINDOW_S = 15 * 60;

const tweetSchema = z.object({
  text: z.string().min(1).max(280),
  reply: z.object({ in_reply_to_tweet_id: z.string().regex(/^\d+$/) }).strict().optional(),
});
const dmSchema = z.object({ text: z.string().min(1).max(10_000) });
const likeSchema = z.object({ tweet_id: z.string().regex(/^\d+$/) });
const followSchema = z.object({ target_user_id: z.string().regex(/^\d+$/) });

/** X API v2 (users, tweets, likes, follows, DMs) with x-rate-limit-* headers, mounted at /2. */
export function xApiRouter(ctx: SandboxContext): Router {
  const { world, state, gate, options } = ctx;
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));
  const windows = new Map<string, { reset: number; used: number }>();

  const faults = (limit: number): FaultResponses => ({
    serverError: (res) => problem(res, 503, 'Service Unavailable', 'Service Unavailable'),
    afterCommit: (res) => problem(res, 500, 'Internal Server Error', 'Internal Server Error'),
    rateLimited: (res, s) => {
      res.set({ 'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + s), 'retry-after': String(s) });
      problem(res, 429, 'Too Many Requests', 'Too Many Requests');
    },
    tokenExpired: (res) => problem(res, 401, 'Unauthorized', 'Unauthorized'),
  });

  /**
   * Authenticates, counts the request in the account's 15-minute window for this endpoint,
   * sets x-rate-limit-* headers and runs the pre-commit faults. Returns the account, or
   * undefined when the request has been answered.
   */
  async function enter(req: Request, res: Response, endpoint: string, action?: EffectKind): Promise<Account | undefined> {
    const token = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const me = token ? state.accountByToken('x', token) : undefined;
    if (!me || me.kind !== 'business') {
      problem(res, 401, 'Unauthorized', 'Unauthorized');
      return undefined;
    }
    const key = `${me.id} ${endpoint}`;
    const now = Math.ceil(Date.now() / 1000);
    let w = windows.get(key);
    if (!w || w.reset <= now) windows.set(key, (w = { reset: now + WINDOW_S, used: 0 }));
    if (w.used >= options.xRateLimit) {
      faults(options.xRateLimit).rateLimited(res, w.reset - now);
      return undefined;
    }
    w.used += 1;
    res.set({ 'x-rate-limit-limit': String(options.xRateLimit), 'x-rate-limit-remaining': String(options.xRateLimit - w.used), 'x-rate-limit-reset': String(w.reset) });
    if (await gate.before(res, { platform: 'x', lane: 'api', account: me.id, ...(action ? { action } : {}) }, faults(options.xRateLimit))) return undefined;
    return me;
  }
  const after = (req: Request, res: Response, me: Account, action: EffectKind) => gate.after(req, res, { platform: 'x', lane: 'api', account: me.id, action }, faults(options.xRateLimit));
  /** Phantom success at the commit point: answer as if applied, apply nothing. */
  const phantom = (req: Request, me: Account, action: EffectKind) => gate.phantom(req, { platform: 'x', lane: 'api', account: me.id, action });

  const userJson = (a: Account, req: Request) => {
    const wanted = new Set(String(req.query['user.fields'] ?? '').split(',').filter(Boolean));
    const all: Record<string, unknown> = {
      profile_image_url: `${world.urls.x}/static/avatars/${a.id}.png`,
      description: a.bio,
      verified: false,
      public_metrics: {
        followers_count: world.followerCount(a),
        following_count: world.followingCount(a),
        tweet_count: world.postsOf(a, 100_000, 'api_list', true).length,
      },
    };
    return { id: a.id, name: a.display_name, username: a.handle, ...Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has(k))) };
  };
  const tweetJson = (p: Post) => ({
    id: p.id,
    text: p.text,
    author_id: p.account_id,
    created_at: p.created_at,
    edit_history_tweet_ids: [p.id],
    ...(p.reply_to ? { in_reply_to_user_id: world.post('x', p.reply_to, true)?.account_id, referenced_tweets: [{ type: 'replied_to', id: p.reply_to }] } : {}),
  });
  const notFound = (res: Response, kind: 'tweet' | 'user', id: string) =>
    res.json({
      errors: [{ value: id, detail: `Could not find ${kind} with id: [${id}].`, title: 'Not Found Error', resource_type: kind, parameter: 'id', resource_id: id, type: 'https://api.twitter.com/2/problems/resource-not-found' }],
    });
  const forbidden = (res: Response, detail: string) => problem(res, 403, 'Forbidden', detail);

  router.get('/users/me', async (req, res) => {
    const me = await enter(req, res, 'users/me');
    if (me) res.json({ data: userJson(me, req) });
  });

  router.get('/users/by/username/:username', async (req, res) => {
    if (!(await enter(req, res, 'users/by'))) return;
    const user = state.account('x', String(req.params.username));
    if (!user || user.handle !== req.params.username) return notFound(res, 'user', String(req.params.username));
    res.json({ data: userJson(user, req) });
  });

  router.get('/users/:id', async (req, res) => {
    if (!(await enter(req, res, 'users/:id'))) return;
    const user = state.account('x', String(req.params.id));
    if (!user || user.id !== req.params.id) return notFound(res, 'user', String(req.params.id));
    res.json({ data: userJson(user, req) });
  });

  router.get('/users/:id/tweets', async (req, res) => {
    if (!(await enter(req, res, 'users/:id/tweets'))) return;
    const user = state.account('x', String(req.params.id));
    if (!user || user.id !== req.params.id) return notFound(res, 'user', String(req.params.id));
    const max = Math.min(Math.max(Number(req.query.max_results ?? 10) || 10, 5), 100);
    const data = world
      .postsOf(user, 100_000, 'api_list', true)
      .sort((a, b) => Number(BigInt(b.id) - BigInt(a.id)))
      .slice(0, max)
      .map(tweetJson);
    res.json(data.length ? { data, meta: { result_count: data.length, newest_id: data[0]!.id, oldest_id: data[data.length - 1]!.id } } : { meta: { result_count: 0 } });
  });

  router.post('/tweets', async (req, res) => {
    const parsed = parseInput(tweetSchema, req.body ?? {});
    const action = parsed.ok && parsed.value.reply ? 'reply' : 'publish';
    const me = await enter(req, res, 'tweets', action);
    if (!me) return;
    if (!parsed.ok) return invalid(res, parsed.issues);
    const parentId = parsed.value.reply?.in_reply_to_tweet_id;
    if (parentId && !world.post('x', parentId)) return forbidden(res, 'You attempted to reply to a Tweet that is deleted or not visible to you.');
    const post = await world.publish(me, { text: parsed.value.text, ...(parentId ? { reply_to: parentId } : {}) }, 'api', phantom(req, me, action));
    if (after(req, res, me, action)) return;
    res.status(201).json({ data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } });
  });

  router.get('/tweets/:id', async (req, res) => {
    if (!(await enter(req, res, 'tweets/:id'))) return;
    const post = world.visiblePost('x', String(req.params.id), 'api_get');
    if (!post) return notFound(res, 'tweet', String(req.params.id));
    res.json({ data: tweetJson(post) });
  });

  router.delete('/tweets/:id', async (req, res) => {
    const me = await enter(req, res, 'tweets/:id DELETE', 'delete');
    if (!me) return;
    const post = world.post('x', String(req.params.id));
    if (!post) return notFound(res, 'tweet', String(req.params.id));
    if (post.account_id !== me.id) return forbidden(res, 'You are not authorized to delete this Tweet.');
    await world.deletePost(me, post, 'api', phantom(req, me, 'delete'));
    if (after(req, res, me, 'delete')) return;
    res.json({ data: { deleted: true } });
  });

  router.post('/users/:id/likes', async (req, res) => {
    const me = await enter(req, res, 'likes', 'like');
    if (!me) return;
    if (req.params.id !== me.id) return forbidden(res, 'You are not permitted to perform this action on behalf of another user.');
    const parsed = parseInput(likeSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const post = world.post('x', parsed.value.tweet_id);
    if (!post) return notFound(res, 'tweet', parsed.value.tweet_id);
    await world.like(me, post, 'api', phantom(req, me, 'like'));
    if (after(req, res, me, 'like')) return;
    res.json({ data: { liked: true } });
  });

  router.post('/users/:id/following', async (req, res) => {
    const me = await enter(req, res, 'following', 'follow');
    if (!me) return;
    if (req.params.id !== me.id) return forbidden(res, 'You are not permitted to perform this action on behalf of another user.');
    const parsed = parseInput(followSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const target = state.account('x', parsed.value.target_user_id);
    if (!target || target.id === me.id) return notFound(res, 'user', parsed.value.target_user_id);
    await world.follow(me, target, 'api', phantom(req, me, 'follow'));
    if (after(req, res, me, 'follow')) return;
    res.json({ data: { following: true, pending_follow: false } });
  });

  const conversationId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`);

  router.post('/dm_conversations/with/:participant_id/messages', async (req, res) => {
    const me = await enter(req, res, 'dm_conversations', 'dm_send');
    if (!me) return;
    const parsed = parseInput(dmSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const to = state.account('x', String(req.params.participant_id));
    if (!to || to.id !== req.params.participant_id || to.id === me.id) return notFound(res, 'user', String(req.params.participant_id));
    const message = await world.sendDm(me, to, parsed.value.text, 'api', phantom(req, me, 'dm_send'));
    if (after(req, res, me, 'dm_send')) return;
    res.status(201).json({ data: { dm_conversation_id: conversationId(me.id, to.id), dm_event_id: message.id } });
  });

  router.get('/dm_conversations/with/:participant_id/dm_events', async (req, res) => {
    const me = await enter(req, res, 'dm_events');
    if (!me) return;
    const peer = state.account('x', String(req.params.participant_id));
    if (!peer) return notFound(res, 'user', String(req.params.participant_id));
    const data = world
      .conversation(me, peer, 'thread')
      .reverse()
      .map((m) => ({ id: m.id, event_type: 'MessageCreate', text: m.text, sender_id: m.from_id, created_at: m.at, dm_conversation_id: conversationId(me.id, peer.id) }));
    res.json({ data, meta: { result_count: data.length } });
  });

  router.use((_req, res) => problem(res, 404, 'Not Found Error', 'The requested resource does not exist.'));
  router.use(bodyErrors((res, status, message) => problem(res, status, status >= 500 ? 'Internal Server Error' : 'Invalid Request', message)));
  return router;
}
