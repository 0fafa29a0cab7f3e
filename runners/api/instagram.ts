import { GraphClient, type GraphClientOptions, type MediaItem } from '../../connectors/index.js';
import {
  AuthExpiredError, OutcomeUnknownError, PlatformRefusalError, sleep, ValidationError,
  type ActionContext, type AttemptReceipt, type IdentityProof, type Performer, type PlatformHold, type Precheck, type ProofRef, type Verification,
} from '../../safety/index.js';
import type { Secret, Vault } from '../../store/index.js';

export interface InstagramApiOptions extends GraphClientOptions {
  vault: Pick<Vault, 'open'>;
  /** Container status polls before the publish. @default 250 ms apart, within the episode's deadline */
  pollMs?: number;
  /** How long a hold on a used-up publishing quota lasts before it is read again. @default 1 h */
  quotaRecheckMs?: number;
}

const SUPPORTED = new Set(['publish']);

/** The caption as Instagram compares it: trimmed, line endings and runs of spaces folded. */
const normalise = (s: string | undefined) => (s ?? '').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').trim();

function publishPayload(ctx: ActionContext): { caption: string; image_url: string } {
  const p = ctx.action.payload as { caption?: unknown; media?: { source?: unknown; kind?: unknown }[] };
  const url = p.media?.[0]?.source;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new ValidationError('payload.media[0].source', 'the API lane publishes media the platform can fetch: an http(s) URL (a local file needs the browser lane)');
  }
  if ((p.media?.length ?? 0) > 1) throw new ValidationError('payload.media', 'one image on the API lane for now (carousels and reels are not built yet)');
  return { caption: typeof p.caption === 'string' ? p.caption : '', image_url: url };
}

/**
 * The Instagram API lane (issue 9): Graph content publishing through the kernel. Publish is
 * container → FINISHED → `beforeCommit` → `media_publish` → the post by id. The container is
 * kept on the action before it is used (`keepRef`), so no attempt makes a second one, and a
 * container Instagram already published is never published again. Verification is read-only:
 * the post by id (precise), else the container's own status (precise: a container that is not
 * PUBLISHED was not published), else the recent-media listing matched by caption (never a proof
 * of absence).
 */
export function createInstagramApiPerformer(options: InstagramApiOptions): Performer & { close(): Promise<void> } {
  const g = new GraphClient(options);
  const pollMs = options.pollMs ?? 250;

  async function tokenOf(ctx: ActionContext): Promise<Secret> {
    const opened = await options.vault.open(ctx.account.platform_account_id, 'access_token');
    if (!opened) throw new AuthExpiredError('no API token stored for this account: connect it on the API lane');
    return opened.value;
  }
  const userOf = (ctx: ActionContext) => ctx.account.fingerprint.platform_user_id;
  const proof = (traceId: string | undefined, what: string): ProofRef[] => (traceId ? [{ kind: 'request', ref: `${what} fbtrace ${traceId}` }] : []);
  const supported = (ctx: ActionContext) => {
    if (!SUPPORTED.has(ctx.action.action_type)) throw new PlatformRefusalError(`instagram api lane: ${ctx.action.action_type} is not built yet`);
  };

  /** The newest posts of the account whose caption is this one (a content match, never an identification). */
  async function byCaption(ctx: ActionContext, token: Secret, caption: string): Promise<MediaItem[]> {
    const page = g.raise(await g.recentMedia(token, userOf(ctx), { limit: 50, signal: ctx.signal }), false);
    const since = Date.parse(ctx.action.created_at) - 60_000;
    return page.data.filter((m) => normalise(m.caption) === normalise(caption) && (!m.timestamp || Date.parse(m.timestamp.replace(/\+0000$/, 'Z')) >= since));
  }

  return {
    tool: 'connector',
    toolVersion: '1.0.0',

    async verifyIdentity(ctx): Promise<IdentityProof> {
      const token = await tokenOf(ctx);
      const answer = await g.me(token, ctx.signal);
      const me = g.raise(answer, false);
      const fp = ctx.account.fingerprint;
      const signals = [
        { name: 'user_id', ok: me.id === fp.platform_user_id || me.user_id === fp.platform_user_id },
        { name: 'username', ok: me.username.toLowerCase() === fp.handle.replace(/^@/, '').toLowerCase() },
      ];
      return { ok: signals.every((s) => s.ok), signals, proofs: proof(answer.traceId, 'GET /me') };
    },

    async hold(ctx): Promise<PlatformHold | null> {
      if (ctx.action.action_type !== 'publish') return null;
      const token = await tokenOf(ctx);
      const limit = g.raise(await g.publishingLimit(token, userOf(ctx), ctx.signal), false).data[0];
      const total = limit?.config?.quota_total;
      if (!limit || total === undefined || limit.quota_usage < total) return null;
      return { until: new Date(Date.now() + (options.quotaRecheckMs ?? 3_600_000)).toISOString(), reason: `content_publishing_limit ${limit.quota_usage}/${total} in 24 h` };
    },

    async precheck(ctx): Promise<Precheck> {
      supported(ctx);
      publishPayload(ctx);
      // A fresh action has no container yet; one an earlier attempt kept is checked by the attempt
      // itself (a PUBLISHED container goes to verification, never to a second publish).
      return { exists: false };
    },

    async attempt(ctx): Promise<AttemptReceipt> {
      supported(ctx);
      const { caption, image_url } = publishPayload(ctx);
      const token = await tokenOf(ctx);
      const user = userOf(ctx);
      let container = ctx.action.result.lane_refs?.container_id;
      if (container) {
        const status = g.raise(await g.containerStatus(token, container, ctx.signal), false).status_code;
        if (status === 'PUBLISHED') throw new OutcomeUnknownError('the container was already published: verification finds the post');
        if (status === 'EXPIRED' || status === 'ERROR') container = undefined;
      }
      if (!container) {
        const created = await g.createContainer(token, user, { image_url, caption }, ctx.signal);
        container = g.raise(created, false).id;
        for (const p of proof(created.traceId, 'POST /media')) ctx.addProof(p);
        await ctx.keepRef('container_id', container);
      }
      for (;;) {
        const answer = g.raise(await g.containerStatus(token, container, ctx.signal), false);
        if (answer.status_code === 'FINISHED') break;
        if (answer.status_code === 'PUBLISHED') throw new OutcomeUnknownError('the container was published meanwhile: verification finds the post');
        if (answer.status_code === 'ERROR' || answer.status_code === 'EXPIRED') throw new PlatformRefusalError(`container ${answer.status_code}: ${(answer.status ?? '').slice(0, 160)}`);
        await sleep(pollMs, ctx.signal);
      }
      await ctx.beforeCommit();
      const published = await g.publish(token, user, container, ctx.signal);
      const media = g.raise(published, true);
      const receipt: AttemptReceipt = { platform_object_id: media.id, http_status: published.status, proofs: proof(published.traceId, 'POST /media_publish'), ...(published.traceId ? { request_id: published.traceId } : {}) };
      const read = await g.media(token, media.id, ctx.signal).catch(() => undefined);
      if (read?.data?.permalink) receipt.permalink = read.data.permalink;
      return receipt;
    },

    async verify(ctx, receipt): Promise<Verification> {
      const token = await tokenOf(ctx);
      const { caption } = publishPayload(ctx);
      if (receipt?.platform_object_id) {
        const answer = await g.media(token, receipt.platform_object_id, ctx.signal);
        if (answer.data?.id) return { outcome: 'present', level: answer.data.permalink ? 3 : 2, platform_object_id: answer.data.id, ...(answer.data.permalink ? { permalink: answer.data.permalink } : {}), surface: 'api_get', precise: true, proofs: proof(answer.traceId, 'GET media') };
        if (answer.error?.code === 100 && answer.error.error_subcode === 33) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true };
        return { outcome: 'inconclusive', level: 1, surface: 'api_get' };
      }
      const container = ctx.action.result.lane_refs?.container_id;
      if (!container) {
        // No container was kept: media_publish, which needs one, was never called.
        return { outcome: 'absent', level: 0, surface: 'container', precise: true };
      }
      const status = await g.containerStatus(token, container, ctx.signal);
      if (!status.data) return { outcome: 'inconclusive', level: 0, surface: 'container' };
      if (status.data.status_code !== 'PUBLISHED') return { outcome: 'absent', level: 0, surface: 'container', precise: true, proofs: proof(status.traceId, 'GET container') };
      // Published: the post exists. Its id comes from the listing (newest first, by caption).
      const found = await byCaption(ctx, token, caption);
      if (found.length === 1) return { outcome: 'present', level: found[0]!.permalink ? 3 : 2, platform_object_id: found[0]!.id, ...(found[0]!.permalink ? { permalink: found[0]!.permalink } : {}), surface: 'listing', precise: false };
      return { outcome: 'inconclusive', level: 1, surface: 'listing' };
    },

    absenceRule(actionType) {
      // The container's status and the post by id change with the publish call itself; the
      // window covers a replica that answers a moment late.
      return actionType === 'publish' ? { windowMs: 10_000, looks: 2, surfaces: [] } : undefined;
    },

    close: () => g.close(),
  };
}
