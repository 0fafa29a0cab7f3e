import type { Command } from 'commander';
import { ACTION_STATES, type ActionState } from '../store/index.js';
import { UsageError, withStore } from './context.js';

/** Why an action is where it is: the error code, or a duplicate's original, or its verification level. */
function reasonOf(a: { state: string; result: { error_code?: string; duplicate_of?: string; verification_level?: number }; escalated_at: string | null }): string {
  if (a.result.error_code) return a.result.error_code;
  if (a.result.duplicate_of) return `duplicate_of ${a.result.duplicate_of}`;
  if (a.escalated_at) return `escalated ${a.escalated_at}`;
  if (a.result.verification_level !== undefined) return `verified level ${a.result.verification_level}`;
  return '';
}

export function registerActions(program: Command): void {
  program
    .command('actions')
    .description('list the actions in the store with their state and reason')
    .option('--state <state>', `only actions in this state (${ACTION_STATES.join(', ')})`)
    .option('--account <id>', 'only this platform account')
    .option('--json', 'one JSON object per line')
    .action(async (o: { state?: string; account?: string; json?: boolean }) => {
      if (o.state && !(ACTION_STATES as readonly string[]).includes(o.state)) throw new UsageError(`--state must be one of ${ACTION_STATES.join(', ')} (got ${o.state})`);
      const actions = await withStore((store) => store.actions.list({ ...(o.state ? { state: o.state as ActionState } : {}), ...(o.account ? { platform_account_id: o.account } : {}) }));
      for (const a of actions.sort((x, y) => x.created_at.localeCompare(y.created_at))) {
        const row = {
          action_id: a.action_id, created_at: a.created_at, state: a.state, reason: reasonOf(a), platform: a.platform,
          platform_account_id: a.platform_account_id, action_type: a.action_type, attempts: a.attempt_count, verify_tries: a.verify_tries,
          ...(a.result.permalink ? { permalink: a.result.permalink } : {}),
        };
        if (o.json) console.log(JSON.stringify(row));
        else console.log(`${row.created_at}  ${row.action_id}  ${row.platform.padEnd(9)} ${row.action_type.padEnd(13)} ${row.state.padEnd(18)} ${row.reason}`);
      }
      if (!o.json) console.error(`${actions.length} action(s)`);
    });
}
