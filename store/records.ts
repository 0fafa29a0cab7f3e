import { z } from 'zod';

export const PLATFORMS = ['instagram', 'facebook', 'tiktok', 'youtube', 'linkedin', 'x', 'skool'] as const;
export const LANES = ['api', 'browser', 'hybrid'] as const;
export const ACTION_TYPES = ['publish', 'schedule', 'dm_send', 'comment_reply', 'like', 'follow', 'edit', 'delete'] as const;
/** Spec 000 §3, plus `blocked`: stopped before any tool call (policy, kill switch, identity). */
export const ACTION_STATES = [
  'queued', 'preflight_passed', 'identity_verified', 'attempted',
  'confirmed_success', 'confirmed_failed', 'unknown', 'postcheck_complete', 'blocked',
] as const;
/** The states in which a run claims its idempotency key: on its way to an attempt (see LedgerClaim.fence). */
export const CLAIMING_STATES: ReadonlySet<string> = new Set(['preflight_passed', 'identity_verified'] satisfies ActionState[]);
export const ACCOUNT_STATES = ['active', 'read_only', 'needs_human', 'reconnect_required'] as const;
export const LEDGER_STATUSES = ['in_flight', 'succeeded', 'failed', 'unknown'] as const;
/**
 * `global`, `client` and `account` stop every side effect they cover; `dm_auto_send` (`*` or a
 * client) stops only the DM assistant's automatic sends: drafts then wait for a reviewer.
 */
export const KILL_SCOPES = ['global', 'client', 'account', 'dm_auto_send'] as const;
/** Who an automatic DM reply is created by (and approved by): the `dm_auto_send` switches cover its actions. */
export const AUTO_SEND_AUTHOR = 'system:auto-send';

export const Platform = z.enum(PLATFORMS);
export const Lane = z.enum(LANES);
export const ActionType = z.enum(ACTION_TYPES);
export const ActionState = z.enum(ACTION_STATES);
export const AccountState = z.enum(ACCOUNT_STATES);
export const LedgerStatus = z.enum(LEDGER_STATUSES);
export const KillScope = z.enum(KILL_SCOPES);

export type Platform = z.infer<typeof Platform>;
export type Lane = z.infer<typeof Lane>;
export type ActionType = z.infer<typeof ActionType>;
export type ActionState = z.infer<typeof ActionState>;
export type AccountState = z.infer<typeof AccountState>;
export type LedgerStatus = z.infer<typeof LedgerStatus>;
export type KillScope = z.infer<typeof KillScope>;

const id = z.string().min(1).max(200);
const isoTime = z.string().datetime({ offset: true });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

export const Client = z.object({
  client_id: id,
  name: z.string().min(1).max(200),
  created_at: isoTime,
});
export type Client = z.infer<typeof Client>;

/** §4.1: what we know of an account when it is connected; compared before every side effect. */
export const Fingerprint = z.object({
  platform_user_id: z.string().min(1),
  handle: z.string().min(1),
  display_name: z.string(),
  /** Any platform-specific immutable identifier (page id, channel id, avatar hash…). */
  extra: z.record(z.string(), z.string()).default({}),
});
export type Fingerprint = z.infer<typeof Fingerprint>;

export const PlatformAccount = z.object({
  platform_account_id: id,
  client_id: id,
  platform: Platform,
  fingerprint: Fingerprint,
  /** IANA time zone of the account's audience: quiet hours are evaluated in it. */
  timezone: z.string().min(1).refine(isTimeZone, 'expected an IANA time zone such as Europe/Madrid'),
  state: AccountState,
  state_reason: z.string().nullable(),
  /** Pointer to the stored browser session state (a 0600 file), never the session itself. */
  session_ref: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});
export type PlatformAccount = z.infer<typeof PlatformAccount>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24h)');

/** One hybrid route: the lane that acts and the other lane, which verifies. */
export const HybridRoute = z.object({ act: z.enum(['api', 'browser']), verify: z.enum(['api', 'browser']) })
  .refine((r) => r.act !== r.verify, { message: 'a hybrid route acts on one lane and verifies on the other', path: ['verify'] });
export type HybridRoute = z.infer<typeof HybridRoute>;

/** A client's policy. Rows are immutable: an edit is a new version, so `policy_id` is a snapshot id. */
export const Policy = z.object({
  policy_id: id,
  client_id: id,
  version: z.number().int().min(1),
  created_at: isoTime,
  created_by: z.string().min(1),
  autonomy: z.enum(['auto', 'manual']),
  /** Allowed action types per platform; a platform absent here allows nothing. */
  allowed_actions: z.partialRecord(Platform, z.array(ActionType)),
  /** Action types that always need an approval by someone other than the author (§4.4). */
  high_risk_actions: z.array(ActionType).default([]),
  /** Local-time window in the account's time zone in which no side effect happens. */
  quiet_hours: z.object({ start: hhmm, end: hhmm }).nullable().default(null),
  /**
   * The hybrid lane's route per action type: which lane acts and which verifies (DESIGN.md "API
   * lane"; issue 9). An action type not listed acts on the API and is verified in the browser.
   */
  hybrid_routes: z.partialRecord(ActionType, HybridRoute).default({}),
  compliance: z.object({
    /** Case-insensitive terms that must not appear in outgoing text. */
    banned_terms: z.array(z.string().min(1)).default([]),
    /** Compliance flags an action may carry and still pass; any other flag blocks. */
    allowed_flags: z.array(z.string().min(1)).default([]),
  }).default({ banned_terms: [], allowed_flags: [] }),
  /** The DM assistant and the comment engage loop (spec 003, GP4). */
  dm: z.lazy(() => DmPolicy).default(() => DmPolicy.parse({})),
});
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

/** §8.1 budget of one account for one action type (`*` for all types). */
export const Budget = z.object({
  platform_account_id: id,
  action_type: z.union([ActionType, z.literal('*')]),
  per_hour: z.number().int().min(0).nullable(),
  per_day: z.number().int().min(0).nullable(),
  min_spacing_ms: z.number().int().min(0).default(0),
});
export type Budget = z.infer<typeof Budget>;

export const KillSwitch = z.object({
  scope: KillScope,
  /** `*` for the global switch (and for DM auto-send of every client). */
  scope_id: z.string().min(1),
  engaged: z.boolean(),
  reason: z.string().max(500).nullable(),
  set_by: z.string().min(1),
  set_at: isoTime,
});
export type KillSwitch = z.infer<typeof KillSwitch>;

export const Episode = z.object({
  episode_id: id,
  client_id: id,
  platform_account_id: id,
  kind: z.string().min(1),
  created_at: isoTime,
});
export type Episode = z.infer<typeof Episode>;

/** What the platform told us about the object: ids and pointers, never content. */
export const ActionResult = z.object({
  platform_object_id: z.string().optional(),
  permalink: z.string().optional(),
  http_status: z.number().int().optional(),
  error_code: z.string().optional(),
  request_id: z.string().optional(),
  verification_level: z.number().int().min(0).max(3).optional(),
  duplicate_of: z.string().optional(),
  /** On an action released as `interrupted`: the action its request was queued again as (safety/requeue.ts). */
  requeued_as: z.string().optional(),
  /** On an action released as `interrupted` too often: its request is not queued again; a human decides. */
  requeue_exhausted: z.boolean().optional(),
  /**
   * Platform-side intermediate ids an attempt made before its commit (an Instagram media
   * container): kept on the action before they are used, so a later attempt, or a verification
   * after a crash, reuses them instead of making another.
   */
  lane_refs: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase name'), z.string().min(1).max(300)).optional(),
});
export type ActionResult = z.infer<typeof ActionResult>;

/** One precise or imprecise "not there" look at the platform, kept until absence is proven. */
export const AbsenceLook = z.object({
  at: isoTime,
  surface: z.string().nullable(),
  precise: z.boolean(),
});
export type AbsenceLook = z.infer<typeof AbsenceLook>;

export const Action = z.object({
  action_id: id,
  episode_id: id,
  client_id: id,
  platform: Platform,
  platform_account_id: id,
  lane: Lane,
  action_type: ActionType,
  /** The content to act with. Stays in the store; logs and audit see only its hash. */
  payload: z.record(z.string(), z.unknown()),
  payload_hash: sha256,
  idempotency_key: z.string().min(1),
  state: ActionState,
  risk: z.enum(['normal', 'high']),
  compliance_flags: z.array(z.string()),
  created_by: z.string().min(1),
  policy_snapshot_id: z.string().nullable(),
  attempt_count: z.number().int().min(0),
  verify_tries: z.number().int().min(0),
  owner_id: z.string().nullable(),
  lease_expires_at: isoTime.nullable(),
  /**
   * Fencing token: raised at every takeover of the action by another owner. Every write names
   * the token it read; a write with an older one (a paused-then-resumed owner) is refused.
   */
  fence: z.number().int().min(0),
  /** When the last attempt call ended (or its owner was found gone): absence windows start here. */
  attempt_ended_at: isoTime.nullable(),
  /** "Not there" looks since `attempt_ended_at`, until absence is proven or the object is seen. */
  absence: z.array(AbsenceLook),
  result: ActionResult,
  escalated_at: isoTime.nullable(),
  /** An action that must be confirmed before this one may run (Invariant E). */
  depends_on: z.string().nullable(),
  /** When it is scheduled to run (GP1: nothing touches the platform before); null = as soon as possible. */
  due_at: isoTime.nullable(),
  /** The latest it may still start; past it the action is blocked as `window_missed`, never run late. */
  window_end_at: isoTime.nullable(),
  /** Set by a deferral (quiet hours, a budget, a platform hold): dispatch leaves it until then. */
  not_before: isoTime.nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});
export type Action = z.infer<typeof Action>;

export const LedgerEntry = z.object({
  key: z.string().min(1),
  payload_hash: sha256,
  action_id: id,
  status: LedgerStatus,
  result: ActionResult,
  created_at: isoTime,
  updated_at: isoTime,
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** Spec 000 §9. Hashes and pointers only: no secrets, no raw content. */
export const AuditEvent = z.object({
  audit_event_id: z.string().uuid(),
  timestamp: isoTime,
  episode_id: id,
  action_id: id,
  client_id: id,
  platform: Platform,
  platform_account_id: id,
  lane: Lane,
  action_type: ActionType,
  idempotency_key: z.string().min(1),
  policy_snapshot_id: z.string().nullable(),
  identity_fingerprint_ok: z.boolean().nullable(),
  /** The state-machine transition this event records (§3). */
  transition: z.object({ from: ActionState.nullable(), to: ActionState }),
  reason: z.string().max(500).nullable(),
  request: z.object({
    safe_payload_hash: sha256,
    tool: z.enum(['connector', 'browser_runner', 'kernel']),
    tool_version: z.string().regex(/^\d+\.\d+\.\d+/, 'expected semver'),
  }),
  result: z.object({
    /** §9's statuses plus `blocked` (stopped before any tool call: nothing reached the platform). */
    status: z.enum(['queued', 'attempted', 'confirmed_success', 'confirmed_failed', 'unknown', 'blocked']),
    platform_object_id: z.string().optional(),
    permalink: z.string().optional(),
    http_status: z.number().int().optional(),
    error_code: z.string().optional(),
    verification_level: z.number().int().min(0).max(3).optional(),
  }),
  proof: z.object({
    artifact_refs: z.array(z.string()),
    screenshots: z.array(z.string()),
    dom_hash: sha256.optional(),
  }),
}).strict();
export type AuditEvent = z.infer<typeof AuditEvent>;

/** An AuditEvent as stored: its place in the hash chain. */
export interface AuditRecord {
  seq: number;
  event: AuditEvent;
  prev_hash: string;
  hash: string;
}

/** A kernel instance that runs actions: who holds them, and whether it is still alive. */
export const Owner = z.object({
  owner_id: z.string().min(1),
  host: z.string().min(1),
  pid: z.number().int().min(0),
  started_at: isoTime,
  heartbeat_at: isoTime,
});
export type Owner = z.infer<typeof Owner>;

/**
 * The right to run one account's actions (one runner per account): held by one owner until
 * `expires_at`, renewed by heartbeats. Every takeover raises `fence`; a holder that lost its
 * lease (paused, then resumed) is refused by the fence on its next renewal.
 */
export const RunnerLease = z.object({
  platform_account_id: id,
  owner_id: z.string().min(1),
  fence: z.number().int().min(1),
  acquired_at: isoTime,
  heartbeat_at: isoTime,
  expires_at: isoTime,
});
export type RunnerLease = z.infer<typeof RunnerLease>;

export const Escalation = z.object({
  escalation_id: id,
  action_id: id,
  platform_account_id: id,
  reason: z.string().min(1),
  created_at: isoTime,
  resolved_at: isoTime.nullable(),
  resolved_by: z.string().nullable(),
});
export type Escalation = z.infer<typeof Escalation>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * A signed checkpoint of the audit chain's head (`raize audit checkpoint`): the signature is
 * ed25519 over `checkpointBytes` (safety/checkpoint.ts); `key_id` is the sha256 of the raw
 * 32-byte public key. Kept in the store and, one JSON line each, in the checkpoint file.
 */
export const AuditCheckpoint = z.object({
  v: z.literal(1),
  /** The head's sequence number; 0 for an empty chain. */
  seq: z.number().int().min(0),
  hash: sha256,
  time: isoTime,
  key_id: sha256,
  sig: z.string().regex(/^[0-9a-f]{128}$/, 'expected a 64-byte ed25519 signature in lowercase hex'),
}).strict();
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

export const SECRET_KINDS = ['access_token', 'refresh_token', 'app_secret'] as const;
export const SecretKind = z.enum(SECRET_KINDS);
export type SecretKind = z.infer<typeof SecretKind>;

/**
 * One sealed credential of a platform account (an API token): AES-256-GCM ciphertext, never
 * the value. `nonce` (12 bytes) and `ciphertext` (value ‖ 16-byte tag) are base64; `key_id`
 * names the key that sealed it (sha256 of the key, first 16 hex chars). What is not secret —
 * when it expires, its scopes — sits beside it in the clear for the operator.
 */
export const SealedSecret = z.object({
  platform_account_id: z.string().min(1),
  kind: SecretKind,
  key_id: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex chars'),
  nonce: z.string().regex(/^[A-Za-z0-9+/]{16}$/, 'expected a 12-byte nonce in base64'),
  ciphertext: z.string().min(24).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64'),
  expires_at: isoTime.nullable(),
  scopes: z.array(z.string().min(1)).default([]),
  updated_at: isoTime,
}).strict();
export type SealedSecret = z.infer<typeof SealedSecret>;

export const API_ROLES = ['admin', 'operator', 'reviewer', 'client_viewer'] as const;
export const ApiRole = z.enum(API_ROLES);
export type ApiRole = z.infer<typeof ApiRole>;

/**
 * An API token (issue 11): only its sha256 is kept (the token is shown once, at creation). Scoped
 * to one client or, with `client_id` null, to all; a `client_viewer` is always scoped to one.
 */
export const ApiTokenFields = z.object({
  token_id: id,
  /** sha256 of the token's bytes, lowercase hex: what a presented token is looked up by. */
  token_hash: sha256,
  name: z.string().min(1).max(200),
  role: ApiRole,
  client_id: id.nullable(),
  created_by: z.string().min(1).max(200),
  created_at: isoTime,
  last_used_at: isoTime.nullable(),
  revoked_at: isoTime.nullable(),
}).strict();
export const ApiToken = ApiTokenFields.refine((t) => t.role !== 'client_viewer' || t.client_id !== null, { message: 'a client_viewer token is scoped to one client', path: ['client_id'] });
export type ApiToken = z.infer<typeof ApiToken>;

/** A console login: the cookie carries a random id, the store only its sha256. */
export const ConsoleSession = z.object({
  session_hash: sha256,
  token_id: id,
  created_at: isoTime,
  expires_at: isoTime,
}).strict();
export type ConsoleSession = z.infer<typeof ConsoleSession>;

/**
 * The DM assistant's settings in a client's policy (spec 003 §3, §7; GP4). Links fill the
 * draft templates; `rollout` is §7's phase; auto-send is off unless the client reached the last
 * phase and names the low-risk intents it covers (and it has its own kill switch); keyword
 * rules drive the comment engage loop.
 */
export const DmRollout = z.enum(['triage_only', 'drafts', 'panel', 'bundles', 'comparison', 'auto_send']);
export const KeywordRule = z.object({
  rule_id: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'expected a short id: a-z, 0-9, _ or -'),
  /** Whole words or phrases, matched case- and accent-insensitively. */
  keywords: z.array(z.string().min(1).max(60)).min(1).max(50),
  /** The public reply under the comment. */
  reply_text: z.string().min(1).max(500),
  /** The private reply (one DM per commenter per rule per day). */
  dm_text: z.string().min(1).max(1000),
  enabled: z.boolean().default(true),
}).strict();
export type KeywordRule = z.infer<typeof KeywordRule>;
/** What fills the DM drafts' placeholders: the client's own links and support address. */
export const DmLinks = z.object({
  book_link: z.url().optional(),
  course_link: z.url().optional(),
  video_link: z.url().optional(),
  price_link: z.url().optional(),
  support_email: z.email().optional(),
  business_name: z.string().min(1).max(80).optional(),
}).strict();
export type DmLinks = z.infer<typeof DmLinks>;
export const DmPolicy = z.object({
  links: DmLinks.default({}),
  rollout: DmRollout.default('bundles'),
  /**
   * Spec 003 §7's last step, "only after measured success": an intent is sent without a reviewer
   * only once the last `min_reviewed` human reviews of that intent's drafts (this client) were
   * approved unedited at least `min_unedited_share` of the time — and never while a
   * `dm_auto_send` kill switch covers the client.
   */
  auto_send: z.object({
    enabled: z.boolean().default(false),
    intents: z.array(z.enum(['book', 'link', 'video', 'price'])).default([]),
    min_reviewed: z.number().int().min(5).max(1000).default(20),
    min_unedited_share: z.number().min(0.5).max(1).default(0.9),
  }).strict().default({ enabled: false, intents: [], min_reviewed: 20, min_unedited_share: 0.9 }),
  engage: z.object({
    enabled: z.boolean().default(false),
    rules: z.array(KeywordRule).max(50).default([]),
  }).strict().default({ enabled: false, rules: [] }),
}).strict();
export type DmPolicy = z.infer<typeof DmPolicy>;

/** One POST from Meta, kept as received (raw bytes in a 0600 file) until it is processed. */
export const DmInboxEntry = z.object({
  delivery_id: id,
  received_at: isoTime,
  body_sha256: sha256,
  /** Path of the raw body under the data dir's private DM area. */
  body_ref: z.string().min(1),
  state: z.enum(['pending', 'done', 'failed']),
  attempts: z.number().int().min(0),
  last_error: z.string().nullable(),
  processed_at: isoTime.nullable(),
  /** A failed delivery is not tried again before this (backoff); null: at once. */
  retry_at: isoTime.nullable(),
}).strict();
export type DmInboxEntry = z.infer<typeof DmInboxEntry>;

/** `engaged` is the assistant's own marker: the engage loop queued its actions for the comment in `parent_ref`. */
export const DmEventKind = z.enum(['message', 'echo', 'reaction', 'read', 'unsend', 'edit', 'comment', 'engaged']);
export type DmEventKind = z.infer<typeof DmEventKind>;

/** A normalised webhook event: append-only; the raw text lives in a private file, the row holds its hash. */
export const DmEvent = z.object({
  event_id: id,
  /** `message:<mid>`, `comment:<id>`, `read:<mid>:<sender>`…: a replayed delivery maps to the same key. */
  dedupe_key: z.string().min(1).max(400),
  kind: DmEventKind,
  /** The business account's platform user id (the webhook entry's id). */
  ig_user_id: z.string().min(1),
  /** Our account, when the platform user id is one we manage (null: recorded, never acted on). */
  platform_account_id: id.nullable(),
  client_id: id.nullable(),
  sender_id: z.string().min(1),
  /** mid, comment id or the event's own reference. */
  ref: z.string().min(1),
  /** The media (comment events) or message the event refers to (reactions, reads, unsends). */
  parent_ref: z.string().nullable(),
  timestamp_ms: z.number().int().min(0),
  text_sha256: sha256.nullable(),
  text_ref: z.string().nullable(),
  attachments: z.array(z.string()).default([]),
  delivery_id: id,
  recorded_at: isoTime,
}).strict();
export type DmEvent = z.infer<typeof DmEvent>;

/** What the assistant decided about one message and where the reviewer took it. */
export const DmReviewState = z.enum(['pending', 'approved', 'rejected', 'sent', 'triage_only']);
export const DmDecisionRow = z.object({
  trace_id: z.uuid(),
  event_id: id,
  platform_account_id: id,
  client_id: id,
  sender_id: z.string().min(1),
  mid: z.string().min(1),
  tier: z.enum(['normal', 'needs-human', 'urgent']),
  intent: z.string().min(1),
  language: z.string().min(2),
  panel_decision: z.string().min(1),
  escalated: z.boolean(),
  reason_codes: z.array(z.string()),
  template_id: z.string().min(1),
  draft_text_sha256: sha256,
  final_text_sha256: sha256,
  /** Private file with the draft text offered to the reviewer. */
  draft_ref: z.string().min(1),
  bundle_ref: z.string().min(1),
  decided_at: isoTime,
  review_state: DmReviewState,
  reviewed_by: z.string().nullable(),
  reviewed_at: isoTime.nullable(),
  /** sha256 of the text actually approved (after a reviewer's edit), and its edit distance to the draft. */
  sent_text_sha256: sha256.nullable(),
  edit_distance: z.number().int().min(0).nullable(),
  action_id: id.nullable(),
  /**
   * The sender's Instagram username as the User Profile API gave it (their message is the
   * consent), for the reviewer's "open IG thread" link; null when unknown. Never in public bundles.
   */
  sender_username: z.string().regex(/^[A-Za-z0-9._]{1,30}$/).nullable(),
}).strict();
export type DmDecisionRow = z.infer<typeof DmDecisionRow>;

/**
 * A comment on one of an account's posts as a lane reads it for the engage loop (GP4): the Graph
 * API (runners/api/instagram-comments.ts) shows the commenter's app-scoped id, the web
 * (flows/instagram/comments-read.ts) only a handle. Nothing a real platform hides.
 */
export interface PolledComment {
  id: string;
  text: string;
  /** The commenter's app-scoped id (IG Comment `from.id`, whom a private reply goes to); empty when the lane shows none (the browser lane). */
  from_id: string;
  /** The commenter's handle, when the lane shows it. */
  username?: string;
  /** The post: its media id (API lane) or shortcode (browser lane). */
  media_id: string;
  timestamp_ms: number;
}
