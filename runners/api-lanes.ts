import { createInstagramApiPerformer, type InstagramApiPerformer } from './api/index.js';
import { createXApiPerformer } from './api/index.js';
import { createHybridPerformer } from './hybrid.js';
import type { Services } from './services.js';

export interface ApiLanesOptions {
  /** API origins per platform: the real hosts (`https://graph.instagram.com`, `https://api.x.com`) or the sandbox's. */
  baseUrls: { instagram: string; x: string };
  /** An extra CA (PEM) the connectors trust besides the system's (`RAIZE_EXTRA_CA`). */
  ca?: string;
  /** Where X posts are seen (permalinks); @default X's own site for X's host, else the base URL's origin. */
  xWebUrl?: string;
}

export interface ApiLanes {
  /** The Instagram API lane's read-only comment poll (the engage loop's fallback when webhooks are missing). */
  readComments: InstagramApiPerformer['readComments'];
  /** The Instagram API lane's User Profile read (a DM sender's username, for the reviewer's thread link). */
  readUsername: InstagramApiPerformer['readUsername'];
  close(): Promise<void>;
}

/**
 * The API lane of both platforms and the hybrid lane on top of it (and of whatever browser lane
 * is registered), wired into the services' performer registry: Instagram Graph and X v2 with
 * tokens from the vault, the hybrid performer reading its route from each action's policy
 * snapshot. `npm start`, `raize chaos --lanes api,browser` and the tests use the same wiring.
 */
export function registerApiLanes(services: Services, options: ApiLanesOptions): ApiLanes {
  const ca = options.ca ? { ca: options.ca } : {};
  const instagram = createInstagramApiPerformer({ baseUrl: options.baseUrls.instagram, vault: services.vault, actions: services.store.actions, ...ca });
  const x = createXApiPerformer({ baseUrl: options.baseUrls.x, vault: services.vault, ...ca, ...(options.xWebUrl ? { webUrl: options.xWebUrl } : {}) });
  const hybrid = createHybridPerformer({ lanes: { api: services.performers.resolve, browser: services.performers.resolve }, policies: services.store.policies });
  services.performers.register('api', 'instagram', instagram).register('api', 'x', x)
    .register('hybrid', 'instagram', hybrid).register('hybrid', 'x', hybrid);
  return {
    readComments: (account, read) => instagram.readComments(account, read),
    readUsername: (account, igsid) => instagram.readUsername(account, igsid),
    async close() {
      await Promise.all([instagram.close(), x.close()]);
    },
  };
}
