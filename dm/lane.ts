import type { Lane, Store } from '../store/index.js';

/**
 * The lane the DM assistant acts on for an account: the API lane when the client connected the
 * app (an access token is sealed for it: webhooks, private replies, app-scoped ids), else the
 * browser lane. One rule for the engage loop, the comment poll and approvals alike — a poll that
 * read an account on one lane while its reply went out on the other would answer ids that lane
 * cannot resolve.
 */
export async function laneFor(store: Pick<Store, 'secrets'>, platformAccountId: string): Promise<Extract<Lane, 'api' | 'browser'>> {
  return (await store.secrets.get(platformAccountId, 'access_token')) ? 'api' : 'browser';
}
