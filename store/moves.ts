import type { ActionPatch, TransitionWrite } from './ports.js';

/** Consecutive moves of one action, written as one UPDATE from the first's state to the last's. */
export interface MoveGroup {
  first: TransitionWrite;
  last: TransitionWrite;
  /** The patches of every move, merged in order. */
  patch: ActionPatch;
  /** The moves themselves: each keeps its own ledger mirror and audit event. */
  moves: TransitionWrite[];
}

/**
 * `transitionMany`'s writes grouped for both adapters: consecutive moves of one action under the
 * same fencing token, each starting where the previous one ended, are one UPDATE to the last
 * state (nobody sees the states between inside the transaction).
 */
export function groupMoves(writes: readonly TransitionWrite[]): MoveGroup[] {
  const groups: MoveGroup[] = [];
  for (let i = 0; i < writes.length;) {
    const first = writes[i]!;
    let j = i;
    let patch: ActionPatch = { ...first.patch };
    while (j + 1 < writes.length && writes[j + 1]!.action_id === first.action_id && writes[j + 1]!.from === writes[j]!.to && writes[j + 1]!.fence === first.fence) {
      j += 1;
      patch = { ...patch, ...writes[j]!.patch };
    }
    groups.push({ first, last: writes[j]!, patch, moves: writes.slice(i, j + 1) });
    i = j + 1;
  }
  return groups;
}
