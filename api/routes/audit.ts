import { z } from 'zod';
import { AuditEvent, type AuditRecord } from '../../store/index.js';
import { clientScope } from '../auth/index.js';
import { decodeCursor, pageOf, PageQuery, SeqCursor, type ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

const id = z.string().min(1).max(200);

/** An AuditEvent with its place in the hash chain (hashes and pointers only: §9 keeps content out). */
export const AuditRecordView = z.object({ seq: z.number().int(), hash: z.string(), prev_hash: z.string(), event: AuditEvent });

export function auditRecordView(r: AuditRecord): z.infer<typeof AuditRecordView> {
  return { seq: r.seq, hash: r.hash, prev_hash: r.prev_hash, event: r.event };
}

export function registerAudit(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;

  routes.add({
    method: 'get', path: '/audit/events', tag: 'audit', permission: 'read',
    summary: 'Audit events of the actions the caller may see, newest first by sequence (filters: client, account, episode, action)',
    query: PageQuery.extend({ client_id: id.optional(), platform_account_id: id.optional(), episode_id: id.optional(), action_id: id.optional() }).strict(),
    response: z.object({ items: z.array(AuditRecordView), next_cursor: z.string().nullable() }),
    handler: async ({ principal, query }) => {
      const clientId = clientScope(principal, query.client_id);
      const after = decodeCursor(SeqCursor, query.cursor);
      const rows = await store.audit.page({
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        ...(query.platform_account_id ? { platform_account_id: query.platform_account_id } : {}),
        ...(query.episode_id ? { episode_id: query.episode_id } : {}),
        ...(query.action_id ? { action_id: query.action_id } : {}),
        ...(after ? { after_seq: after.seq } : {}),
        limit: query.limit + 1, order: 'desc',
      });
      return pageOf(rows, query.limit, (r) => ({ seq: r.seq }), auditRecordView);
    },
  });
}
