import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { resolveConfig, type ConfigOptions } from '../../config/index.js';
import { createServices, PerformerRegistry, type Services, type ServiceOverrides } from '../../runners/index.js';
import { submitAction, type Performer, type SubmitInput } from '../../safety/index.js';
import type { Action, Platform, PlatformAccount, PolicyInput } from '../../store/index.js';
import { ledgerDrift } from './drift-ledger.js';
import { freshDatabaseUrl } from './postgres.js';
import { testStoreKind } from './store-kind.js';

export function tempDir(prefix = 'raize-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // RAIZE_TEST_KEEP_DIRS=1 keeps every test's data dir (drift records, screenshots, traces) to read after a failure.
  if (process.env.RAIZE_TEST_KEEP_DIRS === '1') return { path, remove: () => console.log(`kept test dir ${path}`) };
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Harness {
  services: Services;
  dir: string;
  /** Every log line written, parsed. */
  logLines: string[];
  /** The delays the kernel slept, in order. */
  sleeps: number[];
  /** The kernel's clock (virtual unless `realSleep`: each sleep advances it). */
  clock: { now(): Date; advance(ms: number): void };
  client: { client_id: string };
  account: PlatformAccount;
  submit(input?: Partial<SubmitInput>): Promise<Action>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  performer?: Performer;
  config?: ConfigOptions;
  policy?: Partial<PolicyInput>;
  timezone?: string;
  platform?: Platform;
  overrides?: ServiceOverrides;
  /** Use real sleeps instead of the recording no-op. */
  realSleep?: boolean;
}

/** The real kernel on a real SQLite file in a temp dir, with a fake performer (STYLE.md, Temporal). */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = tempDir();
  const logLines: string[] = [];
  const sleeps: number[] = [];
  // A virtual clock: the kernel's sleeps advance it at once, so lag and absence windows are
  // exercised in full without the test waiting for them.
  let offset = 0;
  const base = Date.now();
  const clock = options.realSleep
    ? { now: () => new Date(), advance: () => undefined }
    : { now: () => new Date(base + offset), advance: (ms: number) => void (offset += Math.max(0, ms)) };
  const config = resolveConfig({
    dataDir: dir.path, logLevel: 'debug', retryBaseMs: 100, retryCapMs: 2000, retryMaxAttempts: 3,
    verifyBaseMs: 10, verifyCapMs: 100, verifyMaxTries: 3,
    ...(testStoreKind() === 'postgres' ? { databaseUrl: await freshDatabaseUrl() } : {}),
    ...options.config,
  }, {});
  const performers = new PerformerRegistry();
  const platform = options.platform ?? 'instagram';
  (options.performer as { useClock?: (c: () => number) => void } | undefined)?.useClock?.(() => clock.now().getTime());
  if (options.performer) {
    for (const lane of ['api', 'browser', 'hybrid'] as const) performers.register(lane, platform, options.performer);
  }
  const services = createServices(config, {
    performers,
    log: { destination: { write: (line: string) => void logLines.push(line) } },
    ...(options.realSleep ? {} : { sleep: async (ms: number) => { sleeps.push(ms); clock.advance(ms); }, now: clock.now }),
    ...options.overrides,
  });
  const client = await services.store.clients.create({ client_id: randomUUID(), name: 'Acme Bakery', created_at: new Date().toISOString() });
  const now = new Date().toISOString();
  const account = await services.store.accounts.create({
    platform_account_id: randomUUID(), client_id: client.client_id, platform,
    fingerprint: { platform_user_id: '17841400000000001', handle: 'acme.bakery', display_name: 'Acme Bakery', extra: {} },
    timezone: options.timezone ?? 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
  });
  await services.store.policies.put({
    client_id: client.client_id, created_by: 'ops@agency',
    autonomy: 'auto',
    allowed_actions: { [platform]: ['publish', 'schedule', 'dm_send', 'comment_reply', 'like', 'follow', 'edit', 'delete'] },
    ...options.policy,
  });
  return {
    services, dir: dir.path, logLines, sleeps, clock, client, account,
    submit: (input = {}) => submitAction(services.store, {
      client_id: client.client_id, platform_account_id: account.platform_account_id, lane: 'api',
      action_type: 'publish', payload: { caption: `Fresh sourdough ${randomUUID()}` }, created_by: 'ana@agency', ...input,
    }),
    async close() {
      await services.close();
      await ledgerDrift(dir.path);
      dir.remove();
    },
  };
}

/** The states an action went through, from its audit events (notes without a state change left out). */
export async function auditTrail(services: Services, actionId: string): Promise<string[]> {
  const records = await services.store.audit.forAction(actionId);
  return records.filter((r) => r.event.transition.from !== r.event.transition.to).map((r) => r.event.transition.to);
}

/** The environment a `raize` command needs to open this harness's store (the SQLite file or the PostgreSQL database). */
export function cliEnv(h: Harness, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { dataDir, dbFile, databaseUrl } = h.services.config;
  return { ...process.env, RAIZE_DATA_DIR: dataDir, RAIZE_DB_FILE: dbFile, ...(databaseUrl ? { RAIZE_DATABASE_URL: databaseUrl } : {}), ...extra };
}
