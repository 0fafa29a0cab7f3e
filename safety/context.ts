import type { Action, PlatformAccount, Store } from '../store/index.js';
import { AccountNotActiveError, KillSwitchError, OutcomeUnknownError, OwnershipLostError, RaizeError } from './errors.js';
import type { Logger } from './log.js';
import type { ActionContext, ProofRef } from './performer.js';

export type Checkpoint = 'before_preflight' | 'before_tool_call' | 'before_commit';

/** Throws KillSwitchError if any switch covering the action (global, client, account; an automatic DM reply: dm_auto_send) is engaged. */
export async function checkKillSwitches(store: Store, action: Pick<Action, 'client_id' | 'platform_account_id' | 'created_by'>, checkpoint: Checkpoint): Promise<void> {
  const engaged = await store.killSwitches.engagedFor({ client_id: action.client_id, platform_account_id: action.platform_account_id, created_by: action.created_by });
  if (engaged) throw new KillSwitchError(engaged.scope, engaged.scope_id, checkpoint);
}

/** Who the caller is as the holder of an action in `attempted`: the owner and the fencing token it holds. */
export interface Holder {
  owner_id: string;
  fence: number;
}

/**
 * Checks 2 and 3 of §7, widened by §8.4: one consistent read of the kill switches, the account's
 * state and the action's ownership, right before the tool call and right before the commit.
 * An account another action degraded a moment ago, a switch engaged, or a takeover by another
 * owner (the fencing token moved on) each stop the side effect here.
 */
export async function checkGates(store: Store, actionId: string, checkpoint: Checkpoint, holder: Holder, expected: Action['state'] = 'attempted'): Promise<void> {
  const gate = await store.actions.gate(actionId);
  if (!gate) throw new OwnershipLostError(actionId, checkpoint);
  if (gate.kill) throw new KillSwitchError(gate.kill.scope, gate.kill.scope_id, checkpoint);
  if (gate.owner_id !== holder.owner_id || gate.fence !== holder.fence || gate.state !== expected) throw new OwnershipLostError(actionId, checkpoint);
  if (gate.account_state !== 'active') throw new AccountNotActiveError(gate.platform_account_id, gate.account_state, checkpoint);
}

export interface EpisodeContext extends ActionContext {
  /** Ends the deadline timer; call once the action is settled. */
  dispose(): void;
  /** A new attempt begins: its number, and no commit check yet. */
  setAttempt(n: number): void;
}

export function createActionContext(options: {
  action: () => Action;
  account: PlatformAccount;
  deadline: number;
  logger: Logger;
  addProof: (proof: ProofRef) => void;
  /** The kernel's check 3, run by `beforeCommit()`; absent outside an attempt (read-only phases). */
  gate?: () => Promise<void>;
  /** Persists a lane ref on the action (fenced, audited); absent outside an attempt. */
  keepRef?: (name: string, value: string) => Promise<void>;
}): EpisodeContext {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('action deadline passed')), Math.max(0, options.deadline - Date.now()));
  timer.unref?.();
  let attempt = 1;
  let checks = 0;
  return {
    get action() {
      return options.action();
    },
    account: options.account,
    get attempt() {
      return attempt;
    },
    get commitChecks() {
      return checks;
    },
    deadline: options.deadline,
    signal: controller.signal,
    async beforeCommit() {
      try {
        if (!options.gate) throw new OwnershipLostError(options.action().action_id, 'before_commit (outside an attempt)');
        await options.gate();
      } catch (error) {
        controller.abort(error);
        throw error;
      }
      checks += 1;
    },
    addProof: options.addProof,
    async keepRef(name, value) {
      if (!options.keepRef) throw new OwnershipLostError(options.action().action_id, 'keep_ref (outside an attempt)');
      await options.keepRef(name, value);
    },
    log(message, fields) {
      options.logger.info(fields ?? {}, message);
    },
    setAttempt(n) {
      attempt = n;
      checks = 0;
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}

/**
 * Bounds a lane call by the episode's signal: when the deadline passes (or a check aborts the
 * episode) the kernel stops waiting. A hung attempt is then an ambiguous outcome (it may have
 * committed), never a wait without end; the lane's own work is abandoned with its context.
 */
export function bounded<T>(call: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    call.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

function abortError(signal: AbortSignal, what: string): Error {
  const reason = signal.reason as unknown;
  if (reason instanceof RaizeError) return reason;
  return new OutcomeUnknownError(`${what}: the action's deadline passed before the lane answered`);
}
