import type { Services } from '../../runners/index.js';
import type { Platform, PlatformAccount } from '../../store/index.js';

/** What connecting an account needs from the caller; the password is used once, never kept. */
export interface ConnectAccountInput {
  client_id: string;
  platform: Platform;
  handle: string;
  password: string;
  timezone: string;
}

/**
 * Connects an account through the lane's login and identity flow (spec 000 §4.1): logs in,
 * stores the session, captures the fingerprint from the platform and creates the account.
 */
export type ConnectAccount = (input: ConnectAccountInput) => Promise<PlatformAccount>;

/** What every route group gets: the product's services (store, logger, config, performers). */
export interface RouteDeps {
  services: Services;
  /** Absent when the API runs without a browser lane: connecting answers 503. */
  connect?: ConnectAccount;
}
