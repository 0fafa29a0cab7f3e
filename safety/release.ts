import type { Action } from '../store/index.js';
import type { KernelDeps } from './deps.js';
import { errorCode } from './errors.js';

/**
 * The kernel is done with the action for now: its lane frees what it holds for it (a browser
 * context kept for the episode's phases). Never throws: freeing is housekeeping, not an outcome.
 */
export async function releaseLane(k: Pick<KernelDeps, 'performers' | 'logger'>, action: Action): Promise<void> {
  try {
    await k.performers(action).release?.(action);
  } catch (error) {
    k.logger.debug({ action_id: action.action_id, code: errorCode(error) }, 'lane release failed');
  }
}
