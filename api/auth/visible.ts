import type { Client, PlatformAccount, Store } from '../../store/index.js';
import { visibleOr404, type Principal } from './principal.js';

/**
 * "May this principal see this?" for the REST routes and the console alike: another tenant's
 * id answers exactly like a missing one.
 */

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

/** A client the principal may see, or the same 404 as a missing one. */
export async function visibleClient(store: Store, principal: Principal, clientId: string): Promise<Client> {
  return visibleOr404(principal, await store.clients.get(clientId), 'client', clientId);
}

/** An account the principal may see, or the same 404 as a missing one. */
export async function visibleAccount(store: Store, principal: Principal, accountId: string): Promise<PlatformAccount> {
  return visibleOr404(principal, await store.accounts.get(accountId), 'account', accountId);
}
