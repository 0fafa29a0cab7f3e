import type { Services } from '../../runners/index.js';
import { succeeded, type Action, type ActionContext, type PlatformAccount } from '../../safety/index.js';
import type { DemoLane } from '../demo.js';
import type { Counts } from './count.js';

/** A read-only episode context: the lane may look, never commit. */
function readOnly(action: Action, account: PlatformAccount): ActionContext {
  return {
    action, account, attempt: 1, deadline: Date.now() + 30_000, signal: new AbortController().signal, commitChecks: 0,
    async beforeCommit() {
      throw new Error('the final verification pass is read-only');
    },
    async keepRef() {
      throw new Error('the final verification pass is read-only');
    },
    addProof() {},
    log() {},
  };
}

/**
 * One read-only verification pass over the succeeded actions (the performers' `verify`, as a
 * later check of the product would run it): how many effects the platform reverted after the
 * product confirmed them does it notice now? Publishes the run deleted itself are left out.
 */
export async function finalVerification(services: Services, lane: DemoLane, actions: Action[], counts: Counts, concurrency = 3) {
  const deleted = new Set(actions.filter((a) => a.action_type === 'delete' && succeeded(a) && a.depends_on).map((a) => a.depends_on!));
  const todo = actions.filter((a) => succeeded(a) && !deleted.has(a.action_id));
  const outcomes = new Map<string, string>();
  const accounts = new Map<string, PlatformAccount>();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < todo.length) {
      const action = todo[next++]!;
      const account = accounts.get(action.platform_account_id) ?? (await services.store.accounts.get(action.platform_account_id))!;
      accounts.set(account.platform_account_id, account);
      try {
        const receipt = { ...(action.result.platform_object_id ? { platform_object_id: action.result.platform_object_id } : {}), ...(action.result.permalink ? { permalink: action.result.permalink } : {}) };
        // A look that never returns (seen under load) must not stall the report.
        const v = await Promise.race([
          services.performers.resolve(action).verify(readOnly(action, account), receipt, { n: 1 }),
          new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('verify hung'), { name: 'Hung' })), 90_000).unref()),
        ]);
        outcomes.set(action.action_id, v.outcome);
      } catch (error) {
        outcomes.set(action.action_id, `error: ${(error as Error).name}`);
      } finally {
        await lane.performer.dispose(action.action_id);
      }
    }
  }));
  let noticed = 0;
  const revertedActions = new Set<string>();
  for (const { reverted, actions: ids } of counts.revertedGroups.values()) {
    ids.forEach((id) => revertedActions.add(id));
    noticed += Math.min(reverted, ids.filter((id) => outcomes.get(id) === 'absent').length);
  }
  const tallies: Record<string, number> = {};
  for (const o of outcomes.values()) tallies[o] = (tallies[o] ?? 0) + 1;
  const absentNotReverted = [...outcomes].filter(([id, o]) => o === 'absent' && !revertedActions.has(id)).map(([id]) => id);
  return { noticed, looked: todo.length, outcomes: tallies, absent_not_reverted: absentNotReverted };
}
