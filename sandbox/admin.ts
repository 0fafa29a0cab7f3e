import { avatarPath } from './avatars.js';
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { chaosRoutes } from './admin-chaos.js';
import { churnRoutes } from './admin-churn.js';
import type { SandboxContext } from './context.js';
import { FAULT_KINDS, faultInputSchema } from './faults.js';
import { ACTION_TYPE, EFFECT_KINDS, IG_ATTACHMENT_TYPES, IG_REACTIONS, LANES, LAYOUTS, PLATFORMS, type Account, type Effect, type IgReaction, type Message, type Platform } from './types.js';
import { bodyErrors, describeIssues, parseInput, type FieldIssue } from './validation.js';
import { WebhookSubscribeError } from './webhooks.js';

const layoutSchema = z.object({ platform: z.enum(PLATFORMS), version: z.enum(LAYOUTS) }).strict();
const effectsQuery = z.object({
  platform: z.enum(PLATFORMS).optional(),
  account: z.string().min(1).optional(),
  kind: z.enum(EFFECT_KINDS).optional(),
  via: z.enum(LANES).optional(),
  since_seq: z.coerce.number().int().min(0).optional(),
  action_type: z.enum(['publish', 'delete', 'like', 'follow', 'comment_reply', 'dm_send']).optional(),
  reverted: z.enum(['true', 'false']).optional(),
});
/** Effects written before these fields existed read as not reverted. */
const effectView = (e: Effect): Effect => ({ ...e, action_type: e.action_type ?? ACTION_TYPE[e.kind], reverted: e.reverted ?? false });
/** Extra identical webhook deliveries of the same event (same bytes, delivered again). */
const duplicates = z.number().int().min(0).max(10).default(0);
const dmSchema = z
  .object({
    platform: z.enum(PLATFORMS).default('instagram'),
    /** Audience account (id or handle) that sends. */
    from: z.string().min(1),
    /** Business account (id or handle) that receives. */
    to: z.string().min(1),
    text: z.string().min(1).max(1000).optional(),
    /** Instagram: media instead of text (Meta's `message.attachments`); `url` defaults to a CDN-like link. */
    attachments: z
      .array(z.object({ type: z.enum(IG_ATTACHMENT_TYPES), url: z.url().optional() }).strict())
      .min(1)
      .max(10)
      .optional(),
    duplicates,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.text === undefined && v.attachments === undefined) ctx.addIssue({ code: 'custom', path: ['text'], message: 'give text or attachments' });
    if (v.text !== undefined && v.attachments !== undefined) ctx.addIssue({ code: 'custom', path: ['attachments'], message: 'an Instagram message carries text or attachments, not both' });
    if (v.attachments && v.platform !== 'instagram') ctx.addIssue({ code: 'custom', path: ['attachments'], message: 'attachments exist on instagram only' });
  });
/** An audience account acting on a message of its conversation with a business account. */
const onMessage = { from: z.string().min(1), mid: z.string().min(1), duplicates };
const reactSchema = z
  .object({
    ...onMessage,
    action: z.enum(['react', 'unreact']).default('react'),
    reaction: z.enum(IG_REACTIONS).default('love'),
    /** The emoji; default the reaction's (love ❤️, like 👍, laugh 😆, wow 😮, sad 😢, angry 😡, smile 😊, dislike 👎); required for `other`. */
    emoji: z.string().min(1).max(16).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.reaction === 'other' && v.action === 'react' && !v.emoji) ctx.addIssue({ code: 'custom', path: ['emoji'], message: 'reaction other needs emoji' });
  });
const readSchema = z.object(onMessage).strict();
const unsendSchema = z.object(onMessage).strict();
const editSchema = z.object({ ...onMessage, text: z.string().min(1).max(1000) }).strict();
const commentSchema = z
  .object({
    from: z.string().min(1),
    post_id: z.string().min(1),
    text: z.string().min(1).max(2200),
    parent_id: z.string().optional(),
    /** When the comment was made (ISO 8601, not in the future); default now. For the 7-day private-reply window. */
    created_at: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) <= Date.now() + 1000, 'must not be in the future')
      .optional(),
    /** Extra copies of the webhook (same bytes), as Meta's at-least-once delivery sends them. */
    duplicates,
  })
  .strict();
const subscribeSchema = z
  .object({ callback_url: z.url(), verify_token: z.string().min(1), app_secret: z.string().min(1), echoes: z.boolean().default(true) })
  .strict();
const quiesceQuery = z.object({
  quiet_ms: z.coerce.number().int().min(10).max(10_000).default(150),
  timeout_ms: z.coerce.number().int().min(100).max(120_000).default(10_000),
});
const faultsDeleteQuery = z.object({ id: z.string().optional(), platform: z.enum(PLATFORMS).optional(), kind: z.enum(FAULT_KINDS).optional() });

/** Default emoji of each Meta reaction name. */
const REACTION_EMOJI: Record<IgReaction, string> = {
  love: '\u2764\ufe0f', like: '\ud83d\udc4d', laugh: '\ud83d\ude06', wow: '\ud83d\ude2e', sad: '\ud83d\ude22', angry: '\ud83d\ude21', smile: '\ud83d\ude0a', dislike: '\ud83d\udc4e', other: '',
};
/** A CDN-looking attachment URL, as Meta sends them (an expiring lookaside link the sandbox never serves). */
const cdnUrl = () => `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=${randomInt(1e14, 3e14)}&signature=${randomBytes(18).toString('base64url')}`;

const invalid = (res: Response, issues: FieldIssue[]) => res.status(400).json({ error: 'invalid_request', message: describeIssues(issues), issues });
const notFound = (res: Response, message: string) => res.status(404).json({ error: 'not_found', message });

/** The admin API under /__sandbox/*: bearer admin token on every route. */
export function adminRouter(ctx: SandboxContext, adminToken: string, layoutChanged: () => void = () => undefined): Router {
  const { world, state, faults, webhooks, lag, reverter } = ctx;
  const router = express.Router();
  const expected = Buffer.from(adminToken);

  router.get('/healthz', (_req, res) => res.json({ ok: true }));

  router.use('/__sandbox', (req, res, next) => {
    const given = Buffer.from(req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return res.status(401).set('WWW-Authenticate', 'Bearer realm="raize-sandbox"').json({ error: 'unauthorized', message: 'Authorization: Bearer <admin token> required' });
    }
    next();
  });
  router.use('/__sandbox', express.json({ limit: '1mb' }));

  const account = (platform: Platform, idOrHandle: string) => state.account(platform, idOrHandle);

  router.get('/__sandbox/state', (_req, res) => {
    const d = world.data;
    res.json({
      platforms: world.urls,
      layout: d.layout,
      accounts: d.accounts.map((a) => ({ ...a, avatar_url: `${world.urls[a.platform]}${avatarPath(a.platform, a.id)}`, profile_url: `${world.urls[a.platform]}/${a.handle}${a.platform === 'instagram' ? '/' : ''}` })),
      counts: { posts: d.posts.filter((p) => !p.deleted_at).length, comments: d.comments.length, likes: d.likes.length, follows: d.follows.length, messages: d.messages.length, containers: d.containers.length, effects: d.effects.length, sessions: d.sessions.length },
      faults: faults.list(),
      lag: lag.config,
      webhook_faults: webhooks.faults,
      fired: faults.fired.snapshot().counts,
      webhook: d.webhook ? { callback_url: d.webhook.callback_url, echoes: d.webhook.echoes, verified_at: d.webhook.verified_at } : null,
    });
  });

  router.get('/__sandbox/accounts', (req, res) => {
    const platform = typeof req.query.platform === 'string' ? req.query.platform : undefined;
    res.json({ data: world.data.accounts.filter((a) => !platform || a.platform === platform) });
  });

  router.post('/__sandbox/reset', async (_req, res) => {
    await state.reset();
    faults.reset();
    lag.reset();
    reverter.clear();
    webhooks.resetQueue();
    layoutChanged();
    res.json({ ok: true });
  });

  router.post('/__sandbox/layout', async (req, res) => {
    const parsed = parseInput(layoutSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    world.data.layout[parsed.value.platform] = parsed.value.version;
    await state.save();
    layoutChanged();
    res.json({ layout: world.data.layout });
  });

  router.get('/__sandbox/faults', (_req, res) => res.json({ data: faults.list() }));
  router.post('/__sandbox/faults', (req, res) => {
    const body = req.body ?? {};
    const parsed = Array.isArray(body) ? parseInput(z.array(faultInputSchema).min(1), body) : parseInput(faultInputSchema, body);
    if (!parsed.ok) return invalid(res, parsed.issues);
    const inputs = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    for (const [i, input] of inputs.entries()) {
      for (const field of ['account', 'to'] as const) {
        const given = input[field];
        if (given && !account(input.platform, given)) {
          return invalid(res, [{ field: Array.isArray(parsed.value) ? `${i}.${field}` : field, message: `no ${input.platform} account with id or handle ${given}`, missing: false }]);
        }
      }
    }
    const rules = inputs.map((input) =>
      faults.add({ ...input, ...(input.account ? { account: account(input.platform, input.account)!.id } : {}), ...(input.to ? { to: account(input.platform, input.to)!.id } : {}) }),
    );
    res.status(201).json({ data: rules });
  });
  router.delete('/__sandbox/faults', (req, res) => {
    const parsed = parseInput(faultsDeleteQuery, req.query);
    if (!parsed.ok) return invalid(res, parsed.issues);
    res.json({ removed: faults.clear(parsed.value) });
  });

  // A barrier for "nothing happened" checks: no platform request in flight, none for quiet_ms.
  router.get('/__sandbox/quiesce', async (req, res) => {
    const parsed = parseInput(quiesceQuery, req.query);
    if (!parsed.ok) return invalid(res, parsed.issues);
    try {
      const r = await ctx.activity.quiesce(parsed.value.quiet_ms, parsed.value.timeout_ms);
      res.json({ ...r, effects: world.data.effects.length });
    } catch (error) {
      res.status(503).json({ error: 'busy', message: (error as Error).message });
    }
  });

  router.get('/__sandbox/effects', (req, res) => {
    const parsed = parseInput(effectsQuery, req.query);
    if (!parsed.ok) return invalid(res, parsed.issues);
    const q = parsed.value;
    const key = q.account?.replace(/^@/, '');
    const data = world.data.effects.map(effectView).filter(
      (e) =>
        (!q.platform || e.platform === q.platform) &&
        (!key || e.account.id === key || e.account.handle === key) &&
        (!q.kind || e.kind === q.kind) &&
        (!q.action_type || e.action_type === q.action_type) &&
        (!q.via || e.via === q.via) &&
        (!q.reverted || e.reverted === (q.reverted === 'true')) &&
        (q.since_seq === undefined || e.seq > q.since_seq),
    );
    res.json({ data, count: data.length });
  });

  const sent = (out: Awaited<ReturnType<typeof webhooks.deliver>>) => ({
    deliveries: out.deliveries.map((d) => ({ id: d.id, state: d.state, attempts: d.attempts.length })),
    queued: out.queued.map((e) => e.id),
  });

  router.post('/__sandbox/dm', async (req, res) => {
    const parsed = parseInput(dmSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const { platform, duplicates } = parsed.value;
    const from = account(platform, parsed.value.from);
    const to = account(platform, parsed.value.to);
    if (!from || from.kind !== 'audience') return invalid(res, [{ field: 'from', message: `not a ${platform} audience account`, missing: false }]);
    if (!to || to.kind !== 'business') return invalid(res, [{ field: 'to', message: `not a ${platform} business account`, missing: false }]);
    const attachments = parsed.value.attachments?.map((a) => ({ type: a.type, url: a.url ?? cdnUrl() }));
    const message = await world.sendDm(from, to, parsed.value.text ?? '', 'audience', false, attachments ? { attachments } : {});
    if (platform !== 'instagram') return res.status(201).json({ message, deliveries: [], queued: [] });
    const event = webhooks.messageEvent(message, false);
    const out = await webhooks.deliver('message', webhooks.messagingBody(to.id, event), duplicates);
    res.status(201).json({ message, event, ...sent(out) });
  });

  /**
   * The message `mid` of a conversation between the audience account `from` and a business account,
   * as the audience account acts on it (react, read, unsend, edit); `own`: only a message `from` sent.
   */
  const audienceMessage = (res: Response, fromKey: string, mid: string, own: boolean): { from: Account; business: Account; message: Message } | undefined => {
    const from = account('instagram', fromKey);
    if (!from || from.kind !== 'audience') {
      invalid(res, [{ field: 'from', message: 'not an instagram audience account', missing: false }]);
      return undefined;
    }
    const message = world.data.messages.find((m) => m.platform === 'instagram' && m.id === mid);
    const peer = message && (message.from_id === from.id ? message.to_id : message.to_id === from.id ? message.from_id : undefined);
    const business = peer ? account('instagram', peer) : undefined;
    if (!message || !business || business.kind !== 'business') {
      notFound(res, `mid: no message ${mid} between ${from.handle} and a business account`);
      return undefined;
    }
    if (own && message.from_id !== from.id) {
      invalid(res, [{ field: 'mid', message: `message ${mid} was not sent by ${from.handle}`, missing: false }]);
      return undefined;
    }
    return { from, business, message };
  };

  router.post('/__sandbox/dm/react', async (req, res) => {
    const parsed = parseInput(reactSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const v = parsed.value;
    const found = audienceMessage(res, v.from, v.mid, false);
    if (!found) return;
    const react = v.action === 'react' ? { reaction: v.reaction as IgReaction, emoji: v.emoji ?? REACTION_EMOJI[v.reaction] } : null;
    await world.reactToMessage(found.message, found.from, react);
    const event = webhooks.reactionEvent(found.from.id, found.business.id, found.message.id, react);
    const out = await webhooks.deliver('reaction', webhooks.messagingBody(found.business.id, event), v.duplicates);
    res.status(201).json({ event, ...sent(out) });
  });

  router.post('/__sandbox/dm/read', async (req, res) => {
    const parsed = parseInput(readSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const found = audienceMessage(res, parsed.value.from, parsed.value.mid, false);
    if (!found) return;
    const event = webhooks.readEvent(found.from.id, found.business.id, found.message.id);
    const out = await webhooks.deliver('read', webhooks.messagingBody(found.business.id, event), parsed.value.duplicates);
    res.status(201).json({ event, ...sent(out) });
  });

  router.post('/__sandbox/dm/unsend', async (req, res) => {
    const parsed = parseInput(unsendSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const found = audienceMessage(res, parsed.value.from, parsed.value.mid, true);
    if (!found) return;
    await world.unsendMessage(found.message);
    const event = webhooks.unsendEvent(found.from.id, found.business.id, found.message.id);
    const out = await webhooks.deliver('unsend', webhooks.messagingBody(found.business.id, event), parsed.value.duplicates);
    res.status(201).json({ event, ...sent(out) });
  });

  router.post('/__sandbox/dm/edit', async (req, res) => {
    const parsed = parseInput(editSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const found = audienceMessage(res, parsed.value.from, parsed.value.mid, true);
    if (!found) return;
    if (found.message.attachments) return invalid(res, [{ field: 'mid', message: `message ${parsed.value.mid} has attachments, no text to edit`, missing: false }]);
    const numEdit = await world.editMessage(found.message, parsed.value.text);
    const event = webhooks.editEvent(found.from.id, found.business.id, found.message.id, parsed.value.text, numEdit);
    const out = await webhooks.deliver('edit', webhooks.messagingBody(found.business.id, event), parsed.value.duplicates);
    res.status(201).json({ event, ...sent(out) });
  });

  router.post('/__sandbox/comment', async (req, res) => {
    const parsed = parseInput(commentSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    const post = world.data.posts.find((p) => (p.id === parsed.value.post_id || p.code === parsed.value.post_id) && !p.deleted_at);
    if (!post) return notFound(res, `post_id: no post ${parsed.value.post_id}`);
    const from = account(post.platform, parsed.value.from);
    if (!from || from.kind !== 'audience') return invalid(res, [{ field: 'from', message: `not a ${post.platform} audience account`, missing: false }]);
    if (post.platform === 'x') {
      const reply = await world.publish(from, { text: parsed.value.text, reply_to: post.id }, 'audience');
      return res.status(201).json({ reply });
    }
    const parent = parsed.value.parent_id ? world.data.comments.find((c) => c.id === parsed.value.parent_id) : undefined;
    const comment = await world.comment(from, post, parsed.value.text, 'audience', parent, false, parsed.value.created_at);
    const out = await webhooks.deliver('comment', webhooks.commentBody(comment), parsed.value.duplicates);
    res.status(201).json({ comment, deliveries: out.deliveries.map((d) => ({ id: d.id, state: d.state })), queued: out.queued.map((e) => e.id) });
  });

  router.post('/__sandbox/webhooks/subscribe', async (req, res) => {
    const parsed = parseInput(subscribeSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    try {
      const sub = await webhooks.subscribe(parsed.value);
      res.status(201).json({ callback_url: sub.callback_url, echoes: sub.echoes, verified_at: sub.verified_at });
    } catch (e) {
      if (e instanceof WebhookSubscribeError) return res.status(400).json({ error: e.code, message: e.message });
      throw e;
    }
  });
  router.get('/__sandbox/webhooks', (_req, res) => {
    const sub = world.data.webhook;
    res.json({
      subscription: sub ? { callback_url: sub.callback_url, echoes: sub.echoes, verified_at: sub.verified_at } : null,
      deliveries: world.data.deliveries.map((d) => ({ id: d.id, kind: d.kind, ...(d.events ? { events: d.events } : {}), state: d.state, attempts: d.attempts, body: d.body })),
    });
  });
  router.delete('/__sandbox/webhooks', async (_req, res) => {
    await webhooks.unsubscribe();
    res.json({ ok: true });
  });

  chaosRoutes(router, ctx, invalid);
  churnRoutes(router, ctx, invalid);

  router.use('/__sandbox', (req, res) => notFound(res, `no admin route ${req.method} ${req.originalUrl}`));
  router.use(bodyErrors((res, status, message) => res.status(status).json({ error: status >= 500 ? 'internal_error' : 'invalid_request', message })));
  return router;
}
