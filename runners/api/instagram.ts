import { GraphAccount, GraphClient, GraphThrottle, type GraphClientOptions } from '../../connectors/index.js';
import {
  AuthExpiredError, errorCode, PlatformRefusalError, TransientError,
  type ActionContext, type IdentityProof, type Performer, type PlatformHold,
} from '../../safety/index.js';
import type { ActionRepository, PlatformAccount, PolledComment, Vault } from '../../store/index.js';
import { readRecentComments, type CommentReadOptions } from './instagram-comments.js';
import { proofsOf, type IgHandler, type IgKit } from './instagram-common.js';
import { deleteHandler } from './instagram-delete.js';
import { dmHandler } from './instagram-dm.js';
import { publishHandler } from './instagram-publish.js';
import { replyHandler } from './instagram-reply.js';

export interface InstagramApiOptions extends GraphClientOptions {
  vault: Pick<Vault, 'open'>;
  /** First wait between container status polls; later ones grow by half up to `pollCapMs`. @default 250 */
  pollMs?: number;
  /** @default 5000 */
  pollCapMs?: number;
  /** How long a container may stay IN_PROGRESS before the publish gives up (never publishing it). @default until 5 s before the action's deadline */
  processingTimeoutMs?: number;
  /** How long a look keeps reading the listing for a post whose container says PUBLISHED. @default 8000 */
  listingWaitMs?: number;
  /** How long a hold on a used-up publishing quota lasts before it is read again. @default 1 h */
  quotaRecheckMs?: number;
  /** The store's actions, to find the post a delete depends on by its publish's result. */
  actions?: Pick<ActionRepository, 'get'>;
}

/**
 * The action types the Instagram Graph API offers a business account. Like and follow are not
 * among them (the Graph API has no such endpoints): they stay on the browser lane.
 */
const HANDLERS: Partial<Record<string, IgHandler>> = { publish: publishHandler, comment_reply: replyHandler, dm_send: dmHandler, delete: deleteHandler };

function handlerOf(ctx: ActionContext): IgHandler {
  const h = HANDLERS[ctx.action.action_type];
  if (!h) throw new PlatformRefusalError(`instagram api lane: ${ctx.action.action_type} is not offered by the Instagram Graph API (use the browser lane)`);
  return h;
}

/**
 * The Instagram API lane (issue 9): publish (image, reel, carousel), comment_reply, dm_send and
 * delete through the kernel, on Meta's documented Graph wire format. Each action type is a
 * handler (instagram-publish.ts, -reply.ts, -dm.ts, -delete.ts). Shared here: the token from the
 * vault, identity by `GET /me`, and the app's request limits: a rate-limit answer anywhere holds
 * the account (or, app-wide, every account) until Meta's regain time, and `hold` defers actions
 * to it without sending anything.
 */
export interface InstagramApiPerformer extends Performer {
  close(): Promise<void>;
  useClock(now: () => number): void;
  /** The engage loop's read-only comment poll for one account (instagram-comments.ts); reads only. */
  readComments(account: PlatformAccount, options: CommentReadOptions): Promise<PolledComment[]>;
  /** The username of a person who messaged the account (User Profile API; read-only), or null without consent. */
  readUsername(account: PlatformAccount, igsid: string): Promise<string | null>;
}

export function createInstagramApiPerformer(options: InstagramApiOptions): InstagramApiPerformer {
  const g = new GraphClient(options);
  const throttle = new GraphThrottle();
  const userOf = (ctx: ActionContext) => ctx.account.fingerprint.platform_user_id;

  const kit: IgKit = {
    settings: {
      pollMs: options.pollMs ?? 250, pollCapMs: options.pollCapMs ?? 5_000, listingWaitMs: options.listingWaitMs ?? 8_000,
      quotaRecheckMs: options.quotaRecheckMs ?? 3_600_000, ...(options.processingTimeoutMs !== undefined ? { processingTimeoutMs: options.processingTimeoutMs } : {}),
    },
    async api(ctx) {
      const opened = await options.vault.open(ctx.account.platform_account_id, 'access_token');
      if (!opened) throw new AuthExpiredError('no API token stored for this account: connect it on the API lane');
      return new GraphAccount(g, opened.value, userOf(ctx), throttle, ctx.signal);
    },
    async dependency(ctx) {
      if (!ctx.action.depends_on || !options.actions) return undefined;
      const dep = await options.actions.get(ctx.action.depends_on);
      return dep && dep.client_id === ctx.action.client_id && dep.platform_account_id === ctx.action.platform_account_id ? dep.result : undefined;
    },
  };

  /** The kernel records a failure's code; the action's log keeps why (Meta's words, never a token or content). */
  async function said<T>(ctx: ActionContext, step: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      ctx.log(`instagram api lane ${step}: ${(error as Error).message}`, { code: errorCode(error) });
      throw error;
    }
  }

  const heldFor = (ctx: ActionContext): PlatformHold | null => {
    const h = throttle.holdOf(userOf(ctx));
    return h ? { until: new Date(h.until).toISOString(), reason: `rate limit: ${h.reason} until Meta's regain time` } : null;
  };

  return {
    async readComments(account, read) {
      const opened = await options.vault.open(account.platform_account_id, 'access_token');
      if (!opened) throw new AuthExpiredError('no API token stored for this account: connect it on the API lane');
      return readRecentComments(new GraphAccount(g, opened.value, account.fingerprint.platform_user_id, throttle), read);
    },
    async readUsername(account, igsid) {
      const opened = await options.vault.open(account.platform_account_id, 'access_token');
      if (!opened) return null;
      const api = new GraphAccount(g, opened.value, account.fingerprint.platform_user_id, throttle);
      const answer = await api.userProfile(igsid);
      const username = answer.error ? undefined : answer.data?.username;
      // What the platform says goes into a link: only what an Instagram username can be.
      return typeof username === 'string' && /^[A-Za-z0-9._]{1,30}$/.test(username) ? username : null;
    },
    tool: 'connector',
    toolVersion: '1.1.0',

    async verifyIdentity(ctx): Promise<IdentityProof> {
      const api = await kit.api(ctx);
      const answer = await api.me();
      const me = api.raise(answer, false);
      const fp = ctx.account.fingerprint;
      const signals = [
        { name: 'user_id', ok: me.id === fp.platform_user_id || me.user_id === fp.platform_user_id },
        { name: 'username', ok: me.username.toLowerCase() === fp.handle.replace(/^@/, '').toLowerCase() },
      ];
      return { ok: signals.every((s) => s.ok), signals, proofs: proofsOf(answer, { id: me.id }) };
    },

    /**
     * Read before anything is claimed: a request limit Meta announced (no request is sent while
     * it lasts), then the action type's own hold (publishing quota). A limit met while reading
     * the quota becomes the hold.
     */
    async hold(ctx) {
      const held = heldFor(ctx);
      if (held || !HANDLERS[ctx.action.action_type]?.hold) return held;
      const api = await kit.api(ctx);
      try {
        return await handlerOf(ctx).hold!(ctx, api, kit);
      } catch (error) {
        const now = heldFor(ctx);
        if (now) return now;
        throw error;
      }
    },

    precheck: (ctx) => said(ctx, 'precheck', async () => {
      const h = handlerOf(ctx);
      h.check(ctx);
      return h.precheck(ctx, await kit.api(ctx), kit);
    }),

    attempt: (ctx) => said(ctx, 'attempt', async () => {
      try {
        return await handlerOf(ctx).attempt(ctx, await kit.api(ctx), kit);
      } catch (error) {
        // A request limit met inside the attempt: Meta did not run the call. The kernel waits out a
        // regain time that fits the action's deadline and tries again; a longer one ends the action
        // here, refused and not sent, while the account stays held for every later action.
        if (error instanceof TransientError && !error.sent && (error.retryAfterMs ?? 0) > ctx.deadline - Date.now() - 5_000) {
          throw new PlatformRefusalError(`${error.message}; regain time beyond this action's deadline: nothing was sent, resubmit after ${new Date(Date.now() + error.retryAfterMs!).toISOString()}`, 429, 'rate_limit');
        }
        throw error;
      }
    }),

    async verify(ctx, receipt) {
      return handlerOf(ctx).verify(ctx, await kit.api(ctx), kit, receipt);
    },

    absenceRule(actionType) {
      return HANDLERS[actionType]?.absence;
    },

    useClock: (now) => throttle.useClock(now),
    close: () => g.close(),
  };
}
