import { z } from 'zod';
import type { Logger } from '../../safety/index.js';
import { KillScope, type KillSwitch, type Store } from '../../store/index.js';
import { demand, visibleAccount, visibleClient, type Principal } from '../auth/index.js';
import { ApiError } from '../errors.js';

/** A switch a caller named and may see: its scope, its id (`*` for every client) and, in words, what it stops. */
export interface KillTarget {
  scope: KillScope;
  id: string;
  /** Whose switch, in words: "client Acme". */
  label: string;
  /** What tripping it stops, in words. */
  stops: string;
}

/**
 * Resolves the switch a request names, with tenancy: a client or account of another tenant is
 * "not found"; a switch over every client (the global one, DM auto-send of every client) is for
 * unscoped callers only.
 */
export async function killTarget(store: Store, principal: Principal, scopeRaw: unknown, idRaw: string | undefined): Promise<KillTarget> {
  const scope = KillScope.safeParse(scopeRaw);
  if (!scope.success) throw new ApiError(400, 'invalid_request', `scope: one of ${KillScope.options.join(', ')}`);
  const everyClient = scope.data === 'global' || (scope.data === 'dm_auto_send' && (idRaw === undefined || idRaw === '' || idRaw === '*'));
  if (everyClient && principal.client_id !== null) throw new ApiError(403, 'forbidden', `a caller scoped to one client cannot set ${scope.data === 'global' ? 'the global kill switch' : 'DM auto-send of every client'}`);
  switch (scope.data) {
    case 'global':
      return { scope: 'global', id: '*', label: 'every client (global)', stops: 'every side effect of every client' };
    case 'dm_auto_send': {
      if (everyClient) return { scope: 'dm_auto_send', id: '*', label: 'DM auto-send of every client', stops: 'every automatic DM reply: drafts wait for a reviewer' };
      const client = await visibleClient(store, principal, idRaw!);
      return { scope: 'dm_auto_send', id: client.client_id, label: `DM auto-send of client ${client.name}`, stops: `automatic DM replies of client ${client.name}: drafts wait for a reviewer` };
    }
    case 'client': {
      if (!idRaw) throw new ApiError(400, 'invalid_request', 'id: which client');
      const client = await visibleClient(store, principal, idRaw);
      return { scope: 'client', id: client.client_id, label: `client ${client.name}`, stops: `every side effect of client ${client.name}` };
    }
    case 'account': {
      if (!idRaw) throw new ApiError(400, 'invalid_request', 'id: which account');
      const account = await visibleAccount(store, principal, idRaw);
      const name = `${account.platform} @${account.fingerprint.handle}`;
      return { scope: 'account', id: account.platform_account_id, label: `account ${name}`, stops: `every side effect on account ${name}` };
    }
  }
}

/** On needs a reason (it is what the people who find the farm stopped read); off may say why. */
export const KillChange = z.object({
  engaged: z.boolean(),
  reason: z.string().trim().max(500).optional(),
}).strict().superRefine((b, ctx) => {
  if (b.engaged && !b.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a reason is required to engage a kill switch' });
});
export type KillChange = z.infer<typeof KillChange>;

/**
 * Engages (kill_engage) or releases (kill_clear) a switch, for the REST routes and the console
 * alike: the permission, the reason rule, the write (which the store records in the switch's
 * append-only history) and the log line are here once.
 */
export async function setKillSwitch(deps: { store: Store; logger: Logger }, principal: Principal, target: KillTarget, change: KillChange, via: 'api' | 'console'): Promise<KillSwitch> {
  demand(principal, change.engaged ? 'kill_engage' : 'kill_clear');
  const reason = change.reason?.trim() || null;
  if (change.engaged && !reason) throw new ApiError(400, 'invalid_request', 'reason: a reason is required to engage a kill switch');
  const sw = await deps.store.killSwitches.set({ scope: target.scope, scope_id: target.id, engaged: change.engaged, reason, set_by: principal.name });
  deps.logger.warn({ scope: sw.scope, scope_id: sw.scope_id, engaged: sw.engaged, by: principal.name, via }, sw.engaged ? 'kill switch engaged' : 'kill switch released');
  return sw;
}
