/** Numbered migrations; applied in order, each once, inside one IMMEDIATE transaction. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'kernel',
    sql: `
CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE platform_accounts (
  platform_account_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(client_id),
  platform TEXT NOT NULL,
  fingerprint_json TEXT NOT NULL,
  timezone TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active','read_only','needs_human','reconnect_required')),
  state_reason TEXT,
  session_ref TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX platform_accounts_client ON platform_accounts(client_id);
CREATE TABLE policies (
  policy_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(client_id),
  version INTEGER NOT NULL,
  policy_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (client_id, version)
);
CREATE TABLE kill_switches (
  scope TEXT NOT NULL CHECK (scope IN ('global','client','account')),
  scope_id TEXT NOT NULL,
  engaged INTEGER NOT NULL,
  reason TEXT,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL,
  PRIMARY KEY (scope, scope_id)
);
CREATE TABLE episodes (
  episode_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  platform_account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE actions (
  action_id TEXT PRIMARY KEY,
  episode_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  platform_account_id TEXT NOT NULL REFERENCES platform_accounts(platform_account_id),
  lane TEXT NOT NULL,
  action_type TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  state TEXT NOT NULL,
  risk TEXT NOT NULL,
  compliance_flags_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  policy_snapshot_id TEXT,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  verify_tries INTEGER NOT NULL DEFAULT 0,
  owner_id TEXT,
  lease_expires_at TEXT,
  result_json TEXT NOT NULL DEFAULT '{}',
  escalated_at TEXT,
  depends_on TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX actions_state ON actions(state);
CREATE INDEX actions_account ON actions(platform_account_id);
CREATE INDEX actions_episode ON actions(episode_id);
CREATE TABLE approvals (
  action_id TEXT NOT NULL REFERENCES actions(action_id),
  approver TEXT NOT NULL,
  approved_at TEXT NOT NULL,
  PRIMARY KEY (action_id, approver)
);
CREATE TABLE idempotency_ledger (
  key TEXT PRIMARY KEY,
  payload_hash TEXT NOT NULL,
  action_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('in_flight','succeeded','failed','unknown')),
  result_json TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE budgets (
  platform_account_id TEXT NOT NULL,
  action_type TEXT NOT NULL,
  per_hour INTEGER,
  per_day INTEGER,
  min_spacing_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (platform_account_id, action_type)
);
CREATE TABLE budget_uses (
  action_id TEXT PRIMARY KEY,
  platform_account_id TEXT NOT NULL,
  action_type TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX budget_uses_account ON budget_uses(platform_account_id, at_ms);
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  audit_event_id TEXT NOT NULL UNIQUE,
  action_id TEXT NOT NULL,
  event_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_action ON audit_events(action_id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END;
CREATE TABLE escalations (
  escalation_id TEXT PRIMARY KEY,
  action_id TEXT NOT NULL,
  platform_account_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  resolved_at TEXT,
  resolved_by TEXT
);
`,
  },
  {
    version: 2,
    name: 'auth failures per account (§8.4 "repeated auth failures")',
    sql: `
CREATE TABLE auth_failures (
  platform_account_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  action_id TEXT
);
CREATE INDEX auth_failures_account ON auth_failures(platform_account_id, at_ms);
`,
  },
  {
    version: 3,
    name: 'ownership with fencing, absence proofs',
    sql: `
ALTER TABLE actions ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actions ADD COLUMN attempt_ended_at TEXT;
ALTER TABLE actions ADD COLUMN absence_json TEXT NOT NULL DEFAULT '[]';
CREATE TABLE owners (
  owner_id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'audit checkpoints',
    sql: `
CREATE TABLE audit_checkpoints (
  checkpoint_no INTEGER PRIMARY KEY,
  v INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  time TEXT NOT NULL,
  key_id TEXT NOT NULL,
  sig TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints(seq);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: DELETE refused'); END;
`,
  },
  {
    version: 5,
    name: 'sealed account secrets (API tokens, AES-256-GCM)',
    sql: `
CREATE TABLE account_secrets (
  platform_account_id TEXT NOT NULL REFERENCES platform_accounts(platform_account_id),
  kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  expires_at TEXT,
  scopes_json TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (platform_account_id, kind)
);
`,
  },
  {
    version: 6,
    name: 'schedules (due time, window, deferral) and one runner lease per account',
    sql: `
ALTER TABLE actions ADD COLUMN due_at TEXT;
ALTER TABLE actions ADD COLUMN window_end_at TEXT;
ALTER TABLE actions ADD COLUMN not_before TEXT;
CREATE INDEX actions_queued_due ON actions(platform_account_id, due_at) WHERE state = 'queued';
CREATE TABLE runner_leases (
  platform_account_id TEXT PRIMARY KEY REFERENCES platform_accounts(platform_account_id),
  owner_id TEXT NOT NULL,
  fence INTEGER NOT NULL,
  acquired_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
`,
  },
  {
    version: 7,
    name: 'due queue ordered by the time an action is due, not by account',
    // Keyed by account, the queue index had a leaf per account: every action leaving `queued`
    // rewrote one page per busy account. Keyed by the due time, the actions due now sit
    // together at the front, and dispatch reads only those instead of every queued row.
    sql: `
DROP INDEX actions_queued_due;
CREATE INDEX actions_due ON actions(max(COALESCE(due_at, ''), COALESCE(not_before, '')), created_at, platform_account_id, platform, due_at) WHERE state = 'queued';
`,
  },
  {
    version: 8,
    name: 'API tokens and console sessions (hashes only); reader indexes by client',
    sql: `
CREATE TABLE api_tokens (
  token_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','operator','reviewer','client_viewer')),
  client_id TEXT REFERENCES clients(client_id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT,
  CHECK (role != 'client_viewer' OR client_id IS NOT NULL)
);
CREATE TABLE console_sessions (
  session_hash TEXT PRIMARY KEY,
  token_id TEXT NOT NULL REFERENCES api_tokens(token_id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX console_sessions_token ON console_sessions(token_id);
CREATE INDEX actions_client ON actions(client_id, created_at, action_id);
CREATE INDEX episodes_client ON episodes(client_id, created_at, episode_id);
`,
  },
  {
    version: 9,
    name: 'kill switch history (append-only: who, when, why, on or off), seeded with the switches as they stand',
    // client_id is the tenant the change belongs to (the client, or the account's client;
    // null for the global switch), fixed when written so a reader filters without joins.
    sql: `
CREATE TABLE kill_switch_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL CHECK (scope IN ('global','client','account')),
  scope_id TEXT NOT NULL,
  client_id TEXT,
  engaged INTEGER NOT NULL CHECK (engaged IN (0, 1)),
  reason TEXT,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);
CREATE INDEX kill_switch_history_client ON kill_switch_history(client_id, seq);
CREATE INDEX kill_switch_history_switch ON kill_switch_history(scope, scope_id, seq);
CREATE TRIGGER kill_switch_history_no_update BEFORE UPDATE ON kill_switch_history
BEGIN SELECT RAISE(ABORT, 'kill_switch_history is append-only: UPDATE refused'); END;
CREATE TRIGGER kill_switch_history_no_delete BEFORE DELETE ON kill_switch_history
BEGIN SELECT RAISE(ABORT, 'kill_switch_history is append-only: DELETE refused'); END;
INSERT INTO kill_switch_history (scope, scope_id, client_id, engaged, reason, set_by, set_at)
  SELECT scope, scope_id,
    CASE scope WHEN 'client' THEN scope_id
      WHEN 'account' THEN (SELECT client_id FROM platform_accounts WHERE platform_account_id = kill_switches.scope_id) END,
    engaged, reason, set_by, set_at
  FROM kill_switches ORDER BY set_at, scope, scope_id;
`,
  },
  {
    version: 10,
    name: 'an approval names the content it approved',
    // An approval counts for the payload it was given for: editing an approved action's content
    // voids it (the two-person rule would otherwise approve one text and post another).
    // Approvals from before this migration name none and keep counting.
    sql: `
ALTER TABLE approvals ADD COLUMN payload_hash TEXT;
`,
  },
  {
    version: 11,
    name: 'the DM assistant: inbox of webhook deliveries, append-only event store, decisions',
    sql: `
CREATE TABLE dm_inbox (
  delivery_id TEXT PRIMARY KEY,
  received_at TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  body_ref TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','done','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  processed_at TEXT
);
CREATE INDEX dm_inbox_pending ON dm_inbox(state, received_at);
CREATE TABLE dm_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  dedupe_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  ig_user_id TEXT NOT NULL,
  platform_account_id TEXT,
  client_id TEXT,
  sender_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  parent_ref TEXT,
  timestamp_ms INTEGER NOT NULL,
  text_sha256 TEXT,
  text_ref TEXT,
  attachments_json TEXT NOT NULL DEFAULT '[]',
  delivery_id TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX dm_events_thread ON dm_events(platform_account_id, sender_id, timestamp_ms);
CREATE TRIGGER dm_events_no_update BEFORE UPDATE ON dm_events
BEGIN SELECT RAISE(ABORT, 'dm_events is append-only: UPDATE refused'); END;
CREATE TRIGGER dm_events_no_delete BEFORE DELETE ON dm_events
BEGIN SELECT RAISE(ABORT, 'dm_events is append-only: DELETE refused'); END;
CREATE TABLE dm_decisions (
  trace_id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE REFERENCES dm_events(event_id),
  platform_account_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  mid TEXT NOT NULL,
  tier TEXT NOT NULL,
  intent TEXT NOT NULL,
  language TEXT NOT NULL,
  panel_decision TEXT NOT NULL,
  escalated INTEGER NOT NULL,
  reason_codes_json TEXT NOT NULL,
  template_id TEXT NOT NULL,
  draft_text_sha256 TEXT NOT NULL,
  final_text_sha256 TEXT NOT NULL,
  draft_ref TEXT NOT NULL,
  bundle_ref TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  review_state TEXT NOT NULL,
  reviewed_by TEXT,
  reviewed_at TEXT,
  sent_text_sha256 TEXT,
  edit_distance INTEGER,
  action_id TEXT
);
CREATE INDEX dm_decisions_queue ON dm_decisions(client_id, review_state, decided_at);
`,
  },
  {
    version: 12,
    name: "DM auto-send has its own kill switch (scope dm_auto_send: '*' or a client)",
    // SQLite cannot alter a CHECK: both tables are rebuilt with the new scope, rows and order kept.
    // DROP TABLE fires no DELETE trigger; the history's append-only triggers are made anew.
    sql: `
CREATE TABLE kill_switches_v12 (
  scope TEXT NOT NULL CHECK (scope IN ('global','client','account','dm_auto_send')),
  scope_id TEXT NOT NULL,
  engaged INTEGER NOT NULL,
  reason TEXT,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL,
  PRIMARY KEY (scope, scope_id)
);
INSERT INTO kill_switches_v12 SELECT scope, scope_id, engaged, reason, set_by, set_at FROM kill_switches;
DROP TABLE kill_switches;
ALTER TABLE kill_switches_v12 RENAME TO kill_switches;
CREATE TABLE kill_switch_history_v12 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL CHECK (scope IN ('global','client','account','dm_auto_send')),
  scope_id TEXT NOT NULL,
  client_id TEXT,
  engaged INTEGER NOT NULL CHECK (engaged IN (0, 1)),
  reason TEXT,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);
INSERT INTO kill_switch_history_v12 (seq, scope, scope_id, client_id, engaged, reason, set_by, set_at)
  SELECT seq, scope, scope_id, client_id, engaged, reason, set_by, set_at FROM kill_switch_history ORDER BY seq;
DROP TABLE kill_switch_history;
ALTER TABLE kill_switch_history_v12 RENAME TO kill_switch_history;
CREATE INDEX kill_switch_history_client ON kill_switch_history(client_id, seq);
CREATE INDEX kill_switch_history_switch ON kill_switch_history(scope, scope_id, seq);
CREATE TRIGGER kill_switch_history_no_update BEFORE UPDATE ON kill_switch_history
BEGIN SELECT RAISE(ABORT, 'kill_switch_history is append-only: UPDATE refused'); END;
CREATE TRIGGER kill_switch_history_no_delete BEFORE DELETE ON kill_switch_history
BEGIN SELECT RAISE(ABORT, 'kill_switch_history is append-only: DELETE refused'); END;
`,
  },
  {
    version: 13,
    name: "a DM decision keeps the sender's username (User Profile API) for the reviewer's thread link",
    sql: `
ALTER TABLE dm_decisions ADD COLUMN sender_username TEXT;
`,
  },
  {
    version: 14,
    name: 'automatic DM replies stopped before they left are found by one indexed query (no scan of the decisions)',
    sql: `
CREATE INDEX actions_auto_send_state ON actions(state) WHERE created_by = 'system:auto-send';
CREATE INDEX dm_decisions_action ON dm_decisions(action_id) WHERE action_id IS NOT NULL;
`,
  },
  {
    version: 15,
    name: 'a failed DM delivery waits for its backoff before the next attempt',
    sql: `
ALTER TABLE dm_inbox ADD COLUMN retry_at TEXT;
`,
  },
  {
    version: 16,
    name: 'a DM delivery is claimed by one processor at a time (several processes share the inbox)',
    sql: `
ALTER TABLE dm_inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE dm_inbox ADD COLUMN claimed_until TEXT;
`,
  },
];
