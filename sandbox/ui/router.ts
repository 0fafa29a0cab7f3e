import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import type { FaultScope, RequestSurface } from '../faults.js';
import { requestInfo, retryAfter, type FaultResponses } from '../gate.js';
import { avatarKey } from '../avatars.js';
import { imageExtension } from '../images.js';
import type { Account, EffectKind, LayoutVersion, Platform, Post, Session } from '../types.js';
import { bodyErrors, cookies, describeIssues, parseInput } from '../validation.js';
import { lagKey } from '../lag.js';
import { sha256hex } from '../world.js';
import { churnResponse, localizeJson } from './churn-http.js';
import { NOTICES, type CommentView, type Layout, type LayoutFactory, type PostView, type Urls, type Viewer } from './layout.js';

/** Route patterns and layouts of one platform's browser surfaces. */
/** How long a status page shown under another handle keeps that handle in its URL. */
const LATE_URL_MOVE_MS = 3000;

export interface PlatformUi {
  platform: Platform;
  /** Session cookie name; distinct per platform because cookies ignore ports. */
  cookie: string;
  /**
   * The cookie naming the account a request acts as (Instagram `ds_user_id`, X `twid`): the
   * platform acts as the account the request's cookies name, whatever another tab did since.
   */
  accountCookie: { name: string; encode(accountId: string): string; decode(value: string): string };
  paths: {
    login: string;
    logout: string;
    switchAccount: string;
    challenge: string;
    compose: string;
    inbox: string;
    /** With :peer: the conversation's key in its URL (see `threadPeer`). */
    thread: string;
    /** With :code. */
    post: string;
    /** With :handle. */
    profile: string;
  };
  urls: Urls;
  /** The other person of the conversation a thread URL's key names for `me` (the inverse of `urls.thread`). */
  threadPeer(key: string, me: Account, accounts: readonly Account[]): Account | undefined;
  layouts: Record<LayoutVersion, LayoutFactory>;
}

const loginSchema = z.object({ username: z.string().trim().min(1), password: z.string().min(1), next: z.string().optional() });
const textSchema = z.object({ text: z.string().trim().min(1).max(2200), parent_id: z.string().optional() });
const composeSchema = z.object({ text: z.string().max(2200).default(''), image: z.string().optional() });
const switchSchema = z.object({ account_id: z.string().min(1) });

interface Scene {
  session: Session;
  me: Account;
  viewer: Viewer;
  layout: Layout;
}

/**
 * The browser surfaces of one platform: login, account switcher, profile, composer, post page,
 * follow and DMs, rendered by the active layout version, with browser friction faults.
 */
export function uiRouter(ctx: SandboxContext, ui: PlatformUi): Router {
  const { world, state, faults, gate } = ctx;
  const { platform, urls, paths } = ui;
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }), express.json({ limit: '25mb' }), localizeJson(ctx.churn, platform));

  const layouts = { v1: ui.layouts.v1(urls), v2: ui.layouts.v2(urls) };
  /** The surface a request reached, from its route pattern (action routes count as their page). */
  const surfaceOf = (req: Request): RequestSurface => {
    const pattern = String(req.route?.path ?? '').replace(/\/(like|comment|reply|delete|follow)$/, '').replace(/\/$/, '');
    if (pattern === urls.home.replace(/\/$/, '')) return 'home';
    const key = (Object.keys(paths) as (keyof PlatformUi['paths'])[]).find((k) => paths[k].replace(/\/$/, '') === pattern);
    return key ?? 'profile';
  };
  const scopeOf = (req: Request, s: Scene, action?: EffectKind): FaultScope => ({ platform, lane: 'ui', account: s.me.id, ...(action ? { action } : {}), request: requestInfo(req, surfaceOf(req)) });
  const layout = () => layouts[world.data.layout[platform]];

  // Browsers fetch it on their own; it must not reach the profile route (and its faults).
  router.get('/favicon.ico', (_req, res) => res.status(204).end());
  // Avatars by their opaque CDN-like path (sandbox/avatars.ts); the old by-id path for admin use.
  const avatar = async (res: Response, id: string | undefined) => {
    if (!id || !state.account(platform, id)) return res.status(404).end();
    res.type('png').set('cache-control', 'no-cache').send(await ctx.avatar(id));
  };
  const byKey = (key: string) => world.data.accounts.find((a) => a.platform === platform && avatarKey(platform, a.id) === key)?.id;
  router.get('/v/t51.2885-19/:file', (req, res) => avatar(res, byKey(String(req.params.file).replace(/_n\.png$/, ''))));
  router.get('/profile_images/:key/:file', (req, res) => avatar(res, byKey(String(req.params.key))));
  router.get('/static/avatars/:file', (req, res) => avatar(res, String(req.params.file).replace(/\.png$/, '')));
  router.get('/media/:name', async (req, res) => {
    const bytes = await state.getMedia(String(req.params.name));
    if (!bytes) return res.status(404).end();
    res.type(String(req.params.name).split('.').pop() ?? 'bin').send(bytes);
  });

  const html = (res: Response, body: string, status = 200) => res.status(status).type('html').send(churnResponse(ctx.churn, platform, res, body, status, surfaceOf(res.req), ui.cookie));
  const wantsJson = (req: Request) => String(req.headers.accept ?? '').includes('application/json');
  const withNotice = (url: string, notice: string) => `${url}${url.includes('?') ? '&' : '?'}notice=${notice}`;
  const noticeOf = (req: Request) => NOTICES[String(req.query.notice ?? '')];

  /**
   * The request's session and the account it acts as: the one its account cookie names when that
   * account is logged in on the session (as on the real platforms), else the session's active one.
   * `actingAs` overrides both (a switch applied to the request in flight).
   */
  function scene(req: Request, actingAs?: string): Scene | undefined {
    const jar = cookies(req);
    const id = jar[ui.cookie];
    const session = id ? world.data.sessions.find((s) => s.id === id && s.platform === platform) : undefined;
    if (!session) return undefined;
    const named = jar[ui.accountCookie.name];
    const fromCookie = named === undefined ? undefined : ui.accountCookie.decode(named);
    const acting = actingAs ?? (fromCookie && session.account_ids.includes(fromCookie) ? fromCookie : session.current_id);
    const me = state.account(platform, acting);
    if (!me) return undefined;
    const accounts = session.account_ids.map((a) => state.account(platform, a)).filter((a): a is Account => Boolean(a));
    return { session, me, viewer: { me, accounts }, layout: layout() };
  }

  async function endSession(res: Response, session: Session): Promise<void> {
    world.data.sessions = world.data.sessions.filter((s) => s.id !== session.id);
    await state.save();
    res.clearCookie(ui.cookie, { path: '/' });
    res.clearCookie(ui.accountCookie.name, { path: '/' });
  }

  /** The browser's cookie jar now names `accountId` as the active account (login, switcher, another tab). */
  const nameAccount = (res: Response, accountId: string) => res.cookie(ui.accountCookie.name, ui.accountCookie.encode(accountId), { path: '/', sameSite: 'lax' });

  /** Sends the browser somewhere; JSON callers (the composer) get {location} instead of a 303. */
  const go = (req: Request, res: Response, location: string) => (wantsJson(req) ? res.status(401).json({ ok: false, location }) : res.redirect(303, location));

  const pageFaults = (req: Request, s: Scene | undefined): FaultResponses => ({
    serverError: (res) => (wantsJson(req) ? res.status(500).json({ ok: false, status: 'fail', message: 'Something went wrong. Please try again.' }) : html(res, layout().error({ viewer: s?.viewer, status: 500, message: 'Sorry, something went wrong. Please try again.' }), 500)),
    afterCommit: (res) => (wantsJson(req) ? res.status(500).json({ ok: false, status: 'fail', message: 'Something went wrong. Please try again.' }) : html(res, layout().error({ viewer: s?.viewer, status: 500, message: 'Sorry, something went wrong. Please try again.' }), 500)),
    rateLimited: (res, secs) => {
      res.set('Retry-After', String(secs));
      if (wantsJson(req)) res.status(429).json({ ok: false, status: 'fail', message: 'Please wait a few minutes before you try again.' });
      else html(res, layout().error({ viewer: s?.viewer, status: 429, message: 'Please wait a few minutes before you try again.' }), 429);
    },
  });

  /**
   * The login's active account changes under the client (another tab, the app): to `to`, else
   * the next account of the same login, else another business account. Every later request acts
   * as it (the response sets the account cookie). A read acts as it already, as if the switch
   * came just before it was sent; a mutating request acts as the account its cookie names, as on
   * the real platforms, unless `inFlight` (a platform harder than the real ones: the switch
   * changes even the account of a commit already on its way).
   */
  async function switchUnder(req: Request, res: Response, s: Scene, to: string | undefined, inFlight: boolean): Promise<Scene> {
    const target = to ?? s.session.account_ids.find((a) => a !== s.me.id) ?? state.businessAccounts(platform).find((a) => a.id !== s.me.id)?.id;
    if (!target || target === s.me.id) return s;
    if (!s.session.account_ids.includes(target)) s.session.account_ids.push(target);
    s.session.current_id = target;
    await state.save();
    nameAccount(res, target);
    const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    return !mutating || inFlight ? (scene(req, target) ?? s) : s;
  }

  /**
   * Session and friction shared by pages and actions. Returns the scene, or undefined when the
   * request has been answered (login redirect, checkpoint, rate limit).
   */
  async function enter(req: Request, res: Response, action?: EffectKind): Promise<Scene | undefined> {
    let s = scene(req);
    if (!s) {
      go(req, res, urls.login(req.originalUrl));
      return undefined;
    }
    let scope = scopeOf(req, s, action);
    const switched = faults.take('account_switch', scope);
    if (switched) {
      s = await switchUnder(req, res, s, switched.to, switched.in_flight === true);
      scope = scopeOf(req, s, action);
    }
    const latency = faults.take('latency', scope);
    if (latency) await new Promise((r) => setTimeout(r, latency.ms ?? 0));
    if (faults.take('session_expired', scope)) {
      await endSession(res, s.session);
      go(req, res, urls.login(req.method === 'GET' ? req.originalUrl : undefined));
      return undefined;
    }
    if (faults.take('checkpoint', scope)) {
      go(req, res, `${paths.challenge}?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : urls.home)}`);
      return undefined;
    }
    const limited = faults.take('rate_limit', scope);
    if (limited) {
      pageFaults(req, s).rateLimited(res, retryAfter(limited));
      return undefined;
    }
    if (!action && faults.take('wrong_account', scope)) {
      const other = state.businessAccounts(platform).find((a) => a.id !== s.me.id);
      if (other) return switchUnder(req, res, s, other.id, false);
    }
    return s;
  }

  /** A page: session, friction, then the handler. */
  const page = (handler: (req: Request, res: Response, s: Scene) => unknown) => async (req: Request, res: Response) => {
    const s = await enter(req, res);
    if (s) await handler(req, res, s);
  };

  /**
   * A side-effect action: friction, action block and 5xx before the commit, the handler (which
   * applies the effect and returns its answer), then error-after-commit or a lost acknowledgement.
   */
  const act = (kind: EffectKind, back: (req: Request, s: Scene) => string, handler: (req: Request, res: Response, s: Scene, ghost: boolean) => Promise<(() => void) | undefined>) =>
    async (req: Request, res: Response) => {
      const s = await enter(req, res, kind);
      if (!s) return;
      const scope = scopeOf(req, s, kind);
      if (faults.take('action_blocked', scope)) {
        if (wantsJson(req)) return res.status(400).json({ ok: false, status: 'fail', spam: true, feedback_title: 'Action Blocked', message: NOTICES.action_blocked });
        return res.redirect(303, withNotice(back(req, s), 'action_blocked'));
      }
      if (faults.take('5xx_before_commit', scope)) return pageFaults(req, s).serverError(res);
      // Phantom success: the handler answers as usual, with a fabricated object, and applies nothing.
      const answer = await handler(req, res, s, gate.phantom(req, scope));
      if (!answer) return;
      if (gate.after(req, res, scope, pageFaults(req, s))) return;
      answer();
    };

  /**
   * The answer to an action: a background request (the page's script) gets the bare `{"status":"ok"}`
   * the real web endpoints answer — no object id, no permalink; a plain form post is redirected.
   */
  const done = (req: Request, res: Response, location: string) => (wantsJson(req) ? res.json({ status: 'ok' }) : res.redirect(303, location));

  /**
   * X's web client posts through GraphQL `CreateTweet`: the answer carries the new tweet's id
   * (`rest_id`), which the page turns into the "View" link of its toast. An accepted post
   * whose answer lost the tweet (`receipt_missing`) comes back with empty `tweet_results`.
   */
  const createTweet = (post: Post | undefined) => ({ data: { create_tweet: { tweet_results: post ? { result: { rest_id: post.id, legacy: { full_text: post.text, created_at: post.created_at } } } : {} } } });

  const badInput = (req: Request, res: Response, message: string) => (wantsJson(req) ? res.status(400).json({ ok: false, status: 'fail', message }) : html(res, layout().error({ status: 400, message }), 400));

  const postView = (post: Post, me: Account): PostView => ({
    post,
    author: state.account(platform, post.account_id)!,
    likeCount: world.likeCount(post.id),
    liked: world.likedBy(me, post.id),
    replyCount: platform === 'x' ? world.repliesOf(post.id).length : world.data.comments.filter((c) => c.post_id === post.id && world.shows('comments', lagKey.comment(c.id))).length,
  });

  /** The post of the URL; the page itself (`permalink`) lags, the actions on it see the truth. */
  const findPost = (req: Request, surface: 'permalink' | 'truth' = 'truth') => {
    const post = world.visiblePost(platform, String(req.params.code), surface);
    const author = post && state.account(platform, post.account_id);
    if (!post || !author) return undefined;
    if (req.params.handle !== undefined && req.params.handle !== author.handle) return undefined;
    return { post, author };
  };

  // Login, logout, switcher, checkpoint.
  router.get(paths.login, (req, res) => html(res, layout().login({ next: String(req.query.next ?? req.query.redirect_after_login ?? '') })));
  router.post(paths.login, async (req, res) => {
    const parsed = parseInput(loginSchema, req.body ?? {});
    if (!parsed.ok) return html(res, layout().login({ next: String(req.body?.next ?? ''), error: describeIssues(parsed.issues) }), 400);
    const { username, password, next } = parsed.value;
    const account = state.account(platform, username);
    if (!account || account.password !== password) {
      return html(res, layout().login({ next: next ?? '', username, error: 'Sorry, your password was incorrect. Please double-check your password.' }), 401);
    }
    let session = scene(req)?.session;
    if (!session) {
      session = { id: randomBytes(24).toString('hex'), platform, account_ids: [], current_id: account.id, created_at: new Date().toISOString() };
      world.data.sessions.push(session);
    }
    if (!session.account_ids.includes(account.id)) session.account_ids.push(account.id);
    session.current_id = account.id;
    await state.save();
    res.cookie(ui.cookie, session.id, { path: '/', httpOnly: true, sameSite: 'lax' });
    nameAccount(res, account.id);
    res.redirect(303, next && next.startsWith('/') && !next.startsWith('//') ? next : urls.profile(account));
  });
  router.post(paths.logout, async (req, res) => {
    const s = scene(req);
    if (s) await endSession(res, s.session);
    res.redirect(303, urls.login());
  });
  router.post(paths.switchAccount, async (req, res) => {
    const s = scene(req);
    if (!s) return res.redirect(303, urls.login());
    const parsed = parseInput(switchSchema, req.body ?? {});
    const target = parsed.ok ? state.account(platform, parsed.value.account_id) : undefined;
    if (!target || !s.session.account_ids.includes(target.id)) return badInput(req, res, 'account_id: not an account logged in on this browser');
    s.session.current_id = target.id;
    await state.save();
    nameAccount(res, target.id);
    res.redirect(303, urls.profile(target));
  });
  router.get(paths.challenge, (req, res) => html(res, layout().challenge({ next: String(req.query.next ?? urls.home) })));
  router.post(paths.challenge, (req, res) => {
    const next = String(req.body?.next ?? urls.home);
    if (req.body?.confirm !== 'on') return html(res, layout().challenge({ next }), 400);
    res.redirect(303, next.startsWith('/') && !next.startsWith('//') ? next : urls.home);
  });

  router.get(urls.home, page((_req, res, s) => res.redirect(303, urls.profile(s.me))));

  // Composer.
  router.get(paths.compose, page((req, res, s) => {
    const stay = Boolean(faults.take('share_stays_enabled', scopeOf(req, s, 'publish')));
    html(res, s.layout.composer({ viewer: s.viewer, shareStaysEnabled: stay, notice: noticeOf(req) }));
  }));
  router.post(paths.compose, act('publish', () => paths.compose, async (req, res, s, ghost) => {
    const parsed = parseInput(composeSchema, req.body ?? {});
    if (!parsed.ok) return void badInput(req, res, describeIssues(parsed.issues));
    const { text, image } = parsed.value;
    let media: string | undefined;
    if (platform === 'instagram') {
      const bytes = image?.startsWith('data:') ? Buffer.from(image.slice(image.indexOf(',') + 1), 'base64') : undefined;
      const ext = bytes && imageExtension(bytes);
      if (!bytes || !ext) return void badInput(req, res, 'image: select a photo (PNG, JPEG, GIF or WebP) to share');
      media = `${sha256hex(bytes)}.${ext}`;
      await state.putMedia(media, bytes);
    } else if (!text.trim() || text.length > 280) {
      return void badInput(req, res, 'text: a post needs 1 to 280 characters');
    }
    const post = await world.publish(s.me, { text, ...(media ? { media } : {}) }, 'ui', ghost);
    const receipt = !faults.take('receipt_missing', scopeOf(req, s, 'publish'));
    // Instagram's web upload answers a bare status ("Your post has been shared." names no post).
    if (platform === 'instagram') return () => (receipt ? res.json({ status: 'ok' }) : res.status(200).end());
    return () => res.json(createTweet(receipt ? post : undefined));
  }));

  // DMs.
  router.get(paths.inbox, page((req, res, s) => html(res, s.layout.inbox({ viewer: s.viewer, threads: world.threads(s.me, 'inbox'), notice: noticeOf(req) }))));
  const peerOf = (req: Request, s: Scene) => {
    const peer = ui.threadPeer(String(req.params.peer), s.me, world.data.accounts);
    return peer && peer.id !== s.me.id ? peer : undefined;
  };
  router.get(paths.thread, page((req, res, s) => {
    const peer = peerOf(req, s);
    if (!peer) return html(res, s.layout.error({ viewer: s.viewer, status: 404, message: 'This conversation is not available.' }), 404);
    html(res, s.layout.thread({ viewer: s.viewer, peer, messages: world.conversation(s.me, peer, 'thread'), notice: noticeOf(req) }));
  }));
  router.post(paths.thread, act('dm_send', (req, s) => { const peer = peerOf(req, s); return peer ? urls.thread(peer, s.me) : urls.inbox; }, async (req, res, s, ghost) => {
    const peer = peerOf(req, s);
    if (!peer) return void badInput(req, res, 'peer: this conversation is not available');
    const parsed = parseInput(textSchema, req.body ?? {});
    if (!parsed.ok) return void badInput(req, res, describeIssues(parsed.issues));
    await world.sendDm(s.me, peer, parsed.value.text, 'ui', ghost);
    const receipt = !faults.take('receipt_missing', scopeOf(req, s, 'dm_send'));
    // A background send that answers 200 with nothing readable: the page never confirms it.
    if (wantsJson(req)) return () => (receipt ? res.json({ status: 'ok' }) : res.status(200).end());
    return () => res.redirect(303, urls.thread(peer, s.me));
  }));

  // Post page and its actions.
  const backToPost = (req: Request, s: Scene) => {
    const found = findPost(req);
    return found ? urls.post(found.post, found.author) : urls.profile(s.me);
  };
  const missing = (res: Response, s: Scene) => html(res, s.layout.error({ viewer: s.viewer, status: 404, message: "Sorry, this page isn't available." }), 404);

  router.get(paths.post, page((req, res, s) => {
    // x.com shows a status under any handle in its URL, then its script moves the URL to the
    // author's (history.replaceState). Here the move comes late (as on a slow client), so a
    // reader of the URL at first paint sees the handle it asked for: only the tweet says whose it is.
    let found = findPost(req, 'permalink');
    let movedTo: string | undefined;
    if (!found && req.params.handle !== undefined) {
      const post = world.visiblePost(platform, String(req.params.code), 'permalink');
      const author = post && state.account(platform, post.account_id);
      if (post && author) (found = { post, author }), (movedTo = urls.post(post, author));
    }
    if (!found) return missing(res, s);
    const comments: CommentView[] = world
      .commentsOf(found.post.id)
      .map((c) => ({
        comment: c,
        author: state.account(platform, c.account_id)!,
        replies: world.commentsOf(found.post.id, c.id).map((r) => ({ comment: r, author: state.account(platform, r.account_id)! })),
      }));
    const replies = world.repliesOf(found.post.id).map((p) => postView(p, s.me));
    const body = s.layout.post({ viewer: s.viewer, view: postView(found.post, s.me), comments, replies, isOwner: found.post.account_id === s.me.id, notice: noticeOf(req) });
    html(res, movedTo ? body.replace('</body>', `<script>setTimeout(() => history.replaceState(null, '', ${JSON.stringify(movedTo)}), ${LATE_URL_MOVE_MS})</script></body>`) : body);
  }));
  router.post(`${paths.post}/like`.replace('//', '/'), act('like', backToPost, async (req, res, s, ghost) => {
    const found = findPost(req);
    if (!found) return void missing(res, s);
    // The heart toggles, as on the real sites: a click on a post liked already unlikes it.
    await world.toggleLike(s.me, found.post, 'ui', ghost);
    return () => done(req, res, urls.post(found.post, found.author));
  }));
  const commentAction = (kind: 'comment' | 'reply') => async (req: Request, res: Response, s: Scene, ghost: boolean) => {
    const found = findPost(req);
    if (!found) return void missing(res, s);
    const parsed = parseInput(textSchema, req.body ?? {});
    if (!parsed.ok) return void badInput(req, res, describeIssues(parsed.issues));
    if (platform === 'x') {
      if (parsed.value.text.length > 280) return void badInput(req, res, 'text: a reply needs 1 to 280 characters');
      const reply = await world.publish(s.me, { text: parsed.value.text, reply_to: found.post.id }, 'ui', ghost);
      const receipt = !faults.take('receipt_missing', scopeOf(req, s, 'reply'));
      return () => (wantsJson(req) ? res.json(createTweet(receipt ? reply : undefined)) : res.redirect(303, urls.post(found.post, found.author)));
    }
    const parent = parsed.value.parent_id ? world.data.comments.find((c) => c.id === parsed.value.parent_id && c.post_id === found.post.id) : undefined;
    if (kind === 'reply' && !parent) return void badInput(req, res, 'parent_id: the comment to reply to was not found');
    await world.comment(s.me, found.post, parsed.value.text, 'ui', parent, ghost);
    return () => done(req, res, urls.post(found.post, found.author));
  };
  if (platform === 'instagram') router.post(`${paths.post}/comment`.replace('//', '/'), act('comment', backToPost, commentAction('comment')));
  router.post(`${paths.post}/reply`.replace('//', '/'), act('reply', backToPost, commentAction('reply')));
  router.post(`${paths.post}/delete`.replace('//', '/'), act('delete', backToPost, async (req, res, s, ghost) => {
    const found = findPost(req);
    if (!found) return void missing(res, s);
    if (found.post.account_id !== s.me.id) return void html(res, s.layout.error({ viewer: s.viewer, status: 403, message: 'You can only delete your own posts.' }), 403);
    await world.deletePost(s.me, found.post, 'ui', ghost);
    return () => done(req, res, urls.profile(s.me));
  }));

  // Profile and follow (last: :handle matches anything).
  const profileOf = (req: Request) => state.account(platform, String(req.params.handle)) ?? undefined;
  router.post(`${paths.profile}/follow`.replace('//', '/'), act('follow', (req, s) => { const a = profileOf(req); return a ? urls.profile(a) : urls.profile(s.me); }, async (req, res, s, ghost) => {
    const target = profileOf(req);
    if (!target || target.id === s.me.id) return void missing(res, s);
    // Follow toggles too: a click on "Following" unfollows.
    await world.toggleFollow(s.me, target, 'ui', ghost);
    return () => done(req, res, urls.profile(target));
  }));
  router.get(paths.profile, page((req, res, s) => {
    const account = profileOf(req);
    if (!account || account.handle !== req.params.handle) return missing(res, s);
    html(res, s.layout.profile({
      viewer: s.viewer,
      account,
      posts: world.postsOf(account, 100, 'grid').map((p) => postView(p, s.me)),
      isSelf: account.id === s.me.id,
      following: world.isFollowing(s.me, account, 'follows'),
      followers: world.followerCount(account),
      followingCount: world.followingCount(account),
      notice: noticeOf(req),
    }));
  }));

  router.use(bodyErrors((res, status, message) => html(res, layout().error({ status, message }), status)));
  return router;
}
