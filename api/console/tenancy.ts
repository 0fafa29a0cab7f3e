import type { KillSwitch, PlatformAccount } from '../../store/index.js';

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
