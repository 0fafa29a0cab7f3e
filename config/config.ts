import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * The one configuration table. Each field: schema, env var, default.
 * Precedence: explicit options > environment > defaults. Resolved once, then frozen.
 */
export const CONFIG_TABLE = {
  /** Where the SQLite store, proofs and traces live. @default ./data */
  dataDir: { env: 'RAIZE_DATA_DIR', schema: z.string().min(1), default: './data' },
  /** SQLite file of the product's store. @default <dataDir>/raize.db */
  dbFile: { env: 'RAIZE_DB_FILE', schema: z.string().min(1).optional(), default: undefined },
  /**
   * PostgreSQL store for several farm hosts sharing the work (`postgres://user:password@host:port/db`);
   * unset → the SQLite file. A secret: never printed, not even in a configuration error.
   */
  databaseUrl: {
    env: 'RAIZE_DATABASE_URL',
    schema: z.string().min(1).refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'must be a postgres:// or postgresql:// URL').optional(),
    default: undefined,
    secret: true,
  },
  /** Connections each process keeps to PostgreSQL. @default 10 */
  databasePoolSize: { env: 'RAIZE_DATABASE_POOL_SIZE', schema: int(1, 500), default: 10 },
  /** Busy timeout for SQLite locks between threads and processes. @default 5000 */
  dbBusyTimeoutMs: { env: 'RAIZE_DB_BUSY_TIMEOUT_MS', schema: int(0, 600_000), default: 5000 },
  /** HTTP port of the API (loopback only). @default 8080 */
  port: { env: 'RAIZE_PORT', schema: int(0, 65535), default: 8080 },
  /**
   * Remote browser servers (`npx raize browser-server` on other hosts): comma-separated ws://
   * or wss:// URLs, each with its token in the path as printed by that command. Set → the farm
   * places its contexts on them by free capacity instead of launching a Chromium of its own. A
   * secret (the tokens): never printed. @default unset (a local browser)
   */
  browserEndpoints: {
    env: 'RAIZE_BROWSER_ENDPOINTS',
    schema: z.string().min(1)
      .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine((u) => /^wss?:\/\/[^\s]+$/.test(u) && URL.canParse(u), 'each must be a ws:// or wss:// URL')).min(1))
      .optional(),
    default: undefined,
    secret: true,
  },
  /** Contexts one remote browser server takes at most. @default 24 */
  browserEndpointCapacity: { env: 'RAIZE_BROWSER_ENDPOINT_CAPACITY', schema: int(1, 1000), default: 24 },
  /** Chromium executable; else Playwright's own, else /usr/bin/chromium. */
  chromium: { env: 'RAIZE_CHROMIUM', schema: z.string().min(1).optional(), default: undefined },
  /** playwright-extra stealth plugin for the browser lane. @default true */
  stealth: { env: 'RAIZE_STEALTH', schema: bool, default: true },
  /**
   * Encoding of step screenshots: `webp` (lossy, quality 85: legible, 2× smaller than PNG, 28 ms),
   * `webp-lossless` (pixel-exact, smallest, ~10× the CPU) or `png` (Chromium's own bytes, no
   * re-encode). @default webp
   */
  proofFormat: { env: 'RAIZE_PROOF_FORMAT', schema: z.enum(['webp', 'webp-lossless', 'png']), default: 'webp' },
  /** Screencast in episode traces (the proofs already keep a screenshot per step). @default false */
  traceScreenshots: { env: 'RAIZE_TRACE_SCREENSHOTS', schema: bool, default: false },
  /** pino level. @default info */
  logLevel: { env: 'RAIZE_LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info' },
  /** Meta app secret for X-Hub-Signature-256 of webhooks. */
  metaAppSecret: { env: 'RAIZE_META_APP_SECRET', schema: z.string().min(1).optional(), default: undefined, secret: true },
  /** Key that seals API tokens at rest (AES-256-GCM): 64 hex chars or base64 of 32 bytes. Unset → `<dataDir>/keys/secret.key`, generated 0600. */
  secretKey: { env: 'RAIZE_SECRET_KEY', schema: z.string().min(1).optional(), default: undefined, secret: true },
  /** PEM file of a CA the API connectors trust besides the system's (the sandbox's `--tls` CA). Never "verification off". */
  extraCaFile: { env: 'RAIZE_EXTRA_CA', schema: z.string().min(1).optional(), default: undefined },
  /**
   * How often the farm's `comments` job polls the engage loop's comments read-only (GP4's fallback
   * when comment webhooks are missing), for accounts whose client enabled the loop. @default 300000
   */
  commentPollMs: { env: 'RAIZE_COMMENT_POLL_MS', schema: int(10_000, 86_400_000), default: 300_000 },
  /** Meta webhook verify token (GET handshake). */
  metaVerifyToken: { env: 'RAIZE_META_VERIFY_TOKEN', schema: z.string().min(1).optional(), default: undefined },
  /** Admin token of the sandbox; generated when absent. */
  sandboxAdminToken: { env: 'RAIZE_SANDBOX_ADMIN_TOKEN', schema: z.string().min(8).optional(), default: undefined },
  /** Deadline of one action, identity to verification. @default 120000 */
  actionDeadlineMs: { env: 'RAIZE_ACTION_DEADLINE_MS', schema: int(100, 3_600_000), default: 120_000 },
  /** Base of the full-jitter backoff for transient failures (§5.2). @default 500 */
  retryBaseMs: { env: 'RAIZE_RETRY_BASE_MS', schema: int(0, 600_000), default: 500 },
  /** Cap of one backoff sleep. @default 30000 */
  retryCapMs: { env: 'RAIZE_RETRY_CAP_MS', schema: int(0, 3_600_000), default: 30_000 },
  /** Hard cap on attempts of one action, the first included. @default 3 */
  retryMaxAttempts: { env: 'RAIZE_RETRY_MAX_ATTEMPTS', schema: int(1, 20), default: 3 },
  /** Base of the backoff between read-only verification tries of an `unknown` outcome. @default 1000 */
  verifyBaseMs: { env: 'RAIZE_VERIFY_BASE_MS', schema: int(0, 600_000), default: 1000 },
  /** Cap of one verification backoff sleep. @default 60000 */
  verifyCapMs: { env: 'RAIZE_VERIFY_CAP_MS', schema: int(0, 3_600_000), default: 60_000 },
  /** Verification tries before an `unknown` outcome is escalated to a human. @default 5 */
  verifyMaxTries: { env: 'RAIZE_VERIFY_MAX_TRIES', schema: int(1, 100), default: 5 },
  /**
   * An `unknown` outcome older than this (since its attempt ended) is escalated whatever its
   * tries: a platform that holds every look back (a rate limit that never resets) must not keep
   * it from a human forever. @default 3600000
   */
  escalateAfterMs: { env: 'RAIZE_ESCALATE_AFTER_MS', schema: int(1000, 7 * 86_400_000), default: 3_600_000 },
  /**
   * How long after an ambiguous attempt a new object may still be invisible on the platform's
   * read surfaces (feeds, grids, listings, search): absence is proven only by looks after it.
   * A performer may declare its own per action type. @default 30000
   */
  absenceWindowMs: { env: 'RAIZE_ABSENCE_WINDOW_MS', schema: int(0, 3_600_000), default: 30_000 },
  /** Precise "absent" looks needed to prove absence (a performer may declare more). @default 2 */
  absenceLooks: { env: 'RAIZE_ABSENCE_LOOKS', schema: int(1, 20), default: 2 },
  /**
   * This farm host's name in owner ids (`<host>/<pid>/…`): owners of the same host are judged by
   * their process, others by their heartbeat only. Unique per machine; set it where several hosts
   * share one machine name (containers), or to simulate hosts on one machine. @default os.hostname()
   */
  hostId: { env: 'RAIZE_HOST_ID', schema: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (no /)').optional(), default: undefined },
  /** How often a kernel instance stamps its owner heartbeat. @default 5000 */
  heartbeatMs: { env: 'RAIZE_HEARTBEAT_MS', schema: int(100, 600_000), default: 5000 },
  /**
   * An owner on this host whose heartbeat is older than this and whose process is gone may be
   * taken over by recovery. @default 30000
   */
  ownerStaleMs: { env: 'RAIZE_OWNER_STALE_MS', schema: int(500, 3_600_000), default: 30_000 },
  /**
   * An owner on another host (whose process cannot be checked from here) may be taken over once
   * its heartbeat is older than this; its later writes are refused by the fencing token. @default 120000
   */
  foreignOwnerStaleMs: { env: 'RAIZE_FOREIGN_OWNER_STALE_MS', schema: int(1000, 86_400_000), default: 120_000 },
  /**
   * §8.4 "repeated auth failures": an expired session or token puts the account in
   * `reconnect_required`; this many within the window put it in `read_only` for a human instead.
   * @default 3
   */
  authFailureLimit: { env: 'RAIZE_AUTH_FAILURE_LIMIT', schema: int(1, 100), default: 3 },
  /** The window of `authFailureLimit`. @default 86400000 (24 h) */
  authFailureWindowMs: { env: 'RAIZE_AUTH_FAILURE_WINDOW_MS', schema: int(60_000, 30 * 86_400_000), default: 86_400_000 },
  /**
   * How many account runners one farm host runs at once. Unset → derived from the machine:
   * 3 per core (runners mostly wait on pages), at most half the free memory at ~150 MB per
   * browser context (runners/farm/concurrency.ts `defaultFarmConcurrency`).
   */
  farmConcurrency: { env: 'RAIZE_FARM_CONCURRENCY', schema: int(1, 1000).optional(), default: undefined },
  /** A runner's lease on its account; renewed every few seconds while it works or waits. @default 30000 */
  farmLeaseTtlMs: { env: 'RAIZE_FARM_LEASE_TTL_MS', schema: int(1000, 600_000), default: 30_000 },
} as const;

type Table = typeof CONFIG_TABLE;
type Field = keyof Table;
type Resolved = { [K in Field]: z.output<Table[K]['schema']> };

export type RaizeConfig = Readonly<Omit<Resolved, 'dbFile' | 'dataDir'> & { dataDir: string; dbFile: string }>;
export type ConfigOptions = Partial<{ [K in Field]: z.input<Table[K]['schema']> }>;

/** Thrown at start-up when a configuration value is invalid; names the field and its env var. */
export class ConfigError extends Error {
  readonly code = 'config_error';
  constructor(readonly field: string, readonly envVar: string, detail: string) {
    super(`Invalid configuration ${field} (${envVar}): ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Resolves the configuration once: options > env > defaults. The result is frozen. */
export function resolveConfig(options: ConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): RaizeConfig {
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(CONFIG_TABLE) as [Field, Table[Field]][]) {
    const raw = options[field] !== undefined ? options[field] : env[spec.env] !== undefined && env[spec.env] !== '' ? env[spec.env] : spec.default;
    const parsed = (spec.schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => i.message).join('; ');
      // A secret's value never reaches an error message (errors are logged).
      const got = 'secret' in spec && spec.secret ? 'a value (not shown: a secret)' : JSON.stringify(raw);
      throw new ConfigError(field, spec.env, `${detail} (got ${got})`);
    }
    out[field] = parsed.data;
  }
  const dataDir = resolve(out.dataDir as string);
  out.dataDir = dataDir;
  out.dbFile = resolve(dataDir, (out.dbFile as string | undefined) ?? 'raize.db');
  return Object.freeze(out) as RaizeConfig;
}
