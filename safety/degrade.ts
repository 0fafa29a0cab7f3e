import type { KernelDeps } from './deps.js';
import type { Logger } from './log.js';

export type DegradedState = 'read_only' | 'needs_human' | 'reconnect_required';

/**
 * Puts an account out of service (§8.4): no side effect passes check 2 or check 3 until a human
 * (or a reconnect) makes it active again. One expired session asks for a reconnect; repeated
 * ones within the configured window ask for a human (read_only).
 */
export async function degradeAccount(
  k: KernelDeps,
  input: { accountId: string; state: DegradedState; why: string; actionId: string; at: Date; log: Logger },
): Promise<DegradedState> {
  let { state, why } = input;
  if (state === 'reconnect_required') {
    const { authFailureLimit, authFailureWindowMs } = k.settings;
    const n = await k.store.accounts.recordAuthFailure(input.accountId, { at: input.at, windowMs: authFailureWindowMs, action_id: input.actionId });
    if (n >= authFailureLimit) {
      state = 'read_only';
      why = `repeated auth failures (${n} within ${authFailureWindowMs >= 3_600_000 ? `${Math.round(authFailureWindowMs / 3_600_000)} h` : `${Math.round(authFailureWindowMs / 60_000)} min`}; last: ${why}): a human must check the account`;
    }
  }
  await k.store.accounts.setState(input.accountId, state, `${why} (action ${input.actionId})`);
  input.log.warn({ state }, 'account degraded');
  return state;
}
