import type { Services } from '../../runners/index.js';

/** What every route group gets: the product's services (store, logger, config, performers). */
export interface RouteDeps {
  services: Services;
}
