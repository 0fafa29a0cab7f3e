import type { Action, ActionResult, ActionState, LedgerStatus, Store, TransitionWrite } from '../store/index.js';
import type { ActionPatch } from '../store/index.js';
import { buildAuditEvent, type EventDraft } from './audit.js';
import type { ProofRef } from './performer.js';
import { assertTransition } from './state-machine.js';

export interface MoveOptions extends Omit<EventDraft, 'from' | 'to'> {
  patch?: ActionPatch;
  /** Reserve a budget use in the same transaction (see TransitionWrite.reserve). */
  reserve?: TransitionWrite['reserve'];
  ledger?: LedgerStatus;
  durable?: boolean;
}

/**
 * Holds one action while the kernel drives it: every move is checked against the state
 * machine before anything is written, then persisted with its AuditEvent in one transaction.
 */
export class ActionTracker {
  private pendingProofs: ProofRef[] = [];

  /**
   * `lazy`: this tracker drives a run (runAction, verification), whose moves may be acknowledged
   * before the database flushes them (see TransitionWrite.lazy); durable moves never are.
   */
  constructor(private readonly store: Store, public action: Action, private readonly now: () => Date, private readonly options: { lazy?: boolean } = {}) {}

  get state(): ActionState {
    return this.action.state;
  }

  addProof(proof: ProofRef): void {
    this.pendingProofs.push(proof);
  }

  async move(to: ActionState, options: MoveOptions = {}): Promise<Action> {
    return this.moveThrough([[to, options]]);
  }

  /**
   * Consecutive moves written in one transaction (each still checked and audited on its own),
   * e.g. confirmed_success then postcheck_complete once the postcheck is already in hand.
   */
  async moveThrough(steps: [ActionState, MoveOptions?][]): Promise<Action> {
    let current = this.action;
    const writes: TransitionWrite[] = [];
    for (const [to, options = {}] of steps) {
      const from = current.state;
      assertTransition(from, to);
      const result: ActionResult = options.patch?.result ?? current.result;
      const proofs = writes.length === 0 ? [...this.pendingProofs, ...(options.proofs ?? [])] : [...(options.proofs ?? [])];
      // The event describes the action as this move leaves it (the policy snapshot a preflight records, say).
      const event = buildAuditEvent({ ...current, ...options.patch }, { ...options, from, to, result, proofs, at: options.at ?? this.now() });
      writes.push({
        action_id: current.action_id, from, to, patch: options.patch, event, durable: options.durable, base: current, reserve: options.reserve,
        ...(this.options.lazy && !options.durable ? { lazy: true } : {}),
        fence: current.fence,
        ledger: options.ledger ? { key: current.idempotency_key, status: options.ledger, result } : undefined,
      });
      // The next event describes the action as this move leaves it.
      current = { ...current, ...options.patch, state: to, result };
    }
    const { action } = writes.length === 1
      ? await this.store.actions.transition(writes[0]!)
      : await this.store.actions.transitionMany(writes);
    this.pendingProofs = [];
    this.action = action;
    return action;
  }

  /** An audited event without a state change (a deferral, a retry, a verification try). */
  async note(reason: string, options: Omit<MoveOptions, 'ledger'> = {}): Promise<Action> {
    const state = this.action.state;
    const proofs = [...this.pendingProofs, ...(options.proofs ?? [])];
    const result = options.patch?.result ?? this.action.result;
    const event = buildAuditEvent({ ...this.action, ...options.patch }, { ...options, from: state, to: state, reason, result, proofs, at: options.at ?? this.now() });
    const { action } = await this.store.actions.note({ action_id: this.action.action_id, state, fence: this.action.fence, patch: options.patch ?? {}, event, durable: options.durable, base: this.action,
      ...(this.options.lazy && !options.durable ? { lazy: true } : {}) });
    this.pendingProofs = [];
    this.action = action;
    return action;
  }
}
