import { z } from 'zod';
import { createProofStore } from '../../proofs/index.js';
import { Episode, type AuditRecord, type Store } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { clientScope, visibleOr404, type Principal } from '../auth/index.js';
import { decodeCursor, pageOf, PageQuery, RowCursor, type ApiRoutes } from '../http/index.js';
import { ActionView, actionView } from './actions.js';
import { AuditRecordView, auditRecordView } from './audit.js';
import type { RouteDeps } from './deps.js';
import { ProofView, proofsOf, sendProof } from './proofs.js';

const id = z.string().min(1).max(200);
const EpisodeParams = z.object({ episode_id: id });
/** An episode is a handful of actions; its trail is read whole, up to this many events. */
const TRAIL_LIMIT = 5000;

const IdentityView = z.object({
  /** The last identity check's verdict (§4): true matched, false mismatched; null when none ran. */
  ok: z.boolean().nullable(),
  at: z.string().nullable(),
  /** The proofs that check recorded (screenshot, DOM hash). */
  proofs: z.array(ProofView),
});

const EpisodeAction = ActionView.extend({
  verification_level: z.number().int().nullable(),
  identity: IdentityView,
  audit: z.array(AuditRecordView),
  proofs: z.array(ProofView),
});

const EpisodeDetail = Episode.extend({
  actions: z.array(EpisodeAction),
  /** The latest trace of the episode's actions, if one was recorded (GET …/trace downloads it). */
  trace: ProofView.nullable(),
});

async function visibleEpisode(store: Store, principal: Principal, episodeId: string) {
  return visibleOr404(principal, await store.episodes.get(episodeId), 'episode', episodeId);
}

async function trailOf(store: Store, episodeId: string): Promise<AuditRecord[]> {
  return store.audit.page({ episode_id: episodeId, order: 'asc', limit: TRAIL_LIMIT });
}

/** The newest trace among the episode's recorded proofs. */
function latestTrace(trail: AuditRecord[]): ProofView | null {
  return trail.flatMap((r) => proofsOf(r.seq, r.event)).filter((p) => p.kind === 'trace' && p.sha256 !== null).at(-1) ?? null;
}

export function registerEpisodes(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;
  const proofs = createProofStore(services.config.dataDir);

  routes.add({
    method: 'get', path: '/episodes', tag: 'episodes', permission: 'read',
    summary: 'Episodes the caller may see, newest first (filters: client_id, platform_account_id)',
    query: PageQuery.extend({ client_id: id.optional(), platform_account_id: id.optional() }).strict(),
    response: z.object({ items: z.array(Episode), next_cursor: z.string().nullable() }),
    handler: async ({ principal, query }) => {
      const clientId = clientScope(principal, query.client_id);
      const rows = await store.episodes.list({
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        ...(query.platform_account_id ? { platform_account_id: query.platform_account_id } : {}),
        ...(query.cursor ? { after: decodeCursor(RowCursor, query.cursor) } : {}),
        limit: query.limit + 1, order: 'desc',
      });
      return pageOf(rows, query.limit, (e) => ({ created_at: e.created_at, id: e.episode_id }), (e) => e);
    },
  });

  routes.add({
    method: 'get', path: '/episodes/:episode_id', tag: 'episodes', permission: 'read',
    summary: 'One episode: its actions with their audit events, proofs (kind, sha256), verification level and identity result, and its trace',
    params: EpisodeParams, response: EpisodeDetail,
    handler: async ({ principal, params }) => {
      const episode = await visibleEpisode(store, principal, params.episode_id);
      const actions = await store.actions.list({ episode_id: episode.episode_id, client_id: episode.client_id, order: 'asc' });
      const trail = await trailOf(store, episode.episode_id);
      return {
        ...episode,
        actions: await Promise.all(actions.map(async (a) => {
          const own = trail.filter((r) => r.event.action_id === a.action_id);
          const checked = own.filter((r) => r.event.identity_fingerprint_ok !== null).at(-1);
          return {
            ...(await actionView(store, a)),
            verification_level: a.result.verification_level ?? null,
            identity: {
              ok: checked?.event.identity_fingerprint_ok ?? null,
              at: checked?.event.timestamp ?? null,
              proofs: checked ? proofsOf(checked.seq, checked.event) : [],
            },
            audit: own.map(auditRecordView),
            proofs: own.flatMap((r) => proofsOf(r.seq, r.event)),
          };
        })),
        trace: latestTrace(trail),
      };
    },
  });

  routes.add({
    method: 'get', path: '/episodes/:episode_id/trace', tag: 'episodes', permission: 'read', produces: 'application/zip',
    summary: "Download the episode's Playwright trace (the latest recorded by its actions), verified against its sha256",
    params: EpisodeParams,
    errors: { 409: 'proof_tampered: the file no longer matches its sha256 (not sent)', 410: 'proof_missing: recorded, but the file is gone' },
    handler: async ({ res, principal, params }) => {
      const episode = await visibleEpisode(store, principal, params.episode_id);
      const trace = latestTrace(await trailOf(store, episode.episode_id));
      if (!trace) throw new ApiError(404, 'not_found', `episode ${episode.episode_id} has no trace`);
      await sendProof(res, proofs, trace.ref, services.logger);
    },
  });
}
