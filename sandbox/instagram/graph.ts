import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { requestInfo } from '../gate.js';
import { lagKey } from '../lag.js';
import type { Account } from '../types.js';
import { bodyErrors, describeIssues, parseInput } from '../validation.js';
import { Containers } from './graph-containers.js';
import { graphError, graphFaults, GraphFailure, IG_ERRORS, invalidParam, notFound, sendGraphError, traceId } from './graph-errors.js';
import { parseFields, select } from './graph-fields.js';
import { graphNodes } from './graph-nodes.js';
import { graphMessaging } from './graph-messaging.js';
import { pagedAnswer, pageOf } from './graph-paging.js';
import { GraphUsage } from './graph-usage.js';

export { graphError } from './graph-errors.js';

const jsonish = (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

const publishSchema = z.object({ creation_id: z.string().regex(/^\d+$/, 'must be a container id') });
/** Send API: `recipient` is a user (`id`, an IGSID) or, for a private reply, a comment (`comment_id`). */
const messageSchema = z.object({
  recipient: z.preprocess(
    jsonish,
    z
      .object({ id: z.string().min(1).optional(), comment_id: z.string().min(1).optional() })
      .refine((r) => (r.id === undefined) !== (r.comment_id === undefined), 'give exactly one of recipient.id and recipient.comment_id'),
  ),
  message: z.preprocess(jsonish, z.object({ text: z.string().min(1).max(1000) })),
});
const commentSchema = z.object({ message: z.string().min(1).max(2200) });
/** "Your app can send this private reply within 7 days of the creation time of the comment." */
export const PRIVATE_REPLY_WINDOW_MS = 7 * 86_400_000;

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) throw new GraphFailure(invalidParam(describeIssues(parsed.issues)));
  return parsed.value;
}

/** Instagram Graph API (content publishing, media, messaging), mounted under /v<major>.<minor>/. */
export function graphRouter(ctx: SandboxContext): Router {
  const { world, state, gate, options } = ctx;
  const router = express.Router({ mergeParams: true });
  const usage = new GraphUsage();
  const FAULTS = graphFaults(usage);
  const containers = new Containers(ctx);
  const nodes = graphNodes(ctx);

  router.use((req, _res, next) => (/^v\d+\.\d+$/.test(String(req.params.version)) ? next() : next('router')));
  router.use((_req, res, next) => {
    res.set('x-fb-trace-id', traceId(res));
    next();
  });
  router.use(express.json({ limit: '1mb' }), express.urlencoded({ extended: false }));

  const params = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>), ...(req.body && typeof req.body === 'object' ? req.body : {}) });

  /** Resolves the token (Bearer header or access_token) to an account, or answers 104/190; counts the call for the usage header. */
  function auth(req: Request, res: Response): Account | undefined {
    const header = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = header ?? (params(req).access_token as string | undefined);
    if (!token) {
      graphError(res, 400, 104, 'An access token is required to request this resource.');
      return undefined;
    }
    const account = state.accountByToken('instagram', token);
    if (!account || account.kind !== 'business') {
      graphError(res, 400, 190, 'Invalid OAuth access token - Cannot parse access token');
      return undefined;
    }
    // Instagram Graph calls fall under Business Use Case limits: every answer carries X-Business-Use-Case-Usage.
    usage.note(account.id);
    res.set('X-Business-Use-Case-Usage', usage.header(account.id));
    return account;
  }

  /** The token's account, checked against the :id of the path ('me' = the token's account). */
  function owner(req: Request, res: Response): Account | undefined {
    const me = auth(req, res);
    if (!me) return undefined;
    const id = String(req.params.id);
    if (id !== 'me' && id !== me.id) {
      sendGraphError(res, notFound(id));
      return undefined;
    }
    return me;
  }

  const read = (me: Account, res: Response) => gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, FAULTS);
  const messaging = graphMessaging(ctx, { auth, owner, read, nodes });
  const scopeOf = (me: Account, action: 'publish' | 'delete' | 'comment' | 'reply' | 'dm_send' | 'private_reply') => ({ platform: 'instagram' as const, lane: 'api' as const, account: me.id, action });

  router.get('/me', async (req, res) => {
    const me = auth(req, res);
    if (!me || (await read(me, res))) return;
    res.json(select('IGUser', nodes.user(me), parseFields(req.query.fields), ['id', 'username']));
  });

  router.get('/:id/media', async (req, res) => {
    const me = owner(req, res);
    if (!me || (await read(me, res))) return;
    const fields = parseFields(req.query.fields);
    const query = req.query as Record<string, unknown>;
    const page = pageOf(world.postsOf(me, 10_000, 'api_list'), query);
    const data = page.data.map((p) => select('IGMedia', nodes.media(p), fields));
    const base = `${world.urls.instagram}/${String((req.params as Record<string, string>).version)}/${me.id}/media`;
    res.json(pagedAnswer(base, query, page, data));
  });

  router.post('/:id/media', async (req, res) => {
    const me = owner(req, res);
    if (!me || (await read(me, res))) return;
    const stuck = () => Boolean(ctx.faults.take('container_stuck', { platform: 'instagram', lane: 'api', account: me.id, request: requestInfo(req, 'api') }));
    const container = containers.create(me, params(req), stuck);
    await state.save();
    // Background work of the platform: a failure shows in the container's status, never as a crash.
    void containers.ingest(container).catch(() => undefined);
    res.json({ id: container.id });
  });

  const quotaUsage = (a: Account, since = Date.now() - 86_400_000) =>
    world.data.effects.filter((e) => e.platform === 'instagram' && e.account.id === a.id && e.kind === 'publish' && e.via === 'api' && Date.parse(e.at) > since).length;

  router.post('/:id/media_publish', async (req, res) => {
    const me = owner(req, res);
    if (!me) return;
    const { creation_id } = parse(publishSchema, params(req));
    const container = containers.find(me, creation_id);
    if (!container) throw new GraphFailure(IG_ERRORS.builderGone(creation_id));
    if (container.is_carousel_item) throw new GraphFailure(invalidParam(`creation_id: container ${creation_id} is a carousel item; publish the CAROUSEL container that lists it`));
    const status = containers.status(container);
    if (status.code === 'IN_PROGRESS') throw new GraphFailure(IG_ERRORS.notReady());
    if (status.code === 'ERROR') throw new GraphFailure(IG_ERRORS.failed(status.subcode!));
    if (status.code === 'EXPIRED') throw new GraphFailure(IG_ERRORS.builderGone(creation_id));
    if (status.code === 'PUBLISHED') throw new GraphFailure(IG_ERRORS.alreadyPublished(creation_id));
    // A carousel counts as one post against the quota.
    if (quotaUsage(me) >= options.igPublishQuota) throw new GraphFailure(IG_ERRORS.quotaReached());
    const scope = scopeOf(me, 'publish');
    if (await gate.before(res, scope, FAULTS)) return;
    const out = containers.publication(container);
    // A phantom success still marks the container PUBLISHED: every answer says it went live.
    const post = await world.publish(me, { text: out.text, ...(out.media ? { media: out.media } : {}), shape: out.shape }, 'api', gate.phantom(req, scope));
    container.media_id = post.id;
    out.children.forEach((k, i) => (k.media_id = out.shape.children![i]!.id));
    await state.save();
    if (gate.after(req, res, scope, FAULTS)) return;
    res.json({ id: post.id });
  });

  /** "IG User Content Publishing Limit": quota_usage by default; config {quota_total, quota_duration}; `since` no older than 24 h. */
  router.get('/:id/content_publishing_limit', async (req, res) => {
    const me = owner(req, res);
    if (!me || (await read(me, res))) return;
    const { since } = parse(z.object({ since: z.coerce.number().int().min(0).optional() }), req.query);
    const from = Math.max(Date.now() - 86_400_000, (since ?? 0) * 1000);
    const limit = { quota_usage: () => quotaUsage(me, from), config: () => ({ quota_total: options.igPublishQuota, quota_duration: 86400 }) };
    const fields = parseFields(req.query.fields) ?? [{ name: 'quota_usage' }];
    const row = Object.fromEntries(
      fields.map((f) => {
        const get = limit[f.name as keyof typeof limit];
        if (!get) throw new GraphFailure(invalidParam(`Tried accessing nonexisting field (${f.name}) on node type (ContentPublishingLimitResponse)`));
        return [f.name, get()];
      }),
    );
    res.json({ data: [row] });
  });

  router.post('/:id/messages', async (req, res) => {
    const me = owner(req, res);
    if (!me) return;
    const input = parse(messageSchema, params(req));
    if (input.recipient.comment_id !== undefined) return privateReply(req, res, me, input.recipient.comment_id, input.message.text);
    const scope = scopeOf(me, 'dm_send');
    const to = state.account('instagram', input.recipient.id!);
    if (!to || to.id === me.id) return graphError(res, 400, 100, '(#100) No matching user found', 2018001);
    const lastInbound = world.conversation(me, to).filter((m) => m.from_id === to.id).at(-1);
    if (!lastInbound || Date.now() - Date.parse(lastInbound.at) > 86_400_000) return sendGraphError(res, IG_ERRORS.outsideWindow());
    if (await gate.before(res, scope, FAULTS)) return;
    const message = await world.sendDm(me, to, input.message.text, 'api', gate.phantom(req, scope));
    if (gate.after(req, res, scope, FAULTS)) return;
    res.json({ recipient_id: to.id, message_id: message.id });
  });

  /**
   * Private Replies ("Send a Private Reply to a Commenter"): `POST /{ig-user-id}/messages` with
   * `recipient:{comment_id}` → `{recipient_id, message_id}`. One message per comment, only for a
   * comment on the account's own media, within 7 days of the comment; it opens no 24-hour window.
   * A second reply answers 10900 "Activity already replied to"; an older comment the window error.
   */
  async function privateReply(req: Request, res: Response, me: Account, commentId: string, text: string): Promise<void> {
    const comment = world.data.comments.find((c) => c.id === commentId && c.platform === 'instagram');
    const post = comment ? world.post('instagram', comment.post_id) : undefined;
    if (!comment || !post || post.account_id !== me.id) return sendGraphError(res, notFound(commentId));
    const commenter = state.account('instagram', comment.account_id);
    if (!commenter || commenter.id === me.id) return graphError(res, 400, 100, '(#100) No matching user found', 2018001);
    if (comment.private_reply_mid) return sendGraphError(res, IG_ERRORS.alreadyRepliedPrivately());
    if (Date.now() - Date.parse(comment.created_at) > PRIVATE_REPLY_WINDOW_MS) return sendGraphError(res, IG_ERRORS.outsideWindow());
    const scope = scopeOf(me, 'private_reply');
    if (await gate.before(res, scope, FAULTS)) return;
    const message = await world.privateReply(me, comment, commenter, text, 'api', gate.phantom(req, scope));
    if (gate.after(req, res, scope, FAULTS)) return;
    res.json({ recipient_id: commenter.id, message_id: message.id });
  }

  router.get('/:id/comments', async (req, res) => {
    const me = auth(req, res);
    if (!me || (await read(me, res))) return;
    const post = world.post('instagram', String(req.params.id));
    if (!post || post.account_id !== me.id) return sendGraphError(res, notFound(String(req.params.id)));
    const data = world
      .commentsOf(post.id)
      .map((c) => ({ id: c.id, text: c.text, username: state.account('instagram', c.account_id)?.handle, from: { id: c.account_id }, timestamp: nodes.graphTime(c.created_at) }));
    res.json({ data });
  });

  /** POST /{media-id}/comments (comment on own media) and POST /{comment-id}/replies. */
  const commentRoute = (reply: boolean) => async (req: Request, res: Response) => {
    const me = auth(req, res);
    if (!me) return;
    const id = String(req.params.id);
    const parent = reply ? world.data.comments.find((c) => c.id === id && c.platform === 'instagram') : undefined;
    const post = world.post('instagram', reply ? (parent?.post_id ?? '') : id);
    if (!post || post.account_id !== me.id || (reply && !parent)) return sendGraphError(res, notFound(id));
    const scope = scopeOf(me, reply ? 'reply' : 'comment');
    const { message } = parse(commentSchema, params(req));
    if (await gate.before(res, scope, FAULTS)) return;
    const comment = await world.comment(me, post, message, 'api', parent, gate.phantom(req, scope));
    if (gate.after(req, res, scope, FAULTS)) return;
    res.json({ id: comment.id });
  };
  messaging.routes(router);
  router.post('/:id/comments', commentRoute(false));
  router.post('/:id/replies', commentRoute(true));

  router.get('/:id', async (req, res) => {
    const me = auth(req, res);
    if (!me || (await read(me, res))) return;
    const id = String(req.params.id);
    const fields = parseFields(req.query.fields);
    const container = containers.find(me, id);
    if (container) {
      const s = containers.status(container);
      return res.json(select('IGContainer', { id: () => id, status_code: () => s.code, status: () => containers.statusText(s) }, fields));
    }
    const post = world.visiblePost('instagram', id, 'api_get');
    if (post && !post.reply_to) return res.json(select('IGMedia', nodes.media(post), fields));
    const item = nodes.findChild(id);
    if (item) return res.json(select('IGMedia', nodes.child(item.album, item.item), fields));
    const user = state.account('instagram', id);
    if (user && user.id === me.id) return res.json(select('IGUser', nodes.user(user), fields, ['id', 'username']));
    if (user && user.id !== me.id) return messaging.profile(me, user, fields, res);
    const comment = world.data.comments.find((c) => c.id === id && c.platform === 'instagram' && world.shows('api_get', lagKey.comment(c.id)));
    if (comment) return res.json(select('IGComment', nodes.comment(comment), fields, ['id', 'text']));
    if (messaging.byId(me, id, fields, res)) return;
    return sendGraphError(res, notFound(id));
  });

  router.delete('/:id', async (req, res) => {
    const me = auth(req, res);
    if (!me) return;
    const id = String(req.params.id);
    const post = world.post('instagram', id);
    if (!post || post.account_id !== me.id) return sendGraphError(res, notFound(id));
    const scope = scopeOf(me, 'delete');
    if (await gate.before(res, scope, FAULTS)) return;
    await world.deletePost(me, post, 'api', gate.phantom(req, scope));
    if (gate.after(req, res, scope, FAULTS)) return;
    res.json({ success: true });
  });

  router.use((req, res) => graphError(res, 400, 100, `Unknown path components: ${req.path}`, 2500));
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => (error instanceof GraphFailure && !res.headersSent ? sendGraphError(res, error.spec) : next(error)));
  router.use(bodyErrors((res, status, message) => graphError(res, status >= 500 ? 500 : 400, 100, message)));
  return router;
}
