import type { KernelDeps } from './deps.js';

/** The actions each kernel instance is running now (runAction under way), by action id, with how many runs. */
const RUNNING = new WeakMap<KernelDeps, Map<string, number>>();

/** Marks a run of `actionId` under way on this kernel instance until the returned function is called. */
export function markRunning(k: KernelDeps, actionId: string): () => void {
  let runs = RUNNING.get(k);
  if (!runs) RUNNING.set(k, (runs = new Map()));
  runs.set(actionId, (runs.get(actionId) ?? 0) + 1);
  return () => {
    const left = (runs.get(actionId) ?? 1) - 1;
    if (left > 0) runs.set(actionId, left);
    else runs.delete(actionId);
  };
}

/**
 * Whether this kernel instance has a run of the action under way. An action this instance owns
 * in a running state with no run under way here was left by a run that ended without writing
 * its outcome (the store refused or lost the write: a database outage, a server crash that lost
 * an unflushed commit): recovery takes it over as it would a dead owner's.
 */
export function isRunningHere(k: KernelDeps, actionId: string): boolean {
  return (RUNNING.get(k)?.get(actionId) ?? 0) > 0;
}
