import { z } from 'zod';
import { KillScope, KillSwitch, type Store } from '../../store/index.js';
import { KillChange, killTarget, setKillSwitch } from '../ops/index.js';
import { clientScope, type Principal } from '../auth/index.js';
import { decodeCursor, encodeCursor, PageQuery, SeqCursor, type ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

const id = z.string().min(1).max(200);

const KillSwitchChange = KillSwitch.extend({ seq: z.number().int(), client_id: z.string().nullable() });

/** The switches that concern a client-scoped principal: the global one, its client's and its accounts'. */
async function visibleFilter(store: Store, principal: Principal): Promise<(sw: KillSwitch) => boolean> {
  if (principal.client_id === null) return () => true;
  const clientId = principal.client_id;
  const accounts = new Set((await store.accounts.list({ client_id: clientId })).map((a) => a.platform_account_id));
  return (sw) => sw.scope === 'global' || ((sw.scope === 'client' || sw.scope === 'dm_auto_send') && (sw.scope_id === clientId || sw.scope_id === '*'))
    || (sw.scope === 'account' && accounts.has(sw.scope_id));
}

export function registerKillSwitches(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;

  const set = async (principal: Principal, scope: KillScope, id: string | undefined, body: KillChange): Promise<KillSwitch> =>
    setKillSwitch(services, principal, await killTarget(store, principal, scope, id), body, 'api');

  routes.add({
    method: 'get', path: '/kill-switches', tag: 'kill-switches', permission: 'read',
    summary: 'The kill switches as they stand (a client-scoped caller: the global one, its client and its accounts)',
    response: z.object({ items: z.array(KillSwitch) }),
    handler: async ({ principal }) => {
      const visible = await visibleFilter(store, principal);
      return { items: (await store.killSwitches.list()).filter(visible) };
    },
  });

  routes.add({
    method: 'get', path: '/kill-switches/history', tag: 'kill-switches', permission: 'read',
    summary: 'Every change of the switches, newest first: who, when, why, on or off (append-only)',
    query: PageQuery.extend({ client_id: id.optional(), scope: KillScope.optional(), scope_id: id.optional() }).strict(),
    response: z.object({ items: z.array(KillSwitchChange), next_cursor: z.string().nullable() }),
    handler: async ({ principal, query }) => {
      const clientId = clientScope(principal, query.client_id);
      const before = decodeCursor(SeqCursor, query.cursor);
      const rows = await store.killSwitches.history({
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        ...(query.scope !== undefined ? { scope: query.scope } : {}),
        ...(query.scope_id !== undefined ? { scope_id: query.scope_id } : {}),
        ...(before ? { before_seq: before.seq } : {}),
        limit: query.limit + 1,
      });
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return { items, next_cursor: rows.length > query.limit && last ? encodeCursor({ seq: last.seq }) : null };
    },
  });

  routes.add({
    method: 'put', path: '/kill-switches/global', tag: 'kill-switches', permission: 'kill_engage',
    summary: 'Engage (kill_engage) or release (kill_clear) the global switch: every side effect of every client; a caller for every client only',
    body: KillChange, response: KillSwitch,
    handler: ({ principal, body }) => set(principal, 'global', '*', body),
  });

  routes.add({
    method: 'put', path: '/kill-switches/client/:client_id', tag: 'kill-switches', permission: 'kill_engage',
    summary: "Engage (kill_engage) or release (kill_clear) a client's switch: every side effect of that client",
    params: z.object({ client_id: id }), body: KillChange, response: KillSwitch,
    handler: ({ principal, params, body }) => set(principal, 'client', params.client_id, body),
  });

  routes.add({
    method: 'put', path: '/kill-switches/account/:account_id', tag: 'kill-switches', permission: 'kill_engage',
    summary: "Engage (kill_engage) or release (kill_clear) an account's switch: every side effect on that account",
    params: z.object({ account_id: id }), body: KillChange, response: KillSwitch,
    handler: ({ principal, params, body }) => set(principal, 'account', params.account_id, body),
  });

  routes.add({
    method: 'put', path: '/kill-switches/dm-auto-send', tag: 'kill-switches', permission: 'kill_engage',
    summary: 'Engage (kill_engage) or release (kill_clear) DM auto-send of every client: drafts wait for a reviewer; a caller for every client only',
    body: KillChange, response: KillSwitch,
    handler: ({ principal, body }) => set(principal, 'dm_auto_send', '*', body),
  });

  routes.add({
    method: 'put', path: '/kill-switches/dm-auto-send/:client_id', tag: 'kill-switches', permission: 'kill_engage',
    summary: "Engage (kill_engage) or release (kill_clear) a client's DM auto-send: its drafts wait for a reviewer",
    params: z.object({ client_id: id }), body: KillChange, response: KillSwitch,
    handler: ({ principal, params, body }) => set(principal, 'dm_auto_send', params.client_id, body),
  });
}
