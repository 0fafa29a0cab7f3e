import type { Action, PlatformAccount, Store } from '../store/index.js';
import { KillSwitchError } from './errors.js';
import type { Logger } from './log.js';
import type { ActionContext, ProofRef } from './performer.js';

export type Checkpoint = 'before_preflight' | 'before_tool_call' | 'before_commit';

/** Throws KillSwitchError if any switch covering the action (global, client, account) is engaged. */
export async function checkKillSwitches(store: Store, action: Pick<Action, 'client_id' | 'platform_account_id'>, checkpoint: Checkpoint): Promise<void> {
  const engaged = await store.killSwitches.engagedFor({ client_id: action.client_id, platform_account_id: action.platform_account_id });
  if (engaged) throw new KillSwitchError(engaged.scope, engaged.scope_id, checkpoint);
}

export interface EpisodeContext extends ActionContext {
  /** Ends the deadline timer; call once the action is settled. */
  dispose(): void;
  setAttempt(n: number): void;
}

export function createActionContext(options: {
  store: Store;
  action: () => Action;
  account: PlatformAccount;
  deadline: number;
  logger: Logger;
  addProof: (proof: ProofRef) => void;
}): EpisodeContext {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('action deadline passed')), Math.max(0, options.deadline - Date.now()));
  timer.unref?.();
  let attempt = 1;
  return {
    get action() {
      return options.action();
    },
    account: options.account,
    get attempt() {
      return attempt;
    },
    deadline: options.deadline,
    signal: controller.signal,
    async beforeCommit() {
      try {
        await checkKillSwitches(options.store, options.action(), 'before_commit');
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    },
    addProof: options.addProof,
    log(message, fields) {
      options.logger.info(fields ?? {}, message);
    },
    setAttempt(n) {
      attempt = n;
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
