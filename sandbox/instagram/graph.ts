import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { requestInfo, type FaultResponses } from '../gate.js';
import { lagKey } from '../lag.js';
import { imageExtension, placeholderPng } from '../images.js';
import type { Account, Container, ContainerStatus, Post } from '../types.js';
import { bodyErrors, describeIssues, parseInput } from '../validation.js';
import { sha256hex } from '../world.js';

/** Meta-style error body: {error:{message,type,code,error_subcode,fbtrace_id}}. */
export function graphError(res: Response, status: number, code: number, message: string, subcode?: number, extra: Record<string, unknown> = {}): void {
  res.status(status).json({
    error: { message, type: 'OAuthException', code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), ...extra, fbtrace_id: `A${randomBytes(16).toString('base64url')}` },
  });
}

const GRAPH_FAULTS: FaultResponses = {
  serverError: (res) => graphError(res, 500, 2, 'An unexpected error has occurred. Please retry your request later.', undefined, { is_transient: true }),
  afterCommit: (res) => graphError(res, 400, 4, 'Application request limit reached', 2207051, { is_transient: true, error_user_title: 'Action blocked' }),
  rateLimited: (res, s) => {
    res.set('Retry-After', String(s));
    res.set('x-rate-limit-reset', String(Math.ceil(Date.now() / 1000) + s));
    graphError(res, 429, 4, 'Application request limit reached', undefined, { is_transient: true });
  },
  tokenExpired: (res) => graphError(res, 400, 190, 'Error validating access token: Session has expired.', 463),
};

const notFound = (res: Response, id: string) =>
  graphError(res, 400, 100, `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, 33, { type: 'GraphMethodException' });

const jsonish = (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

const containerSchema = z.object({ image_url: z.url(), caption: z.string().max(2200).default(''), media_type: z.enum(['IMAGE']).optional() });
const publishSchema = z.object({ creation_id: z.string().regex(/^\d+$/, 'must be a container id') });
const messageSchema = z.object({
  recipient: z.preprocess(jsonish, z.object({ id: z.string().min(1) })),
  message: z.preprocess(jsonish, z.object({ text: z.string().min(1).max(1000) })),
});
const commentSchema = z.object({ message: z.string().min(1).max(2200) });

const graphTime = (iso: string) => iso.replace(/\.\d{3}Z$/, '+0000');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Instagram Graph API (content publishing, media, messaging), mounted under /v<major>.<minor>/. */
export function graphRouter(ctx: SandboxContext): Router {
  const { world, state, gate, options } = ctx;
  const router = express.Router({ mergeParams: true });

  router.use((req, _res, next) => (/^v\d+\.\d+$/.test(String(req.params.version)) ? next() : next('router')));
  router.use(express.json({ limit: '1mb' }), express.urlencoded({ extended: false }));

  const params = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>), ...(req.body && typeof req.body === 'object' ? req.body : {}) });

  /** Resolves the token (Bearer header or access_token) to an account, or answers 190. */
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
    return account;
  }

  const invalid = (res: Response, issues: Parameters<typeof describeIssues>[0]) => graphError(res, 400, 100, `(#100) ${describeIssues(issues)}`);

  const fieldsOf = (req: Request, fallback: string[]) => {
    const f = typeof req.query.fields === 'string' ? req.query.fields.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
    return new Set(['id', ...f]);
  };
  const pick = (all: Record<string, unknown>, fields: Set<string>) => Object.fromEntries(Object.entries(all).filter(([k]) => fields.has(k)));

  const userFields = (a: Account): Record<string, unknown> => ({
    id: a.id,
    user_id: a.id,
    username: a.handle,
    name: a.display_name,
    account_type: 'BUSINESS',
    biography: a.bio,
    profile_picture_url: `${world.urls.instagram}/static/avatars/${a.id}.png`,
    followers_count: world.followerCount(a),
    follows_count: world.followingCount(a),
    media_count: world.postsOf(a, 10_000, 'api_list').length,
  });
  const mediaFields = (p: Post): Record<string, unknown> => ({
    id: p.id,
    caption: p.text,
    media_type: 'IMAGE',
    media_product_type: 'FEED',
    media_url: p.media ? `${world.urls.instagram}/media/${p.media}` : undefined,
    permalink: world.permalink(p),
    shortcode: p.code,
    timestamp: graphTime(p.created_at),
    username: state.account('instagram', p.account_id)?.handle,
    owner: { id: p.account_id },
    like_count: world.likeCount(p.id),
    comments_count: world.data.comments.filter((c) => c.post_id === p.id && world.shows('comments', lagKey.comment(c.id))).length,
  });

  function statusOf(c: Container): ContainerStatus {
    if (c.media_id) return 'PUBLISHED';
    if (c.error) return 'ERROR';
    if (Date.now() - Date.parse(c.created_at) > options.containerTtlMs) return 'EXPIRED';
    if (c.stuck || !c.media || Date.now() < c.ready_at) return 'IN_PROGRESS';
    return 'FINISHED';
  }
  const STATUS_TEXT: Record<ContainerStatus, string> = {
    IN_PROGRESS: 'In Progress: Media is still being processed.',
    FINISHED: 'Finished: Media has been uploaded and it is ready to be published.',
    ERROR: 'Error: Media upload has failed with error code 2207052',
    EXPIRED: 'Expired: The container was not published within 24 hours and has expired.',
    PUBLISHED: 'Published: Media has been published.',
  };

  /** Fetches the container's image like Graph does; only loopback URLs are fetched, others get a placeholder. */
  async function ingest(c: Container): Promise<void> {
    try {
      const url = new URL(c.image_url);
      let bytes: Buffer;
      if (LOOPBACK.has(url.hostname)) {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        bytes = Buffer.from(await res.arrayBuffer());
      } else {
        bytes = await placeholderPng(c.image_url);
      }
      const ext = imageExtension(bytes);
      if (!ext) throw new Error('not an image');
      c.media = `${sha256hex(bytes)}.${ext}`;
      await state.putMedia(c.media, bytes);
    } catch (e) {
      c.error = `The media could not be fetched from this URI: ${(e as Error).message}`;
    }
    await state.save();
  }

  const quotaUsage = (a: Account) =>
    world.data.effects.filter((e) => e.platform === 'instagram' && e.account.id === a.id && e.kind === 'publish' && e.via === 'api' && Date.now() - Date.parse(e.at) < 86_400_000).length;

  /** The token's account, checked against the :id of the path ('me' = the token's account). */
  function owner(req: Request, res: Response): Account | undefined {
    const me = auth(req, res);
    if (!me) return undefined;
    const id = String(req.params.id);
    if (id !== 'me' && id !== me.id) {
      notFound(res, id);
      return undefined;
    }
    return me;
  }

  router.get('/me', async (req, res) => {
    const me = auth(req, res);
    if (!me || (await gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, GRAPH_FAULTS))) return;
    res.json(pick(userFields(me), fieldsOf(req, ['username'])));
  });

  router.get('/:id/media', async (req, res) => {
    const me = owner(req, res);
    if (!me || (await gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, GRAPH_FAULTS))) return;
    const limit = Math.min(Math.max(Number(req.query.limit ?? 25) || 25, 1), 100);
    const fields = fieldsOf(req, []);
    const data = world.postsOf(me, limit, 'api_list').map((p) => pick(mediaFields(p), fields));
    res.json({ data, paging: data.length ? { cursors: { before: data[0]!.id, after: data[data.length - 1]!.id } } : {} });
  });

  router.post('/:id/media', async (req, res) => {
    const me = owner(req, res);
    if (!me || (await gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, GRAPH_FAULTS))) return;
    const parsed = parseInput(containerSchema, params(req));
    if (!parsed.ok) return invalid(res, parsed.issues);
    const now = Date.now();
    const container: Container = {
      id: state.nextId('17800', 12),
      account_id: me.id,
      image_url: parsed.value.image_url,
      caption: parsed.value.caption,
      created_at: new Date(now).toISOString(),
      ready_at: now + options.containerDelayMs,
      stuck: Boolean(ctx.faults.take('container_stuck', { platform: 'instagram', lane: 'api', account: me.id, request: requestInfo(req, 'api') })),
    };
    world.data.containers.push(container);
    await state.save();
    // Background work of the platform: a failure shows in the container's status, never as a crash.
    void ingest(container).catch(() => undefined);
    res.json({ id: container.id });
  });

  router.post('/:id/media_publish', async (req, res) => {
    const me = owner(req, res);
    if (!me) return;
    const scope = { platform: 'instagram' as const, lane: 'api' as const, account: me.id, action: 'publish' as const };
    const parsed = parseInput(publishSchema, params(req));
    if (!parsed.ok) return invalid(res, parsed.issues);
    const container = world.data.containers.find((c) => c.id === parsed.value.creation_id && c.account_id === me.id);
    if (!container) return notFound(res, parsed.value.creation_id);
    const status = statusOf(container);
    if (status === 'IN_PROGRESS') return graphError(res, 400, 9007, 'The media is not ready for publishing, please wait for a moment', 2207027, { error_user_title: 'Media ID is not available' });
    if (status === 'ERROR') return graphError(res, 400, 9004, container.error ?? 'Media upload has failed', 2207052);
    if (status === 'EXPIRED') return graphError(res, 400, 9007, 'The media container has expired; create a new one.', 2207008);
    if (status === 'PUBLISHED') return graphError(res, 400, 9007, 'The media has already been published.', 2207020);
    if (quotaUsage(me) >= options.igPublishQuota)
      return graphError(res, 400, 9, 'You reached maximum number of posts that is allowed to be published by Content Publishing API.', 2207042);
    if (await gate.before(res, scope, GRAPH_FAULTS)) return;
    // A phantom success still marks the container PUBLISHED: every answer says it went live.
    const post = await world.publish(me, { text: container.caption, media: container.media! }, 'api', gate.phantom(req, scope));
    container.media_id = post.id;
    await state.save();
    if (gate.after(req, res, scope, GRAPH_FAULTS)) return;
    res.json({ id: post.id });
  });

  router.get('/:id/content_publishing_limit', async (req, res) => {
    const me = owner(req, res);
    if (!me || (await gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, GRAPH_FAULTS))) return;
    res.json({ data: [{ quota_usage: quotaUsage(me), config: { quota_total: options.igPublishQuota, quota_duration: 86400 } }] });
  });

  router.post('/:id/messages', async (req, res) => {
    const me = owner(req, res);
    if (!me) return;
    const scope = { platform: 'instagram' as const, lane: 'api' as const, account: me.id, action: 'dm_send' as const };
    const parsed = parseInput(messageSchema, params(req));
    if (!parsed.ok) return invalid(res, parsed.issues);
    const to = state.account('instagram', parsed.value.recipient.id);
    if (!to || to.id === me.id) return graphError(res, 400, 100, '(#100) No matching user found', 2018001);
    const lastInbound = world.conversation(me, to).filter((m) => m.from_id === to.id).at(-1);
    if (!lastInbound || Date.now() - Date.parse(lastInbound.at) > 86_400_000)
      return graphError(res, 400, 10, '(#10) This message is sent outside of allowed window.', 2534022);
    if (await gate.before(res, scope, GRAPH_FAULTS)) return;
    const message = await world.sendDm(me, to, parsed.value.message.text, 'api', gate.phantom(req, scope));
    if (gate.after(req, res, scope, GRAPH_FAULTS)) return;
    res.json({ recipient_id: to.id, message_id: message.id });
  });

  router.get('/:id/comments', async (req, res) => {
    const me = auth(req, res);
    if (!me || (await gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, GRAPH_FAULTS))) return;
    const post = world.post('instagram', String(req.params.id));
    if (!post || post.account_id !== me.id) return notFound(res, String(req.params.id));
    const data = world
      .commentsOf(post.id)
      .map((c) => ({ id: c.id, text: c.text, username: state.account('instagram', c.account_id)?.handle, from: { id: c.account_id }, timestamp: graphTime(c.created_at) }));
    res.json({ data });
  });

  /** POST /{media-id}/comments (comment on own media) and POST /{comment-id}/replies. */
  const commentRoute = (reply: boolean) => async (req: Request, res: Response) => {
    const me = auth(req, res);
    if (!me) return;
    const id = String(req.params.id);
    const parent = reply ? world.data.comments.find((c) => c.id === id && c.platform === 'instagram') : undefined;
    const post = world.post('instagram', reply ? (parent?.post_id ?? '') : id);
    if (!post || post.account_id !== me.id || (reply && !parent)) return notFound(res, id);
    const scope = { platform: 'instagram' as const, lane: 'api' as const, account: me.id, action: reply ? ('reply' as const) : ('comment' as const) };
    const parsed = parseInput(commentSchema, params(req));
    if (!parsed.ok) return invalid(res, parsed.issues);
    if (await gate.before(res, scope, GRAPH_FAULTS)) return;
    const comment = await world.comment(me, post, parsed.value.message, 'api', parent, gate.phantom(req, scope));
    if (gate.after(req, res, scope, GRAPH_FAULTS)) return;
    res.json({ id: comment.id });
  };
  router.post('/:id/comments', commentRoute(false));
  router.post('/:id/replies', commentRoute(true));

  router.get('/:id', async (req, res) => {
    const me = auth(req, res);
    if (!me || (await gate.before(res, { platform: 'instagram', lane: 'api', account: me.id }, GRAPH_FAULTS))) return;
    const id = String(req.params.id);
    const container = world.data.containers.find((c) => c.id === id && c.account_id === me.id);
    if (container) {
      const status_code = statusOf(container);
      return res.json(pick({ id, status_code, status: STATUS_TEXT[status_code] }, fieldsOf(req, [])));
    }
    const post = world.visiblePost('instagram', id, 'api_get');
    if (post && !post.reply_to) return res.json(pick(mediaFields(post), fieldsOf(req, [])));
    const user = state.account('instagram', id);
    if (user && user.id === me.id) return res.json(pick(userFields(user), fieldsOf(req, ['username'])));
    const comment = world.data.comments.find((c) => c.id === id && c.platform === 'instagram' && world.shows('api_get', lagKey.comment(c.id)));
    if (comment) return res.json(pick({ id, text: comment.text, timestamp: graphTime(comment.created_at), from: { id: comment.account_id }, parent_id: comment.parent_id }, fieldsOf(req, ['text'])));
    return notFound(res, id);
  });

  router.delete('/:id', async (req, res) => {
    const me = auth(req, res);
    if (!me) return;
    const id = String(req.params.id);
    const post = world.post('instagram', id);
    if (!post || post.account_id !== me.id) return notFound(res, id);
    const scope = { platform: 'instagram' as const, lane: 'api' as const, account: me.id, action: 'delete' as const };
    if (await gate.before(res, scope, GRAPH_FAULTS)) return;
    await world.deletePost(me, post, 'api', gate.phantom(req, scope));
    if (gate.after(req, res, scope, GRAPH_FAULTS)) return;
    res.json({ success: true });
  });

  router.use((req, res) => graphError(res, 400, 100, `Unknown path components: ${req.path}`, 2500));
  router.use(bodyErrors((res, status, message) => graphError(res, status >= 500 ? 500 : 400, 100, message)));
  return router;
}
