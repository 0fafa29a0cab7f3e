import type { ApiRoutes } from '../http/index.js';
import { registerAccounts } from './accounts.js';
import { registerActions } from './actions.js';
import { registerApprovals } from './approvals.js';
import { registerAudit } from './audit.js';
import { registerClients } from './clients.js';
import { registerDrift } from './drift.js';
import type { RouteDeps } from './deps.js';
import { registerEpisodes } from './episodes.js';
import { registerKillSwitches } from './kill.js';
import { registerProofs } from './proofs.js';
import { registerTokens } from './tokens.js';

export type { RouteDeps } from './deps.js';

/** Every /api/v1 route group, in the order the OpenAPI document lists them. */
export function registerRoutes(routes: ApiRoutes, deps: RouteDeps): void {
  registerClients(routes, deps);
  registerTokens(routes, deps);
  registerAccounts(routes, deps);
  registerActions(routes, deps);
  registerApprovals(routes, deps);
  registerEpisodes(routes, deps);
  registerAudit(routes, deps);
  registerProofs(routes, deps);
  registerKillSwitches(routes, deps);
  registerDrift(routes, deps);
}
