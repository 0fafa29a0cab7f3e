import type {
  Lane,
  Action, ActionResult, ActionState, AuditCheckpoint, AuditEvent, AuditRecord, Budget, Client, Episode, Escalation, Owner, RunnerLease,
  KillScope, KillSwitch, LedgerEntry, ApiToken, ConsoleSession, ActionType, SealedSecret, SecretKind, LedgerStatus, PlatformAccount, AccountState, Policy, PolicyInput, DmDecisionRow, DmEvent, DmInboxEntry } from './records.js';

/**
 * Persistence ports. Every method returns a Promise so that a PostgreSQL adapter can follow the
 * SQLite one without touching callers. Each method is one atomic unit of work.
 */
export interface Store {
  readonly clients: ClientRepository;
  readonly accounts: AccountRepository;
  readonly policies: PolicyRepository;
  readonly killSwitches: KillSwitchRepository;
  readonly episodes: EpisodeRepository;
  readonly actions: ActionRepository;
  readonly ledger: IdempotencyLedger;
  readonly budgets: BudgetRepository;
  readonly audit: AuditLog;
  readonly escalations: EscalationRepository;
  readonly owners: OwnerRepository;
  readonly leases: RunnerLeaseRepository;
  readonly secrets: SecretRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly consoleSessions: ConsoleSessionRepository;
  readonly dmInbox: DmInboxRepository;
  readonly dmEvents: DmEventRepository;
  readonly dmDecisions: DmDecisionRepository;
  close(): Promise<void>;
}

export interface ClientRepository {
  create(client: Client): Promise<Client>;
  get(clientId: string): Promise<Client | null>;
  list(): Promise<Client[]>;
}

export interface AccountRepository {
  create(account: PlatformAccount): Promise<PlatformAccount>;
  get(accountId: string): Promise<PlatformAccount | null>;
  list(filter?: { client_id?: string }): Promise<PlatformAccount[]>;
  setState(accountId: string, state: AccountState, reason: string | null): Promise<PlatformAccount>;
  /** Records one authentication failure; returns how many the account had in the last `windowMs`, this one included. */
  recordAuthFailure(accountId: string, failure: { at: Date; windowMs: number; action_id?: string }): Promise<number>;
}

export interface PolicyRepository {
  /** Stores a new immutable version; its `policy_id` is the snapshot id actions record. */
  put(policy: Omit<PolicyInput, 'policy_id' | 'version' | 'created_at'>): Promise<Policy>;
  current(clientId: string): Promise<Policy | null>;
  get(policyId: string): Promise<Policy | null>;
}

export interface KillSwitchRepository {
  /** Sets the switch and appends the change to its history, in one transaction. */
  set(sw: { scope: KillScope; scope_id: string; engaged: boolean; reason: string | null; set_by: string }): Promise<KillSwitch>;
  /**
   * The first engaged switch that covers this client and account (global first), or null. With
   * the action's author: an automatic DM reply (`AUTO_SEND_AUTHOR`) is covered by the
   * `dm_auto_send` switches too.
   */
  engagedFor(target: { client_id: string; platform_account_id: string; created_by?: string }): Promise<KillSwitch | null>;
  /** The engaged switch that stops the client's DM auto-sends (every client's first), or null. */
  autoSendStop(clientId: string): Promise<KillSwitch | null>;
  list(): Promise<KillSwitch[]>;
  /**
   * Every change ever made to the switches, newest first, before `before_seq` (exclusive).
   * With `client_id`: the global switch's changes and those of that client and its accounts.
   */
  history(filter: { client_id?: string; scope?: KillScope; scope_id?: string; before_seq?: number; limit: number }): Promise<KillSwitchChange[]>;
}

/** One change of a kill switch, kept for ever (the table refuses UPDATE and DELETE). */
export interface KillSwitchChange extends KillSwitch {
  seq: number;
  /** The tenant of the change: the client, or the account's client; null for the global switch. */
  client_id: string | null;
}

export interface EpisodeRepository {
  create(episode: Episode): Promise<Episode>;
  get(episodeId: string): Promise<Episode | null>;
  /** Episodes in creation order (newest first with `order: 'desc'`), after the cursor. */
  list(filter?: { client_id?: string; platform_account_id?: string; after?: PageCursor; limit?: number; order?: 'asc' | 'desc' }): Promise<Episode[]>;
}

/** Where a page ended: the last row's creation time and id (rows are ordered by both). */
export interface PageCursor { created_at: string; id: string }

/** Fields the kernel may change on an action alongside a transition. */
export type ActionPatch = Partial<Pick<Action,
  'attempt_count' | 'verify_tries' | 'owner_id' | 'lease_expires_at' | 'result' | 'escalated_at' | 'policy_snapshot_id'
  | 'fence' | 'attempt_ended_at' | 'absence' | 'due_at' | 'window_end_at' | 'not_before'
  /** A queued action's content edited before it is due (safety/schedule.ts): always the three together. */
  | 'payload' | 'payload_hash' | 'idempotency_key'>>;

export interface LedgerWrite {
  key: string;
  status: LedgerStatus;
  result: ActionResult;
}

export interface TransitionWrite {
  action_id: string;
  from: ActionState;
  to: ActionState;
  patch?: ActionPatch;
  event: AuditEvent;
  /** Mirror the outcome in the idempotency ledger in the same transaction. */
  ledger?: LedgerWrite;
  /**
   * Reserve one budget use for the action in the same transaction; if a budget refuses,
   * nothing is written and the call rejects with BudgetRefusedError.
   */
  reserve?: { platform_account_id: string; action_type: string; at: Date };
  /** Make the commit survive power loss too (fsync), not only a process crash. */
  durable?: boolean;
  /**
   * The kernel's own run-time moves, whose loss in a database crash its write-ahead rule covers
   * (a move before `attempted` is redone from an earlier state; one after it leaves the action
   * `attempted` → recovery → verification). A server may then acknowledge the commit before its
   * WAL is flushed (PostgreSQL `synchronous_commit = off`: the next flushed commit carries it),
   * so appends to the audit chain do not wait for a disk flush each while holding its head.
   * Never for `durable` writes, submissions or people's decisions (cancel, edit, approve).
   */
  lazy?: boolean;
  /**
   * The fencing token the writer holds. The write is refused (FencedError) when the action's
   * token has moved on: another owner took the action over.
   */
  fence?: number;
  /**
   * The action as the caller holds it in `from`. When given, the returned action is this plus
   * the patch (the compare-and-set on the state guarantees nothing else moved it), and the
   * row is not read back.
   */
  base?: Action;
}

export interface NoteWrite {
  action_id: string;
  /** The state the action must still be in; the write is refused otherwise. */
  state: ActionState;
  /** See TransitionWrite.fence. */
  fence?: number;
  patch: ActionPatch;
  event: AuditEvent;
  durable?: boolean;
  /** See TransitionWrite.lazy. */
  lazy?: boolean;
  base?: Action;
}

export interface ActionFilter {
  state?: ActionState;
  client_id?: string;
  platform_account_id?: string;
  episode_id?: string;
  action_type?: ActionType;
  lane?: Lane;
  /** Only actions due (or, with no due time, created) in [due_from, due_to). */
  due_from?: string;
  due_to?: string;
  /** Rows after this one in the order (creation time, then id). */
  after?: PageCursor;
  limit?: number;
  /** @default 'asc' */
  order?: 'asc' | 'desc';
}

export interface ActionRepository {
  /** Inserts the action in `queued` (and its episode if new) and appends its first AuditEvent, atomically. */
  create(action: Action, event: AuditEvent, episode?: Episode): Promise<Action>;
  get(actionId: string): Promise<Action | null>;
  list(filter?: ActionFilter): Promise<Action[]>;
  /**
   * Compare-and-set of the state plus its AuditEvent (and ledger mirror) in one transaction.
   * Throws StaleStateError when the action is no longer in `from`: nothing is written.
   */
  transition(write: TransitionWrite): Promise<{ action: Action; audit: AuditRecord }>;
  /** Several transitions of one action in one transaction (e.g. confirmed_success → postcheck_complete). */
  transitionMany(writes: TransitionWrite[]): Promise<{ action: Action; audit: AuditRecord[] }>;
  /** An audited change without a state change (a retry of `attempt`, a verification try). */
  note(write: NoteWrite): Promise<{ action: Action; audit: AuditRecord }>;
  /**
   * One consistent read of everything the kernel re-checks right before a side effect: the
   * action's state, owner and fencing token, its account's state, and the first engaged kill
   * switch covering it (global, client, account). Null when the action is missing.
   */
  gate(actionId: string): Promise<ActionGate | null>;
  /** Accounts with queued actions whose time has come (due and not deferred), earliest first. */
  dueAccounts(now: Date, limit: number): Promise<{ platform_account_id: string; platform: Action['platform']; next_due_at: string }[]>;
  /** One account's due queued actions, in the order they are due (then submitted). */
  dueFor(accountId: string, now: Date, limit: number): Promise<Action[]>;
  /** Records an approval of the action's content as it is now (the same approver again replaces theirs). */
  addApproval(actionId: string, approver: string): Promise<void>;
  /** Who approved the action's current content: an approval of content since edited no longer counts. */
  approvals(actionId: string): Promise<string[]>;
  /** The approvals with who and when, in the order given. */
  approvalRecords(actionId: string): Promise<ApprovalRecord[]>;
  /**
   * Where a proof-store file of this sha256 was recorded: each ref naming it in an AuditEvent's
   * proof pointers, with the action whose event it is (newest first). Only a client's own
   * actions with `client_id`. A reader finds proofs through the audit trail, never by path.
   */
  proofRefs(sha256: string, filter?: { client_id?: string; limit?: number }): Promise<ProofRefRecord[]>;
  /** How many actions are where, per lane (the farm's progress line). */
  progress(now: Date): Promise<ProgressCount[]>;
}

export interface ApprovalRecord { approver: string; approved_at: string }

/** A proof pointer as an AuditEvent recorded it (`screenshots` or `artifact_refs`). */
export interface ProofRefRecord {
  seq: number;
  action_id: string;
  client_id: string;
  episode_id: string;
  ref: string;
  list: 'screenshots' | 'artifact_refs';
}

/**
 * Where an action stands for an operator: `scheduled` (queued, not yet due), `due` (queued and
 * runnable now), `held` (due but deferred, or its account degraded or killed), `running`
 * (between preflight and its outcome), `unknown`, `done` (confirmed), `failed`, `blocked`.
 */
export type ProgressBucket = 'scheduled' | 'due' | 'held' | 'running' | 'unknown' | 'done' | 'failed' | 'blocked';
export interface ProgressCount { lane: Lane; bucket: ProgressBucket; n: number }

export interface ActionGate {
  state: ActionState;
  owner_id: string | null;
  fence: number;
  platform_account_id: string;
  account_state: AccountState;
  account_reason: string | null;
  kill: KillSwitch | null;
}

export type ClaimOutcome = { won: true; entry: LedgerEntry } | { won: false; entry: LedgerEntry };

export interface LedgerClaim {
  key: string;
  payload_hash: string;
  action_id: string;
  /**
   * The claiming run's fencing token: the claim is made only while the action still has this
   * fence and is on its way to an attempt (preflight_passed or identity_verified), checked in
   * the same statement (the action's row locked against a concurrent takeover). A run that was
   * taken over meanwhile (presumed dead, its action released and queued again) gets a
   * FencedError and has claimed nothing: the key stays free for the action queued in its place.
   */
  fence?: number;
}

export interface IdempotencyLedger {
  /**
   * One atomic statement: the first claim of a key wins; every other claim gets the entry as
   * it stands. A key whose last outcome is `failed` (the effect provably did not happen) is
   * taken over by the next claim with the same payload. With a `fence`, only by that action's
   * current run (FencedError otherwise).
   */
  claim(entry: LedgerClaim): Promise<ClaimOutcome>;
  get(key: string): Promise<LedgerEntry | null>;
}

export type Reservation = { ok: true } | { ok: false; rule: 'per_hour' | 'per_day' | 'min_spacing'; retry_at: string };

export interface BudgetRepository {
  set(budget: Budget): Promise<Budget>;
  list(accountId: string): Promise<Budget[]>;
  /** Checks every budget of the account for this action type and reserves one use, atomically. */
  reserve(use: { platform_account_id: string; action_type: string; action_id: string; at: Date }): Promise<Reservation>;
  /** Gives back a reservation whose action never reached the platform. */
  release(actionId: string): Promise<void>;
  /** Uses of an account in [from, to), for checks and reports. */
  uses(accountId: string, from: Date, to: Date): Promise<{ action_type: string; action_id: string; at: string }[]>;
  /** Replaces every budget of the account with these (none: no caps), atomically. */
  replace(accountId: string, budgets: Budget[]): Promise<Budget[]>;
}

export interface RawAuditRow {
  seq: number;
  audit_event_id: string;
  event_json: string;
  prev_hash: string;
  hash: string;
}

export interface AuditLog {
  /** Appends outside a transition (kept for events with no state change of their own). */
  append(event: AuditEvent): Promise<AuditRecord>;
  /**
   * Records for a reader (the API, the console): newest first with `order: 'desc'`, filtered by
   * the action's client, account, episode or the action itself, after `after_seq` in that order.
   */
  page(filter: { client_id?: string; platform_account_id?: string; episode_id?: string; action_id?: string; after_seq?: number; limit: number; order?: 'asc' | 'desc' }): Promise<AuditRecord[]>;
  /** Raw rows in sequence order from `afterSeq` (exclusive), as stored, for verification and export. */
  scan(afterSeq: number, limit: number): Promise<RawAuditRow[]>;
  forAction(actionId: string): Promise<AuditRecord[]>;
  count(): Promise<number>;
  /** The chain's last link, or null when it is empty. */
  head(): Promise<{ seq: number; hash: string } | null>;
  /** Stores a signed checkpoint of the head (append-only, like the events). */
  addCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  /** Every stored checkpoint as stored, in the order written, for verification (validated by the caller). */
  checkpoints(): Promise<RawCheckpointRow[]>;
  /** The checkpoint with the highest seq (latest written among equals), validated; null when none. */
  latestCheckpoint(): Promise<AuditCheckpoint | null>;
  /**
   * The actions table as the audit cross-check reads it: each action's current state, in
   * `action_id` order after `afterActionId` (exclusive; '' for the start), `limit` at a time.
   */
  actionStates(afterActionId: string, limit: number): Promise<{ action_id: string; state: ActionState }[]>;
}

/** One row of `audit_checkpoints` as stored. */
export interface RawCheckpointRow {
  checkpoint_no: number;
  v: number;
  seq: number;
  hash: string;
  time: string;
  key_id: string;
  sig: string;
}

export interface OwnerRepository {
  /** Registers (or re-registers) a kernel instance and stamps its heartbeat. */
  register(owner: Owner): Promise<Owner>;
  /** Stamps the heartbeat of a live owner. */
  heartbeat(ownerId: string, at: Date): Promise<void>;
  get(ownerId: string): Promise<Owner | null>;
  /** Removes an owner that stopped cleanly (its actions are settled or released). */
  remove(ownerId: string): Promise<void>;
}

/**
 * One runner per account (issue 10): a lease with heartbeat and fencing token. Taking over a
 * lease is possible only once it has expired, and raises its fence; a holder whose fence is no
 * longer the lease's has lost it, and every renewal or release it tries is refused.
 */
export interface RunnerLeaseRepository {
  /** The lease, or null when another owner holds an unexpired one. Re-acquiring one's own lease renews it (same fence). */
  acquire(accountId: string, ownerId: string, ttlMs: number, now: Date): Promise<RunnerLease | null>;
  /** Extends the lease; false when the holder lost it (expired and taken over, or released). */
  renew(accountId: string, ownerId: string, fence: number, ttlMs: number, now: Date): Promise<boolean>;
  /** Gives the lease up; false when it was no longer the holder's. */
  release(accountId: string, ownerId: string, fence: number): Promise<boolean>;
  get(accountId: string): Promise<RunnerLease | null>;
  /** Unexpired leases, i.e. the accounts that have a runner now. */
  active(now: Date): Promise<RunnerLease[]>;
}

export interface EscalationRepository {
  create(escalation: Escalation): Promise<Escalation>;
  open(): Promise<Escalation[]>;
  resolve(escalationId: string, by: string): Promise<void>;
}

/** Sealed credentials per account (store/vault.ts seals and opens them; the store never sees a value). */
export interface SecretRepository {
  /** Inserts or replaces the account's secret of this kind. */
  put(secret: SealedSecret): Promise<SealedSecret>;
  get(accountId: string, kind: SecretKind): Promise<SealedSecret | null>;
  /** Every sealed secret (key rotation re-seals them all). */
  list(): Promise<SealedSecret[]>;
  remove(accountId: string, kind: SecretKind): Promise<boolean>;
}

/** API tokens (issue 11): looked up by the sha256 of a presented token; never the token itself. */
export interface ApiTokenRepository {
  create(token: ApiToken): Promise<ApiToken>;
  /** The unrevoked token with this hash, or null. */
  findByHash(tokenHash: string): Promise<ApiToken | null>;
  get(tokenId: string): Promise<ApiToken | null>;
  list(): Promise<ApiToken[]>;
  /** Marks the token revoked (its sessions go with it); false when unknown or already revoked. */
  revoke(tokenId: string, at: Date): Promise<boolean>;
  /** Stamps its last use (at most once a minute is enough for an operator's view). */
  touch(tokenId: string, at: Date): Promise<void>;
}

/** Console sessions, stored by the sha256 of the cookie's value. */
export interface ConsoleSessionRepository {
  create(session: ConsoleSession): Promise<ConsoleSession>;
  /** The session if it exists, has not expired at `now` and its token is not revoked. */
  get(sessionHash: string, now: Date): Promise<ConsoleSession | null>;
  remove(sessionHash: string): Promise<void>;
}

export interface DmInboxRepository {
  add(entry: DmInboxEntry): Promise<DmInboxEntry>;
  /** Deliveries not yet processed (pending, and failed ones under `maxAttempts` whose `retry_at` has come), oldest first. */
  pending(limit: number, maxAttempts: number, now: Date): Promise<DmInboxEntry[]>;
  /**
   * Claims up to `limit` of the deliveries `pending` would offer that no other processor holds
   * (its claim ended or was never made) for `owner` until `until`, in one atomic step: of several
   * hosts processing the inbox, each delivery goes to one at a time. A processor that dies keeps
   * it only until `until`. Oldest first.
   */
  claim(owner: string, limit: number, maxAttempts: number, now: Date, until: Date): Promise<DmInboxEntry[]>;
  /** The delivery is processed; its claim ends. */
  markDone(deliveryId: string, at: Date): Promise<void>;
  /** Counts a failed attempt; the delivery is not offered again before `retryAt`; its claim ends. */
  markFailed(deliveryId: string, error: string, retryAt: Date): Promise<void>;
  /** When the next failed delivery under `maxAttempts` is due again, or null when none waits. */
  nextRetry(maxAttempts: number): Promise<Date | null>;
  get(deliveryId: string): Promise<DmInboxEntry | null>;
}

export interface DmEventRepository {
  /** Appends the event unless its dedupe key is there already; returns the stored one either way. */
  append(event: DmEvent): Promise<{ event: DmEvent; inserted: boolean }>;
  get(eventId: string): Promise<DmEvent | null>;
  byDedupeKey(key: string): Promise<DmEvent | null>;
  /** The sender's events with one account, newest first (the thread context). */
  thread(platformAccountId: string, senderId: string, limit: number): Promise<DmEvent[]>;
}

export interface DmDecisionRepository {
  /** Adds the decision unless one exists for the event; returns the stored one either way. */
  add(decision: DmDecisionRow): Promise<{ decision: DmDecisionRow; inserted: boolean }>;
  get(traceId: string): Promise<DmDecisionRow | null>;
  forEvent(eventId: string): Promise<DmDecisionRow | null>;
  /** The reviewer queue: urgent first, then needs-human, then drafts; oldest first within each. */
  queue(filter: { client_ids?: string[] | null; states?: DmDecisionRow['review_state'][]; limit: number }): Promise<DmDecisionRow[]>;
  /**
   * Moves a decision from `from` to its next review state, with who and when; false when it was
   * not in `from` any more (another reviewer got there first).
   */
  review(traceId: string, from: DmDecisionRow['review_state'], to: Partial<DmDecisionRow> & Pick<DmDecisionRow, 'review_state'>): Promise<boolean>;
  /**
   * Decisions approved by the automatic sender (`AUTO_SEND_AUTHOR`) whose `dm_send` action ended
   * `blocked`: nothing left, so the draft belongs back in the reviewer queue. One indexed query.
   */
  stoppedAutoSends(limit: number): Promise<DmDecisionRow[]>;
  /** The client's latest drafts of one intent that a person approved or rejected (not the system), newest first. */
  humanReviews(clientId: string, intent: string, limit: number): Promise<DmDecisionRow[]>;
  /** The sender's username as the thread's latest decision that knew it recorded it, or null. */
  lastUsername(platformAccountId: string, senderId: string): Promise<string | null>;
  /** The sender's last decided language with one account (a thread's last confident language). */
  lastLanguage(platformAccountId: string, senderId: string): Promise<string | null>;
}
