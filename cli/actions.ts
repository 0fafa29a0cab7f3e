import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError, cancelAction, rescheduleAction } from '../safety/index.js';
import { ACTION_STATES, ACTION_TYPES, PLATFORMS, type Action, type ActionState, type AuditRecord, type Store } from '../store/index.js';
import { UsageError, withStore } from './context.js';

/** The store's fallback when the trail gives no reason: the error code, a duplicate's original, an escalation, a verification. */
function resultReason(a: Action): string {
  if (a.result.error_code) return a.result.error_code;
  if (a.result.duplicate_of) return `duplicate_of ${a.result.duplicate_of}`;
  if (a.escalated_at) return `escalated ${a.escalated_at}`;
  if (a.result.verification_level !== undefined) return `verified level ${a.result.verification_level}`;
  return '';
}

/** Why an action is where it is: its latest audit event's reason, else what its result says. */
function reasonOf(a: Action, trail: AuditRecord[]): string {
  return trail.at(-1)?.event.reason ?? resultReason(a);
}

const isoTime = z.string().datetime({ offset: true });

/** An ISO time from an option, in UTC (stored times compare as strings). */
function isoOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isoTime.safeParse(value).success) throw new UsageError(`${flag} must be an ISO datetime with an offset, e.g. 2026-11-24T09:00:00Z (got ${value})`);
  return new Date(value).toISOString();
}

function oneOf<T extends string>(flag: string, allowed: readonly T[], value: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got ${value})`);
  return value as T;
}

/** The kernel refused the change (unknown id, not queued, bad time): a wrong use, exit 2. */
async function asUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message);
    throw error;
  }
}

interface ListOptions {
  state: string[]; account?: string; client?: string; platform?: string; type?: string;
  dueBefore?: string; dueAfter?: string; limit: string; json?: boolean;
}

/** Upper bound of one store read when filters apply in memory after it. */
const SCAN_CAP = 1_000_000;

/**
 * The actions matching every filter, in submission order. The store filters by state and account;
 * a client becomes its accounts, several states several reads; the rest is filtered here.
 */
async function findActions(store: Store, o: ListOptions): Promise<{ actions: Action[]; more: boolean }> {
  const states = [...new Set(o.state.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))].map((s) => oneOf('--state', ACTION_STATES, s));
  const platform = o.platform === undefined ? undefined : oneOf('--platform', PLATFORMS, o.platform);
  const type = o.type === undefined ? undefined : oneOf('--type', ACTION_TYPES, o.type);
  const dueBefore = isoOption('--due-before', o.dueBefore);
  const dueAfter = isoOption('--due-after', o.dueAfter);
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer (got ${o.limit})`);

  let accounts: (string | undefined)[] = [undefined];
  if (o.account !== undefined) {
    const account = await store.accounts.get(o.account);
    if (!account) throw new UsageError(`no account ${o.account}`);
    if (o.client !== undefined && account.client_id !== o.client) return { actions: [], more: false };
    accounts = [o.account];
  } else if (o.client !== undefined) {
    if (!(await store.clients.get(o.client))) throw new UsageError(`no client ${o.client}`);
    accounts = (await store.accounts.list({ client_id: o.client })).map((a) => a.platform_account_id);
  }
  const inMemory = platform !== undefined || type !== undefined || dueBefore !== undefined || dueAfter !== undefined;
  const found: Action[] = [];
  for (const account of accounts) {
    for (const state of states.length ? states : [undefined]) {
      found.push(...await store.actions.list({
        ...(state ? { state: state as ActionState } : {}), ...(account ? { platform_account_id: account } : {}),
        limit: inMemory ? SCAN_CAP : limit + 1,
      }));
    }
  }
  // An action without a due time was due from its submission.
  const due = (a: Action) => a.due_at ?? a.created_at;
  const matching = found
    .filter((a) => (platform === undefined || a.platform === platform) && (type === undefined || a.action_type === type)
      && (dueBefore === undefined || due(a) < dueBefore) && (dueAfter === undefined || due(a) >= dueAfter))
    .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.action_id.localeCompare(y.action_id));
  return { actions: matching.slice(0, limit), more: matching.length > limit };
}

function scheduleText(a: Action): string {
  return ([['due', a.due_at], ['window_end', a.window_end_at], ['not_before', a.not_before]] as const)
    .filter(([, at]) => at !== null).map(([name, at]) => `${name} ${at}`).join(', ');
}

async function listActions(o: ListOptions): Promise<void> {
  await withStore(async (store) => {
    const { actions, more } = await findActions(store, o);
    for (const a of actions) {
      const reason = reasonOf(a, await store.audit.forAction(a.action_id));
      if (o.json) {
        console.log(JSON.stringify({
          action_id: a.action_id, created_at: a.created_at, client_id: a.client_id, platform: a.platform, platform_account_id: a.platform_account_id,
          action_type: a.action_type, lane: a.lane, state: a.state, reason, due_at: a.due_at, window_end_at: a.window_end_at, not_before: a.not_before,
          attempts: a.attempt_count, verify_tries: a.verify_tries, ...(a.result.permalink ? { permalink: a.result.permalink } : {}),
        }));
        continue;
      }
      const schedule = scheduleText(a);
      console.log(`${a.created_at}  ${a.action_id}  ${a.platform.padEnd(9)} ${a.platform_account_id}  ${a.action_type.padEnd(13)} ${a.state.padEnd(18)} ${reason || '-'}${schedule ? `  [${schedule}]` : ''}`);
    }
    console.error(`${actions.length} action(s)${more ? ` (more match: raise --limit, now ${o.limit})` : ''}`);
  });
}

/** The action as a reader may see it: the payload's key names and hash, never its values (captions, DM text). */
function shownAction(a: Action, trail: AuditRecord[]) {
  const { payload, ...rest } = a;
  return {
    ...rest, payload_keys: Object.keys(payload).sort(), reason: reasonOf(a, trail),
    audit: trail.map((r) => ({ seq: r.seq, timestamp: r.event.timestamp, from: r.event.transition.from, to: r.event.transition.to, reason: r.event.reason })),
  };
}

async function showAction(id: string, o: { json?: boolean }): Promise<void> {
  const shown = await withStore(async (store) => {
    const action = await store.actions.get(id);
    if (!action) throw new UsageError(`no action ${id}`);
    return shownAction(action, await store.audit.forAction(id));
  });
  if (o.json) {
    console.log(JSON.stringify(shown));
    return;
  }
  const r = shown.result;
  const lines: [string, unknown][] = [
    ['action', shown.action_id], ['state', `${shown.state}${shown.reason ? ` — ${shown.reason}` : ''}`],
    ['client', shown.client_id], ['account', `${shown.platform} ${shown.platform_account_id}`],
    ['type', `${shown.action_type} on the ${shown.lane} lane, risk ${shown.risk}`], ['episode', shown.episode_id],
    ['created', `${shown.created_at} by ${shown.created_by}`], ['updated', shown.updated_at],
    ['due_at', shown.due_at ?? 'as soon as possible'], ['window_end_at', shown.window_end_at ?? 'none'], ['not_before', shown.not_before ?? 'none'],
    ['depends_on', shown.depends_on], ['attempts', shown.attempt_count], ['verify_tries', shown.verify_tries],
    ['escalated_at', shown.escalated_at], ['owner', shown.owner_id], ['policy', shown.policy_snapshot_id],
    ['payload_hash', shown.payload_hash], ['payload_keys', shown.payload_keys.join(', ') || '(none)'], ['idempotency_key', shown.idempotency_key],
    ['result', Object.entries({ platform_object_id: r.platform_object_id, permalink: r.permalink, verification_level: r.verification_level, error_code: r.error_code, duplicate_of: r.duplicate_of })
      .filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'],
  ];
  for (const [name, value] of lines) if (value !== null) console.log(`${name.padEnd(16)}${String(value)}`);
  console.log(`audit trail (${shown.audit.length} event(s)):`);
  for (const e of shown.audit) console.log(`  #${e.seq}  ${e.timestamp}  ${e.from ?? '∅'} → ${e.to}  ${e.reason ?? ''}`.trimEnd());
}

const collect = (value: string, previous: string[]) => [...previous, value];
const defaultBy = process.env.USER ?? 'cli';

export function registerActions(program: Command): void {
  const actions = program.command('actions').description('list, inspect, cancel and reschedule the actions in the store (default: list)');
  actions
    .command('list', { isDefault: true })
    .description('list actions with their state and its reason (the latest audit event\'s), oldest first')
    .option('--state <state>', `only these states, repeatable or a comma list (${ACTION_STATES.join(', ')})`, collect, [])
    .option('--account <id>', 'only this platform account')
    .option('--client <id>', 'only this client\'s accounts')
    .option('--platform <platform>', `only this platform (${PLATFORMS.join(', ')})`)
    .option('--type <type>', `only this action type (${ACTION_TYPES.join(', ')})`)
    .option('--due-before <iso>', 'only actions due before this time (one without due_at is due from its submission)')
    .option('--due-after <iso>', 'only actions due at or after this time')
    .option('--limit <n>', 'at most this many rows', '100')
    .option('--json', 'one JSON object per line')
    .action(listActions);
  actions
    .command('show')
    .description('one action: state and reason, schedule, attempts, result, payload key names and hash (never the values), and its audit trail')
    .argument('<id>', 'action id')
    .option('--json', 'one JSON object')
    .action(showAction);
  actions
    .command('cancel')
    .description('cancel a queued action before it runs: blocked, reason cancelled (audited)')
    .argument('<id>', 'action id')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--by <who>', 'who cancels it', defaultBy)
    .action(async (id: string, o: { reason?: string; by: string }) => {
      const action = await withStore((store) => asUsage(cancelAction(store, id, { by: o.by, ...(o.reason !== undefined ? { reason: o.reason } : {}) })));
      console.log(`cancelled ${action.action_id}: ${action.state} (${action.result.error_code})`);
    });
  actions
    .command('reschedule')
    .description('move a queued action\'s due time or window end (audited with the old and new times)')
    .argument('<id>', 'action id')
    .option('--due <iso>', 'new due time, or "none" for as soon as possible')
    .option('--window-end <iso>', 'new end of the window it may start in, or "none" for no window')
    .option('--by <who>', 'who reschedules it', defaultBy)
    .action(async (id: string, o: { due?: string; windowEnd?: string; by: string }) => {
      if (o.due === undefined && o.windowEnd === undefined) throw new UsageError('reschedule needs --due or --window-end');
      const time = (v: string) => (v === 'none' ? null : v);
      const action = await withStore((store) => asUsage(rescheduleAction(store, id, {
        by: o.by, ...(o.due !== undefined ? { due_at: time(o.due) } : {}), ...(o.windowEnd !== undefined ? { window_end_at: time(o.windowEnd) } : {}),
      })));
      console.log(`rescheduled ${action.action_id}: due ${action.due_at ?? 'as soon as possible'}, window end ${action.window_end_at ?? 'none'}`);
    });
}
