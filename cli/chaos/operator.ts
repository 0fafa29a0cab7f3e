import type { BrowserProvider, Services } from '../../runners/index.js';
import { loginSandboxAccount } from '../demo.js';
import type { ChaosAccount } from './schedule.js';

export interface OperatorClear {
  account: string;
  was: string;
  reason: string | null;
  /** The fresh login failed three times; the account was made active anyway (the next identity check decides). */
  login_failed?: string;
}

/**
 * The operator stand-in of a chaos run: an account the kernel degraded (a checkpoint, an
 * expired session, a session switched to another account) is checked by a human, who logs in
 * again (a fresh session on the right account) and makes it active. Returns what was cleared,
 * or undefined when the account was active.
 */
export async function operatorClear(services: Services, provider: BrowserProvider, origins: { instagram: string; x: string }, a: ChaosAccount): Promise<OperatorClear | undefined> {
  const { store } = services;
  const account = await store.accounts.get(a.id);
  if (!account || account.state === 'active') return undefined;
  let login_failed: string | undefined;
  for (let n = 1; n <= 3; n += 1) {
    try {
      await loginSandboxAccount(services, provider, { platforms: origins }, { platform: a.platform, platform_account_id: a.id, handle: a.handle, password: a.password });
      login_failed = undefined;
      break;
    } catch (error) {
      login_failed = (error as Error).message.split('\n')[0];
    }
  }
  await store.accounts.setState(a.id, 'active', null);
  return { account: a.id, was: account.state, reason: account.state_reason?.slice(0, 160) ?? null, ...(login_failed ? { login_failed } : {}) };
}
