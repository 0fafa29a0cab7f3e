/** The action is no longer in the state a write expected: another worker moved it. Nothing was written. */
export class StaleStateError extends Error {
  readonly code = 'stale_state';
  constructor(readonly actionId: string, readonly expected: string, readonly actual: string | null) {
    super(`action ${actionId} is in ${actual ?? 'no state (missing)'}, expected ${expected}`);
    this.name = 'StaleStateError';
  }
}

export class NotFoundError extends Error {
  readonly code = 'not_found';
  constructor(readonly entity: string, readonly id: string) {
    super(`${entity} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** A record failed validation at the store boundary; names the field. */
export class RecordInvalidError extends Error {
  readonly code = 'record_invalid';
  constructor(readonly entity: string, readonly field: string, detail: string) {
    super(`invalid ${entity}: ${field}: ${detail}`);
    this.name = 'RecordInvalidError';
  }
}

/** A transition gated on a budget reservation was not written: the budget refused. */
export class BudgetRefusedError extends Error {
  readonly code = 'budget_refused';
  constructor(readonly rule: 'per_hour' | 'per_day' | 'min_spacing', readonly retryAt: string) {
    super(`budget refused (${rule}); next slot at ${retryAt}`);
    this.name = 'BudgetRefusedError';
  }
}

/** The writer's fencing token is stale: another owner took the action over. Nothing was written. */
export class FencedError extends Error {
  readonly code = 'fenced';
  constructor(readonly actionId: string, readonly held: number, readonly current: number | null) {
    super(`action ${actionId} was taken over (fence ${current ?? 'none'}, writer holds ${held}): write refused`);
    this.name = 'FencedError';
  }
}
