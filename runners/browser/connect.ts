import type { LoginFlow, ObservedAccount } from '../../flows/index.js';
import type { Annex } from '../../selectors/index.js';
import type { BrowserProvider } from './provider.js';
import type { SessionStore } from './sessions.js';

export interface ConnectAccountInput {
  provider: BrowserProvider;
  sessions: SessionStore;
  login: LoginFlow;
  annex: Annex;
  origin: string;
  /** The Raize account id the session file is named after. */
  platformAccountId: string;
  handle: string;
  /** Used once, never stored or logged. */
  password: string;
}

/**
 * Connecting an account on the browser lane: log in through the platform's login flow in a
 * fresh context, store the session state (0600), and return the account's `session_ref` and
 * what the platform showed (the fingerprint to store).
 */
export async function connectBrowserAccount(input: ConnectAccountInput): Promise<{ session_ref: string; observed: ObservedAccount }> {
  const context = await input.provider.newContext();
  try {
    const page = await context.newPage();
    const observed = await input.login.login({ page, origin: input.origin, annex: input.annex, handle: input.handle, password: input.password });
    const session_ref = await input.sessions.save(input.platformAccountId, await context.storageState());
    return { session_ref, observed };
  } finally {
    await context.close().catch(() => undefined);
  }
}
