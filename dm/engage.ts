import { IdempotencyError, submitAction } from '../safety/index.js';
import { newId, type Action, type DmEvent, type DmPolicy, type KeywordRule, type Lane, type PlatformAccount, type Store } from '../store/index.js';
import { readText } from './triage/text.js';
import { laneFor } from './lane.js';

export interface EngageOutcome {
  rule_id?: string;
  reply?: Action;
  dm?: Action;
  /** Why nothing (or only the reply) was queued. */
  skipped?: string;
}

/** The rule a comment triggers: the first enabled one with a keyword in it, matched as whole words, case and accents aside. */
export function matchRule(rules: KeywordRule[], text: string): KeywordRule | undefined {
  const folded = readText(text).folded;
  return rules.find((r) => r.enabled && r.keywords.some((k) => {
    const key = readText(k).folded.trim();
    return key.length > 0 && folded.includes(` ${key} `);
  }));
}

const bare = (s: string) => s.trim().replace(/^@/, '').toLowerCase();

/** The account's calendar day, for "at most one DM per commenter per rule per day". */
function dayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * GP4, the engage loop: a comment carrying one of the client's keywords gets a public reply
 * and at most one private-reply DM, both as actions through the kernel (so kill switches,
 * quiet hours, budgets, approvals and the ledger apply), keyed on the comment id — a webhook
 * delivered twice or a send retried never makes a second one. The DM is keyed on the rule, the
 * commenter and the account's day as well: a second keyword comment the same day gets its reply,
 * not another DM. Off unless the client's policy enables it; the account's own comments (our
 * replies come back as comment webhooks) never trigger it.
 */
export async function engageOnComment(store: Store, event: DmEvent, text: string, account: PlatformAccount, policy: DmPolicy, now: Date): Promise<EngageOutcome> {
  if (!policy.engage.enabled) return { skipped: 'the engage loop is off for this client' };
  if (event.sender_id === event.ig_user_id || (event.sender_id.startsWith('@') && bare(event.sender_id) === bare(account.fingerprint.handle))) return { skipped: 'the account\'s own comment' };
  const rule = matchRule(policy.engage.rules, text);
  if (!rule) return { skipped: 'no keyword rule matches' };
  const lane: Lane = await laneFor(store, account.platform_account_id);
  const base = { client_id: account.client_id, platform_account_id: account.platform_account_id, lane, created_by: `engage-loop:${rule.rule_id}` };
  const reply = await submitAction(store, {
    ...base, action_type: 'comment_reply',
    payload: { target: event.parent_ref ?? event.ref, comment_id: event.ref, text: rule.reply_text },
    idempotency_key: `engage-reply:${event.ref}`,
  }, now);
  // "One DM per commenter per rule per day" is claimed in the append-only event store first:
  // the claim names the comment that won the day; only that comment's DM is queued (again after
  // a crash: its key and payload are the same, and the ledger lets one act).
  const day = dayIn(account.timezone, now);
  const claimKey = `engage-dm:${account.platform_account_id}:${rule.rule_id}:${event.sender_id}:${day}`;
  const { event: claim } = await store.dmEvents.append({
    event_id: newId(), dedupe_key: claimKey, kind: 'engaged', ig_user_id: event.ig_user_id, platform_account_id: account.platform_account_id,
    client_id: account.client_id, sender_id: event.sender_id, ref: `dm-claim:${event.ref}`, parent_ref: event.ref, timestamp_ms: now.getTime(),
    text_sha256: null, text_ref: null, attachments: [], delivery_id: event.delivery_id, recorded_at: now.toISOString(),
  });
  if (claim.parent_ref !== event.ref) return { rule_id: rule.rule_id, reply, skipped: 'this commenter got this rule\'s DM today already' };
  // The API lane answers privately, to the comment (Meta's private reply, by the app-scoped id);
  // the browser lane has no private replies: a DM to the commenter's handle, the one thing the
  // web shows of them (a numeric id there would be read as a thread id — never sent to).
  if (lane === 'browser' && !event.sender_id.startsWith('@')) return { rule_id: rule.rule_id, reply, skipped: 'the browser lane can DM a handle only and the commenter\'s is unknown' };
  try {
    const dm = await submitAction(store, {
      ...base, action_type: 'dm_send',
      payload: lane === 'api' ? { recipient: event.sender_id, text: rule.dm_text, private_reply_to: event.ref } : { recipient: event.sender_id, text: rule.dm_text },
      idempotency_key: `engage-dm:${rule.rule_id}:${event.sender_id}:${day}`,
    }, now);
    return { rule_id: rule.rule_id, reply, dm };
  } catch (error) {
    // The ledger holds another payload under the day's key: that DM went already.
    if (error instanceof IdempotencyError) return { rule_id: rule.rule_id, reply, skipped: 'this commenter got this rule\'s DM today already' };
    throw error;
  }
}
