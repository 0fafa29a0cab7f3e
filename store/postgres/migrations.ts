import pg from 'pg';
import { GENESIS_HASH } from '../audit-chain.js';

/**
 * The role every pooled connection runs as: what the store needs, but no UPDATE, DELETE or
 * TRUNCATE on the append-only tables. Roles belong to the cluster, not the database: several
 * Raize databases on one server share it.
 */
export const WRITER_ROLE = 'raize_writer';

/** Key of the advisory lock held while migrating: processes starting at once migrate one after the other. */
const MIGRATION_LOCK = 7_311_400_014;

// Text compares and sorts byte by byte, as in SQLite (BINARY): ids page and order the same
// whatever the database's locale. Times are timestamptz; anything hashed or signed is TEXT.
const T = 'text COLLATE "C"';
const TS = 'timestamptz';

/** Tables nobody may change or remove a row of: the SQLite schema's append-only triggers, here for every writer. */
const APPEND_ONLY = ['audit_events', 'audit_checkpoints', 'kill_switch_history', 'dm_events'] as const;
/** Tables the store changes freely. */
const MUTABLE = [
  'clients', 'platform_accounts', 'policies', 'kill_switches', 'episodes', 'actions', 'approvals', 'idempotency_ledger',
  'budgets', 'budget_uses', 'escalations', 'auth_failures', 'owners', 'account_secrets', 'runner_leases', 'api_tokens',
  'console_sessions', 'dm_inbox', 'dm_decisions',
] as const;

/**
 * Numbered migrations, applied in order, each once, in one transaction under an advisory lock.
 * Version 1 is the schema SQLite's migrations 1–15 built. A later migration that adds a table
 * grants it to the writer role in the same migration.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'the kernel, access, DM assistant and audit tables (SQLite migrations 1–15)',
    sql: `
CREATE TABLE clients (
  client_id ${T} PRIMARY KEY,
  name text NOT NULL,
  created_at ${TS} NOT NULL
);
CREATE TABLE platform_accounts (
  -- Insertion order: rows created in the same millisecond list as SQLite lists them.
  row_no bigint GENERATED ALWAYS AS IDENTITY,
  platform_account_id ${T} PRIMARY KEY,
  client_id ${T} NOT NULL REFERENCES clients(client_id),
  platform ${T} NOT NULL,
  fingerprint jsonb NOT NULL,
  timezone text NOT NULL,
  state ${T} NOT NULL CHECK (state IN ('active','read_only','needs_human','reconnect_required')),
  state_reason text,
  session_ref text,
  created_at ${TS} NOT NULL,
  updated_at ${TS} NOT NULL
);
CREATE INDEX platform_accounts_client ON platform_accounts(client_id);
CREATE TABLE policies (
  policy_id ${T} PRIMARY KEY,
  client_id ${T} NOT NULL REFERENCES clients(client_id),
  version integer NOT NULL,
  policy jsonb NOT NULL,
  created_at ${TS} NOT NULL,
  UNIQUE (client_id, version)
);
CREATE TABLE kill_switches (
  scope ${T} NOT NULL CHECK (scope IN ('global','client','account','dm_auto_send')),
  scope_id ${T} NOT NULL,
  engaged boolean NOT NULL,
  reason text,
  set_by text NOT NULL,
  set_at ${TS} NOT NULL,
  PRIMARY KEY (scope, scope_id)
);
CREATE TABLE kill_switch_history (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope ${T} NOT NULL CHECK (scope IN ('global','client','account','dm_auto_send')),
  scope_id ${T} NOT NULL,
  client_id ${T},
  engaged boolean NOT NULL,
  reason text,
  set_by text NOT NULL,
  set_at ${TS} NOT NULL
);
CREATE INDEX kill_switch_history_client ON kill_switch_history(client_id, seq);
CREATE INDEX kill_switch_history_switch ON kill_switch_history(scope, scope_id, seq);
CREATE TABLE episodes (
  episode_id ${T} PRIMARY KEY,
  client_id ${T} NOT NULL,
  platform_account_id ${T} NOT NULL,
  kind text NOT NULL,
  created_at ${TS} NOT NULL
);
CREATE INDEX episodes_client ON episodes(client_id, created_at, episode_id);
CREATE INDEX episodes_created ON episodes(created_at, episode_id);
CREATE TABLE actions (
  action_id ${T} PRIMARY KEY,
  episode_id ${T} NOT NULL,
  client_id ${T} NOT NULL,
  platform ${T} NOT NULL,
  platform_account_id ${T} NOT NULL REFERENCES platform_accounts(platform_account_id),
  lane ${T} NOT NULL,
  action_type ${T} NOT NULL,
  payload jsonb NOT NULL,
  payload_hash ${T} NOT NULL,
  idempotency_key ${T} NOT NULL,
  state ${T} NOT NULL,
  risk ${T} NOT NULL,
  compliance_flags jsonb NOT NULL,
  created_by ${T} NOT NULL,
  policy_snapshot_id ${T},
  attempt_count integer NOT NULL DEFAULT 0,
  verify_tries integer NOT NULL DEFAULT 0,
  owner_id ${T},
  lease_expires_at ${TS},
  fence bigint NOT NULL DEFAULT 0,
  attempt_ended_at ${TS},
  absence jsonb NOT NULL DEFAULT '[]',
  result jsonb NOT NULL DEFAULT '{}',
  escalated_at ${TS},
  depends_on ${T},
  due_at ${TS},
  window_end_at ${TS},
  not_before ${TS},
  created_at ${TS} NOT NULL,
  updated_at ${TS} NOT NULL
);
CREATE INDEX actions_state ON actions(state);
CREATE INDEX actions_account ON actions(platform_account_id);
CREATE INDEX actions_episode ON actions(episode_id);
CREATE INDEX actions_client ON actions(client_id, created_at, action_id);
CREATE INDEX actions_created ON actions(created_at, action_id);
-- The due queue, keyed by when an action becomes runnable (see ./actions.ts DUE).
CREATE INDEX actions_due ON actions((COALESCE(GREATEST(due_at, not_before), '-infinity'::timestamptz)), created_at, platform_account_id, platform, due_at)
  WHERE state = 'queued';
CREATE INDEX actions_auto_send_state ON actions(state) WHERE created_by = 'system:auto-send';
CREATE TABLE approvals (
  action_id ${T} NOT NULL REFERENCES actions(action_id),
  approver ${T} NOT NULL,
  approved_at ${TS} NOT NULL,
  payload_hash ${T},
  PRIMARY KEY (action_id, approver)
);
CREATE TABLE idempotency_ledger (
  key ${T} PRIMARY KEY,
  payload_hash ${T} NOT NULL,
  action_id ${T} NOT NULL,
  status ${T} NOT NULL CHECK (status IN ('in_flight','succeeded','failed','unknown')),
  result jsonb NOT NULL DEFAULT '{}',
  created_at ${TS} NOT NULL,
  updated_at ${TS} NOT NULL
);
CREATE TABLE budgets (
  platform_account_id ${T} NOT NULL,
  action_type ${T} NOT NULL,
  per_hour bigint,
  per_day bigint,
  min_spacing_ms bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (platform_account_id, action_type)
);
CREATE TABLE budget_uses (
  row_no bigint GENERATED ALWAYS AS IDENTITY,
  action_id ${T} PRIMARY KEY,
  platform_account_id ${T} NOT NULL,
  action_type ${T} NOT NULL,
  at ${TS} NOT NULL
);
CREATE INDEX budget_uses_account ON budget_uses(platform_account_id, at);
CREATE TABLE audit_events (
  seq bigint PRIMARY KEY,
  audit_event_id ${T} NOT NULL UNIQUE,
  action_id ${T} NOT NULL,
  -- The canonical JSON exactly as hashed: text, never jsonb (which would re-serialise it).
  event_json text NOT NULL,
  prev_hash ${T} NOT NULL,
  hash ${T} NOT NULL
);
CREATE INDEX audit_events_action ON audit_events(action_id);
-- The chain's last link, one row: an append reads it FOR UPDATE and moves it in the same
-- transaction, so appends from every host queue on this row and the chain never forks.
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash ${T} NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
CREATE TABLE audit_checkpoints (
  checkpoint_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  v integer NOT NULL,
  seq bigint NOT NULL,
  hash ${T} NOT NULL,
  -- Signed as stored: text.
  time text NOT NULL,
  key_id ${T} NOT NULL,
  sig ${T} NOT NULL UNIQUE
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints(seq);
CREATE TABLE escalations (
  row_no bigint GENERATED ALWAYS AS IDENTITY,
  escalation_id ${T} PRIMARY KEY,
  action_id ${T} NOT NULL,
  platform_account_id ${T} NOT NULL,
  reason text NOT NULL,
  created_at ${TS} NOT NULL,
  resolved_at ${TS},
  resolved_by text
);
CREATE TABLE auth_failures (
  platform_account_id ${T} NOT NULL,
  at ${TS} NOT NULL,
  action_id ${T}
);
CREATE INDEX auth_failures_account ON auth_failures(platform_account_id, at);
CREATE TABLE owners (
  owner_id ${T} PRIMARY KEY,
  host text NOT NULL,
  pid bigint NOT NULL,
  started_at ${TS} NOT NULL,
  heartbeat_at ${TS} NOT NULL
);
CREATE TABLE account_secrets (
  platform_account_id ${T} NOT NULL REFERENCES platform_accounts(platform_account_id),
  kind ${T} NOT NULL,
  key_id ${T} NOT NULL,
  nonce ${T} NOT NULL,
  ciphertext ${T} NOT NULL,
  expires_at ${TS},
  scopes jsonb NOT NULL DEFAULT '[]',
  updated_at ${TS} NOT NULL,
  PRIMARY KEY (platform_account_id, kind)
);
CREATE TABLE runner_leases (
  platform_account_id ${T} PRIMARY KEY REFERENCES platform_accounts(platform_account_id),
  owner_id ${T} NOT NULL,
  fence bigint NOT NULL,
  acquired_at ${TS} NOT NULL,
  heartbeat_at ${TS} NOT NULL,
  expires_at ${TS} NOT NULL
);
CREATE TABLE api_tokens (
  token_id ${T} PRIMARY KEY,
  token_hash ${T} NOT NULL UNIQUE,
  name text NOT NULL,
  role ${T} NOT NULL CHECK (role IN ('admin','operator','reviewer','client_viewer')),
  client_id ${T} REFERENCES clients(client_id),
  created_by text NOT NULL,
  created_at ${TS} NOT NULL,
  last_used_at ${TS},
  revoked_at ${TS},
  CHECK (role <> 'client_viewer' OR client_id IS NOT NULL)
);
CREATE TABLE console_sessions (
  session_hash ${T} PRIMARY KEY,
  token_id ${T} NOT NULL REFERENCES api_tokens(token_id),
  created_at ${TS} NOT NULL,
  expires_at ${TS} NOT NULL
);
CREATE INDEX console_sessions_token ON console_sessions(token_id);
CREATE TABLE dm_inbox (
  delivery_id ${T} PRIMARY KEY,
  received_at ${TS} NOT NULL,
  body_sha256 ${T} NOT NULL,
  body_ref text NOT NULL,
  state ${T} NOT NULL CHECK (state IN ('pending','done','failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  processed_at ${TS},
  retry_at ${TS}
);
CREATE INDEX dm_inbox_pending ON dm_inbox(state, received_at);
CREATE TABLE dm_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id ${T} NOT NULL UNIQUE,
  dedupe_key ${T} NOT NULL UNIQUE,
  kind ${T} NOT NULL,
  ig_user_id ${T} NOT NULL,
  platform_account_id ${T},
  client_id ${T},
  sender_id ${T} NOT NULL,
  ref ${T} NOT NULL,
  parent_ref ${T},
  timestamp_ms bigint NOT NULL,
  text_sha256 ${T},
  text_ref text,
  attachments jsonb NOT NULL DEFAULT '[]',
  delivery_id ${T} NOT NULL,
  recorded_at ${TS} NOT NULL
);
CREATE INDEX dm_events_thread ON dm_events(platform_account_id, sender_id, timestamp_ms);
CREATE TABLE dm_decisions (
  trace_id ${T} PRIMARY KEY,
  event_id ${T} NOT NULL UNIQUE REFERENCES dm_events(event_id),
  platform_account_id ${T} NOT NULL,
  client_id ${T} NOT NULL,
  sender_id ${T} NOT NULL,
  mid ${T} NOT NULL,
  tier ${T} NOT NULL,
  intent ${T} NOT NULL,
  language ${T} NOT NULL,
  panel_decision ${T} NOT NULL,
  escalated boolean NOT NULL,
  reason_codes jsonb NOT NULL,
  template_id ${T} NOT NULL,
  draft_text_sha256 ${T} NOT NULL,
  final_text_sha256 ${T} NOT NULL,
  draft_ref text NOT NULL,
  bundle_ref text NOT NULL,
  decided_at ${TS} NOT NULL,
  review_state ${T} NOT NULL,
  reviewed_by ${T},
  reviewed_at ${TS},
  sent_text_sha256 ${T},
  edit_distance bigint,
  action_id ${T},
  sender_username ${T}
);
CREATE INDEX dm_decisions_queue ON dm_decisions(client_id, review_state, decided_at);
CREATE INDEX dm_decisions_action ON dm_decisions(action_id) WHERE action_id IS NOT NULL;
`,
  },
  {
    version: 2,
    name: 'append-only tables refuse UPDATE, DELETE and TRUNCATE; the audit head only moves forward',
    // Statement triggers: even an UPDATE or DELETE that matches no row is refused, and TRUNCATE
    // (which fires no row trigger) too. They hold for the owner and superusers as well as the writer.
    sql: `
CREATE FUNCTION raize_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END $$;
${APPEND_ONLY.map((t) => `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION raize_append_only();`).join('\n')}
CREATE TRIGGER audit_head_kept BEFORE DELETE OR TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION raize_append_only();
CREATE FUNCTION raize_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq <= OLD.seq THEN
    RAISE EXCEPTION 'audit_head only moves forward: % to % refused', OLD.seq, NEW.seq USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head FOR EACH ROW EXECUTE FUNCTION raize_audit_head_forward();
`,
  },
  {
    version: 3,
    name: `the ${WRITER_ROLE} role: what the store needs, without UPDATE, DELETE or TRUNCATE on the append-only tables`,
    sql: `
DO $$ BEGIN
  CREATE ROLE ${WRITER_ROLE} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another Raize database on this server made it (roles are per server)
END $$;
DO $$ BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${WRITER_ROLE}', current_schema());
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO ${WRITER_ROLE}', current_schema());
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON ${MUTABLE.join(', ')} TO ${WRITER_ROLE};
GRANT SELECT, INSERT ON ${APPEND_ONLY.join(', ')} TO ${WRITER_ROLE};
GRANT SELECT, UPDATE ON audit_head TO ${WRITER_ROLE};
GRANT SELECT ON schema_migrations TO ${WRITER_ROLE};
`,
  },
  {
    version: 4,
    name: 'a DM delivery is claimed by one processor at a time (several hosts share the inbox)',
    sql: `
ALTER TABLE dm_inbox ADD COLUMN claimed_by ${T};
ALTER TABLE dm_inbox ADD COLUMN claimed_until ${TS};
`,
  },
];

/** Brings the schema up to date on a connection of its own (as the login role, which owns the tables). */
export async function migrate(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    await client.query('BEGIN');
    // Taken before anything else, the table of versions included: a second process waits here,
    // then finds every migration recorded.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Created only when missing: a login role that is not the schema's owner (a host that only
    // runs the farm) may check that the schema is current without the right to create anything.
    const known = (await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")).rows[0]!.t;
    if (known === null) await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      try {
        await client.query(m.sql);
      } catch (error) {
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
