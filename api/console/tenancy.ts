import type { Client, KillSwitch, PlatformAccount, Store } from '../../store/index.js';
import { visibleOr404, type Principal } from '../auth/index.js';

/** The clients a principal may see: every one, or its own. */
export async function visibleClients(store: Store, principal: Principal): Promise<Client[]> {
  if (principal.client_id === null) return store.clients.list();
  const own = await store.clients.get(principal.client_id);
  return own ? [own] : [];
}

/** The accounts a principal may see (one store read). */
export function visibleAccounts(store: Store, principal: Principal): Promise<PlatformAccount[]> {
  return store.accounts.list(principal.client_id === null ? {} : { client_id: principal.client_id });
}

/** An account the principal may see, or the same 404 as a missing one. */
export async function visibleAccount(store: Store, principal: Principal, accountId: string): Promise<PlatformAccount> {
  return visibleOr404(principal, await store.accounts.get(accountId), 'account', accountId);
}

/** The switches as they stand, keyed `scope:id` (`global:*`). */
export function switchMap(switches: KillSwitch[]): Map<string, KillSwitch> {
  return new Map(switches.map((sw) => [`${sw.scope}:${sw.scope_id}`, sw]));
}

/** The engaged switch that stops this account's side effects (global first), if any. */
export function killFor(map: Map<string, KillSwitch>, account: Pick<PlatformAccount, 'client_id' | 'platform_account_id'>): KillSwitch | undefined {
  return [map.get('global:*'), map.get(`client:${account.client_id}`), map.get(`account:${account.platform_account_id}`)].find((sw) => sw?.engaged);
}

/** How an account is named on a page: platform and handle. */
export function accountLabel(account: Pick<PlatformAccount, 'platform' | 'fingerprint'>): string {
  return `${account.platform} @${account.fingerprint.handle}`;
}
