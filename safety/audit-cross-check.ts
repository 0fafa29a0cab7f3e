import type { ActionState, AuditRecord, Store } from '../store/index.js';
import { isLegalTransition } from './state-machine.js';

export interface CrossCheckReport {
  /** Actions read from the actions table. */
  checked: number;
  /** Their events with seq ≤ the head the chain walk saw. */
  events: number;
  problems: string[];
}

export interface CrossCheckOptions {
  /** The head seq the chain walk verified; events after it are not counted. */
  headSeq: number;
  /** Events the chain walk verified up to headSeq: every one must belong to an action. */
  chainEvents: number;
  pageSize?: number;
  maxProblems?: number;
}

/**
 * Every action's events must form a legal path of the state machine from its creation
 * (null → queued) and end in the action's current state; together they must account for
 * every event of the chain. Reads the actions table in pages of `pageSize` (memory stays flat
 * on any number of actions). A live farm may move an action between the two reads: a
 * mismatch is re-read twice before it counts.
 */
export async function crossCheckActions(store: Store, options: CrossCheckOptions): Promise<CrossCheckReport> {
  const pageSize = options.pageSize ?? 1000;
  const maxProblems = options.maxProblems ?? 50;
  const report: CrossCheckReport = { checked: 0, events: 0, problems: [] };
  let more = 0;
  const problem = (message: string) => (report.problems.length < maxProblems ? report.problems.push(message) : (more += 1));
  let after = '';
  for (;;) {
    const page = await store.audit.actionStates(after, pageSize);
    if (page.length === 0) break;
    for (const row of page) {
      let state = row.state;
      let records = await store.audit.forAction(row.action_id);
      let verdict = pathOf(row.action_id, records);
      for (let retry = 0; retry < 2 && !verdict.problem && verdict.end !== state; retry += 1) {
        state = (await store.actions.get(row.action_id))?.state ?? state;
        records = await store.audit.forAction(row.action_id);
        verdict = pathOf(row.action_id, records);
      }
      report.checked += 1;
      report.events += records.filter((r) => r.seq <= options.headSeq).length;
      if (verdict.problem) problem(verdict.problem);
      else if (verdict.end !== state) problem(`action ${row.action_id}: state is ${state} but its events end at ${verdict.end ?? 'nothing'}`);
    }
    after = page[page.length - 1]!.action_id;
  }
  if (report.events !== options.chainEvents) {
    problem(`the actions' events up to seq ${options.headSeq} number ${report.events} but the chain holds ${options.chainEvents}: ${Math.abs(options.chainEvents - report.events)} event(s) ${report.events < options.chainEvents ? 'belong to no row of the actions table' : 'are counted twice'}`);
  }
  if (more > 0) report.problems.push(`… and ${more} more action problem(s)`);
  return report;
}

/** Follows one action's events through the state machine: where they end, or the first wrong step. */
export function pathOf(actionId: string, records: readonly AuditRecord[]): { end: ActionState | null; problem: string | null } {
  const first = records[0];
  if (!first) return { end: null, problem: `action ${actionId}: no audit events at all (its creation event is missing)` };
  const t0 = first.event.transition;
  if (t0.from !== null || t0.to !== 'queued') {
    return { end: null, problem: `action ${actionId}: its first event (seq ${first.seq}) is ${t0.from ?? 'null'} → ${t0.to}, not its creation (null → queued)` };
  }
  let end: ActionState = 'queued';
  for (const r of records) {
    if (r.event.action_id !== actionId) return { end, problem: `action ${actionId}: event seq ${r.seq} is filed under it but names action ${r.event.action_id}` };
    if (r === first) continue;
    const { from, to } = r.event.transition;
    if (from !== end) {
      return { end, problem: `action ${actionId}: event seq ${r.seq} goes ${from ?? 'null'} → ${to} but its events before it end at ${end} (a transition event is missing or one was added)` };
    }
    if (from === to) continue; // a note: audited, no state change
    if (!isLegalTransition(from, to)) return { end, problem: `action ${actionId}: event seq ${r.seq} records ${from} → ${to}, not a transition of the state machine` };
    end = to;
  }
  return { end, problem: null };
}
