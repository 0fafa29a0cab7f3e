import { test as base, expect } from '@playwright/test';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import {
  AUTO_SEND_AUTHOR, auditLinkHash, BudgetRefusedError, createPostgresStore, createSqliteStore, FencedError, GENESIS_HASH, NotFoundError,
  RecordInvalidError, StaleStateError, WRITER_ROLE,
  type Action, type ActionState, type AuditCheckpoint, type AuditEvent, type Client, type DmDecisionRow, type DmEvent, type DmInboxEntry,
  type Episode, type PlatformAccount, type RawAuditRow, type Store, type TransitionWrite,
} from '../../store/index.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../store/sqlite/migrations.js';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../../store/postgres/migrations.js';
import { buildAuditEvent, payloadHash, runAction, verifyAuditChain } from '../../safety/index.js';
import { createHarness, tempDir } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { freshDatabaseUrl } from '../helpers/postgres.js';

// One contract for every adapter of the store ports (issue 14): each test runs on a fresh SQLite
// file and on a fresh PostgreSQL database, and expects the same answers from both.

type Kind = 'sqlite' | 'postgres';

interface Backend {
  readonly kind: Kind;
  /** Another store on the test's database: its own connection (SQLite) or pool (PostgreSQL). */
  open(): Store;
  /** Runs one statement on a raw connection of the database's owner (PostgreSQL: the login role). */
  raw(sql: string): Promise<void>;
  /** PostgreSQL only: the same, as the store's own role. */
  rawAsWriter(sql: string): Promise<void>;
  /** The versions schema_migrations records, in order. */
  migrations(): Promise<number[]>;
  readonly url: string | null;
}

const test = base.extend<{ kind: Kind; db: Backend; store: Store }>({
  kind: ['sqlite', { option: true }],
  db: async ({ kind }, use) => {
    const stores: Store[] = [];
    const track = (s: Store) => (stores.push(s), s);
    if (kind === 'sqlite') {
      const dir = tempDir('raize-contract-');
      const file = join(dir.path, 'raize.db');
      const rawDb = () => new SqliteDatabase(file, { timeout: 30_000 });
      await use({
        kind, url: null,
        open: () => track(createSqliteStore({ file, busyTimeoutMs: 30_000 })),
        async raw(sql) {
          const d = rawDb();
          try { d.exec(sql); } finally { d.close(); }
        },
        async rawAsWriter() { throw new Error('SQLite has no roles'); },
        async migrations() {
          const d = rawDb();
          try { return d.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => r.version); } finally { d.close(); }
        },
      });
      await Promise.all(stores.map((s) => s.close()));
      dir.remove();
    } else {
      const url = await freshDatabaseUrl();
      const rawPg = async (sql: string, asWriter: boolean) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          if (asWriter) await client.query(`SET ROLE ${WRITER_ROLE}`);
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      await use({
        kind, url,
        open: () => track(createPostgresStore({ url, poolSize: 4 })),
        raw: (sql) => rawPg(sql, false),
        rawAsWriter: (sql) => rawPg(sql, true),
        async migrations() {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try { return (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version); } finally { await client.end(); }
        },
      });
      await Promise.all(stores.map((s) => s.close()));
    }
  },
  store: async ({ db }, use) => {
    await use(db.open());
  },
});

const T0 = Date.UTC(2030, 0, 7, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const sha = (seed: string) => payloadHash({ seed });

function newClient(o: Partial<Client> = {}): Client {
  return { client_id: randomUUID(), name: 'Acme Bakery', created_at: iso(T0), ...o };
}

function newAccount(clientId: string, o: Partial<PlatformAccount> = {}): PlatformAccount {
  return {
    platform_account_id: randomUUID(), client_id: clientId, platform: 'instagram',
    fingerprint: { platform_user_id: '17841400000000001', handle: 'acme.bakery', display_name: 'Acme Bakery', extra: { page: 'p1' } },
    timezone: 'Europe/Madrid', state: 'active', state_reason: null, session_ref: null, created_at: iso(T0), updated_at: iso(T0), ...o,
  };
}

async function tenant(store: Store, o: { client?: Partial<Client>; account?: Partial<PlatformAccount> } = {}) {
  const client = await store.clients.create(newClient(o.client));
  const account = await store.accounts.create(newAccount(client.client_id, o.account));
  return { client, account };
}

function newAction(account: PlatformAccount, o: Partial<Action> = {}): Action {
  const payload = o.payload ?? { caption: `Fresh sourdough ${randomUUID()}`, media: [{ kind: 'image', source: 'bread.png' }] };
  const actionId = o.action_id ?? randomUUID();
  return {
    action_id: actionId, episode_id: randomUUID(), client_id: account.client_id, platform: account.platform,
    platform_account_id: account.platform_account_id, lane: 'api', action_type: 'publish', payload, payload_hash: payloadHash(payload),
    idempotency_key: `ik1_${actionId}`, state: 'queued', risk: 'normal', compliance_flags: ['brand_ok'], created_by: 'ana@agency',
    policy_snapshot_id: null, attempt_count: 0, verify_tries: 0, owner_id: null, lease_expires_at: null, fence: 0, attempt_ended_at: null,
    absence: [], result: {}, escalated_at: null, depends_on: null, due_at: null, window_end_at: null, not_before: null,
    created_at: iso(T0), updated_at: iso(T0), ...o,
  };
}

function episodeOf(action: Action): Episode {
  return { episode_id: action.episode_id, client_id: action.client_id, platform_account_id: action.platform_account_id, kind: action.action_type, created_at: action.created_at };
}

function ev(action: Action, from: ActionState | null, to: ActionState, at = T0): AuditEvent {
  return buildAuditEvent(action, { from, to, at: new Date(at) });
}

async function createAction(store: Store, account: PlatformAccount, o: Partial<Action> = {}): Promise<Action> {
  const action = newAction(account, o);
  return store.actions.create(action, ev(action, null, 'queued'), episodeOf(action));
}

function move(action: Action, from: ActionState, to: ActionState, o: Partial<TransitionWrite> = {}): TransitionWrite {
  return { action_id: action.action_id, from, to, event: ev(action, from, to, T0 + MIN), ...o };
}

function checkpoint(seq: number, hash: string, n: number): AuditCheckpoint {
  return { v: 1, seq, hash, time: iso(T0 + n * MIN), key_id: sha('key'), sig: randomBytes(64).toString('hex') };
}

/** Every link recomputed from the raw rows: contiguous from 1, each linked to the one before. */
function checkChain(rows: RawAuditRow[]): void {
  let prev = GENESIS_HASH;
  rows.forEach((row, i) => {
    expect(row.seq).toBe(i + 1);
    expect(row.prev_hash).toBe(prev);
    expect(row.hash).toBe(auditLinkHash(row.seq, row.prev_hash, row.event_json));
    prev = row.hash;
  });
}

async function allRows(store: Store): Promise<RawAuditRow[]> {
  return store.audit.scan(0, 100_000);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  test.describe(kind, () => {
    test.use({ kind });
    test.describe.configure({ timeout: 180_000 });

    test.describe('tenancy', () => {
      test('should create, get and list clients in creation order, and refuse an invalid or duplicate one', async ({ store }) => {
        const late = await store.clients.create(newClient({ client_id: 'c-late', created_at: iso(T0 + MIN) }));
        const b = await store.clients.create(newClient({ client_id: 'c-b' }));
        const a = await store.clients.create(newClient({ client_id: 'c-a' }));
        expect(await store.clients.list()).toEqual([a, b, late]);
        expect(await store.clients.get('c-b')).toEqual(b);
        expect(await store.clients.get('nobody')).toBeNull();
        await expect(store.clients.create(newClient({ name: '' }))).rejects.toThrow(/invalid Client: name/);
        await expect(store.clients.create(newClient({ client_id: 'c-a' }))).rejects.toThrow();
        expect(await store.clients.list()).toHaveLength(3);
      });

      test('should list accounts in creation order, change their state and refuse invalid ones naming the field', async ({ store }) => {
        const { client, account } = await tenant(store);
        const other = await store.clients.create(newClient());
        // Same creation time: the order they were created in, whatever their ids.
        const z = await store.accounts.create(newAccount(client.client_id, { platform_account_id: 'acct-z' }));
        const a = await store.accounts.create(newAccount(client.client_id, { platform_account_id: 'acct-a' }));
        const early = await store.accounts.create(newAccount(other.client_id, { platform_account_id: 'acct-early', created_at: iso(T0 - MIN) }));
        expect((await store.accounts.list()).map((x) => x.platform_account_id)).toEqual(['acct-early', account.platform_account_id, 'acct-z', 'acct-a']);
        expect((await store.accounts.list({ client_id: client.client_id })).map((x) => x.platform_account_id)).toEqual([account.platform_account_id, 'acct-z', 'acct-a']);
        expect(await store.accounts.list({ client_id: other.client_id })).toEqual([early]);
        expect(await store.accounts.get('acct-z')).toEqual(z);
        expect(await store.accounts.get('nobody')).toBeNull();
        const changed = await store.accounts.setState(a.platform_account_id, 'needs_human', 'identity mismatch');
        expect(changed).toMatchObject({ ...a, state: 'needs_human', state_reason: 'identity mismatch', updated_at: expect.any(String) });
        expect(await store.accounts.get(a.platform_account_id)).toEqual(changed);
        await expect(store.accounts.setState('nobody', 'active', null)).rejects.toThrow(NotFoundError);
        await expect(store.accounts.create(newAccount(client.client_id, { platform_account_id: 'x1', timezone: 'Mars/Olympus' })))
          .rejects.toThrow(new RecordInvalidError('PlatformAccount', 'timezone', 'expected an IANA time zone such as Europe/Madrid'));
        await expect(store.accounts.create(newAccount(client.client_id, { state: 'sleepy' as never }))).rejects.toThrow(/invalid PlatformAccount: state/);
        await expect(store.accounts.create(newAccount('no-such-client'))).rejects.toThrow();
      });

      test('should count authentication failures within the window, this one included', async ({ store }) => {
        const { account } = await tenant(store);
        const fail = (at: number) => store.accounts.recordAuthFailure(account.platform_account_id, { at: new Date(at), windowMs: MIN, action_id: 'a1' });
        expect(await fail(T0)).toBe(1);
        expect(await fail(T0 + 10_000)).toBe(2);
        expect(await fail(T0 + 20_000)).toBe(3);
        expect(await fail(T0 + 75_000)).toBe(2);
        await expect(store.accounts.recordAuthFailure('nobody', { at: new Date(T0), windowMs: MIN })).rejects.toThrow(NotFoundError);
      });

      test('should version policies immutably, numbering versions saved at once one after the other', async ({ store }) => {
        const { client } = await tenant(store);
        expect(await store.policies.current(client.client_id)).toBeNull();
        const v1 = await store.policies.put({ client_id: client.client_id, created_by: 'ops', autonomy: 'auto', allowed_actions: { instagram: ['publish', 'like'] } });
        expect(v1).toMatchObject({ version: 1, high_risk_actions: [], quiet_hours: null, compliance: { banned_terms: [], allowed_flags: [] } });
        const more = await Promise.all([2, 3, 4, 5].map(() => store.policies.put({ client_id: client.client_id, created_by: 'ops', autonomy: 'manual', allowed_actions: {} })));
        expect(more.map((p) => p.version).sort()).toEqual([2, 3, 4, 5]);
        const latest = more.find((p) => p.version === 5)!;
        expect(await store.policies.current(client.client_id)).toEqual(latest);
        expect(await store.policies.get(v1.policy_id)).toEqual(v1);
        expect(await store.policies.get('nope')).toBeNull();
        await expect(store.policies.put({ client_id: client.client_id, created_by: 'ops', autonomy: 'auto', allowed_actions: {}, quiet_hours: { start: '25:00', end: '07:00' } }))
          .rejects.toThrow(/invalid Policy: quiet_hours.start: expected HH:MM/);
        expect((await store.policies.current(client.client_id))!.version).toBe(5);
      });
    });

    test.describe('kill switches', () => {
      test('should find the engaged switch covering an action, global first, and DM auto-send only for automatic replies', async ({ store }) => {
        const { client, account } = await tenant(store);
        const target = { client_id: client.client_id, platform_account_id: account.platform_account_id };
        expect(await store.killSwitches.engagedFor(target)).toBeNull();
        await store.killSwitches.set({ scope: 'account', scope_id: account.platform_account_id, engaged: true, reason: 'checkpoint', set_by: 'kernel' });
        expect(await store.killSwitches.engagedFor(target)).toMatchObject({ scope: 'account', engaged: true, reason: 'checkpoint' });
        await store.killSwitches.set({ scope: 'client', scope_id: client.client_id, engaged: true, reason: 'paused', set_by: 'ops' });
        expect(await store.killSwitches.engagedFor(target)).toMatchObject({ scope: 'client' });
        const global = await store.killSwitches.set({ scope: 'global', scope_id: 'ignored', engaged: true, reason: 'incident', set_by: 'ops' });
        expect(global.scope_id).toBe('*');
        expect(await store.killSwitches.engagedFor(target)).toEqual(global);
        for (const scope of ['global', 'client', 'account'] as const) {
          await store.killSwitches.set({ scope, scope_id: scope === 'client' ? client.client_id : account.platform_account_id, engaged: false, reason: null, set_by: 'ops' });
        }
        expect(await store.killSwitches.engagedFor(target)).toBeNull();
        const clientStop = await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: client.client_id, engaged: true, reason: 'off-brand', set_by: 'ops' });
        expect(await store.killSwitches.engagedFor(target)).toBeNull();
        expect(await store.killSwitches.engagedFor({ ...target, created_by: AUTO_SEND_AUTHOR })).toEqual(clientStop);
        expect(await store.killSwitches.autoSendStop(client.client_id)).toEqual(clientStop);
        const everyone = await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: '*', engaged: true, reason: 'all off', set_by: 'ops' });
        expect(await store.killSwitches.autoSendStop(client.client_id)).toEqual(everyone);
        expect(await store.killSwitches.autoSendStop('another-client')).toEqual(everyone);
        expect(await store.killSwitches.engagedFor({ ...target, created_by: AUTO_SEND_AUTHOR })).toEqual(everyone);
        expect((await store.killSwitches.list()).map((s) => [s.scope, s.scope_id, s.engaged])).toEqual([
          ['account', account.platform_account_id, false], ['client', client.client_id, false],
          ['dm_auto_send', '*', true], ['dm_auto_send', client.client_id, true], ['global', '*', false],
        ]);
        await expect(store.killSwitches.set({ scope: 'galaxy' as never, scope_id: 'x', engaged: true, reason: null, set_by: 'ops' })).rejects.toThrow(/invalid KillSwitch: scope/);
      });

      test('should keep every change in a history read newest first, by tenant, by switch and page by page', async ({ store }) => {
        const a = await tenant(store);
        const b = await tenant(store);
        await store.killSwitches.set({ scope: 'global', scope_id: '*', engaged: true, reason: 'incident', set_by: 'ops' });
        await store.killSwitches.set({ scope: 'client', scope_id: a.client.client_id, engaged: true, reason: 'a paused', set_by: 'ops' });
        await store.killSwitches.set({ scope: 'account', scope_id: b.account.platform_account_id, engaged: true, reason: 'b checkpoint', set_by: 'kernel' });
        await store.killSwitches.set({ scope: 'account', scope_id: 'unknown-account', engaged: true, reason: null, set_by: 'kernel' });
        await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: '*', engaged: true, reason: null, set_by: 'ops' });
        await store.killSwitches.set({ scope: 'client', scope_id: a.client.client_id, engaged: false, reason: null, set_by: 'ops' });
        const all = await store.killSwitches.history({ limit: 100 });
        expect(all.map((c) => c.seq)).toEqual([6, 5, 4, 3, 2, 1]);
        expect(all.map((c) => [c.scope, c.engaged, c.client_id])).toEqual([
          ['client', false, a.client.client_id], ['dm_auto_send', true, null], ['account', true, null],
          ['account', true, b.client.client_id], ['client', true, a.client.client_id], ['global', true, null],
        ]);
        expect(all[0]).toMatchObject({ scope_id: a.client.client_id, reason: null, set_by: 'ops', set_at: expect.any(String) });
        expect((await store.killSwitches.history({ client_id: a.client.client_id, limit: 100 })).map((c) => c.seq)).toEqual([6, 5, 2, 1]);
        expect((await store.killSwitches.history({ client_id: b.client.client_id, limit: 100 })).map((c) => c.seq)).toEqual([5, 3, 1]);
        expect((await store.killSwitches.history({ scope: 'client', scope_id: a.client.client_id, limit: 100 })).map((c) => c.seq)).toEqual([6, 2]);
        expect((await store.killSwitches.history({ before_seq: 5, limit: 2 })).map((c) => c.seq)).toEqual([4, 3]);
        expect((await store.killSwitches.history({ scope: 'account', limit: 100 })).map((c) => c.seq)).toEqual([4, 3]);
      });
    });

    test.describe('episodes, escalations, owners', () => {
      test('should page episodes by creation time and id either way, filtered by client and account', async ({ store }) => {
        const a = await tenant(store);
        const b = await tenant(store);
        const ep = (id: string, t: number, who = a) => ({ episode_id: id, client_id: who.client.client_id, platform_account_id: who.account.platform_account_id, kind: 'publish', created_at: iso(t) });
        for (const e of [ep('e3', T0), ep('e1', T0), ep('e2', T0 + MIN), ep('e0', T0 - MIN), ep('eb', T0, b)]) await store.episodes.create(e);
        // Creating it again keeps the first.
        expect(await store.episodes.create({ ...ep('e1', T0), kind: 'dm' })).toMatchObject({ kind: 'dm' });
        expect(await store.episodes.get('e1')).toEqual(ep('e1', T0));
        expect(await store.episodes.get('nope')).toBeNull();
        const ids = (list: Episode[]) => list.map((e) => e.episode_id);
        expect(ids(await store.episodes.list())).toEqual(['e0', 'e1', 'e3', 'eb', 'e2']);
        const first = await store.episodes.list({ client_id: a.client.client_id, limit: 2 });
        expect(ids(first)).toEqual(['e0', 'e1']);
        const after = { created_at: first[1]!.created_at, id: first[1]!.episode_id };
        expect(ids(await store.episodes.list({ client_id: a.client.client_id, after, limit: 10 }))).toEqual(['e3', 'e2']);
        expect(ids(await store.episodes.list({ client_id: a.client.client_id, order: 'desc', limit: 2 }))).toEqual(['e2', 'e3']);
        expect(ids(await store.episodes.list({ order: 'desc', after: { created_at: iso(T0), id: 'e3' } }))).toEqual(['e1', 'e0']);
        expect(ids(await store.episodes.list({ platform_account_id: b.account.platform_account_id }))).toEqual(['eb']);
        await expect(store.episodes.create({ ...ep('bad', T0), kind: '' })).rejects.toThrow(/invalid Episode: kind/);
      });

      test('should keep escalations open in creation order until resolved', async ({ store }) => {
        const esc = (id: string, t: number) => ({ escalation_id: id, action_id: `act-${id}`, platform_account_id: 'acct', reason: 'unknown after 5 looks', created_at: iso(t), resolved_at: null, resolved_by: null });
        await store.escalations.create(esc('z', T0));
        await store.escalations.create(esc('a', T0));
        await store.escalations.create(esc('early', T0 - MIN));
        expect((await store.escalations.open()).map((e) => e.escalation_id)).toEqual(['early', 'z', 'a']);
        await store.escalations.resolve('z', 'ops@agency');
        await store.escalations.resolve('z', 'someone-else');
        await store.escalations.resolve('nope', 'ops');
        expect(await store.escalations.open()).toEqual([esc('early', T0 - MIN), esc('a', T0)]);
        await expect(store.escalations.create(esc('', T0))).rejects.toThrow(/invalid Escalation: escalation_id/);
      });

      test('should register owners, stamp heartbeats and remove them', async ({ store }) => {
        const owner = { owner_id: 'host-1:42', host: 'host-1', pid: 42, started_at: iso(T0), heartbeat_at: iso(T0) };
        expect(await store.owners.register(owner)).toEqual(owner);
        await store.owners.register({ ...owner, started_at: iso(T0 + MIN), heartbeat_at: iso(T0 + MIN) });
        expect(await store.owners.get(owner.owner_id)).toEqual({ ...owner, heartbeat_at: iso(T0 + MIN) });
        await store.owners.heartbeat(owner.owner_id, new Date(T0 + 2 * MIN));
        expect((await store.owners.get(owner.owner_id))!.heartbeat_at).toBe(iso(T0 + 2 * MIN));
        await store.owners.remove(owner.owner_id);
        expect(await store.owners.get(owner.owner_id)).toBeNull();
        await expect(store.owners.register({ ...owner, pid: -1 })).rejects.toThrow(/invalid Owner: pid/);
      });
    });

    test.describe('actions', () => {
      test('should create an action with its episode and first audit event, and read it back as written', async ({ store }) => {
        const { account } = await tenant(store);
        const action = newAction(account, { due_at: iso(T0 + HOUR), window_end_at: iso(T0 + 2 * HOUR), result: { lane_refs: { container: 'c1' } }, absence: [{ at: iso(T0), surface: 'grid', precise: true }] });
        expect(await store.actions.create(action, ev(action, null, 'queued'), episodeOf(action))).toEqual(action);
        expect(await store.actions.get(action.action_id)).toEqual(action);
        expect(await store.episodes.get(action.episode_id)).toEqual(episodeOf(action));
        const [first] = await store.audit.forAction(action.action_id);
        expect(first).toMatchObject({ seq: 1, prev_hash: GENESIS_HASH, event: { transition: { from: null, to: 'queued' } } });
        expect(await store.actions.get('nope')).toBeNull();
        // A second action of the same episode: the episode is there already.
        const sibling = newAction(account, { episode_id: action.episode_id });
        await store.actions.create(sibling, ev(sibling, null, 'queued'), episodeOf(sibling));
        expect(await store.audit.count()).toBe(2);
        // An invalid first event writes nothing.
        const bad = newAction(account);
        await expect(store.actions.create(bad, { ...ev(bad, null, 'queued'), lane: 'carrier-pigeon' as never }, episodeOf(bad))).rejects.toThrow(RecordInvalidError);
        expect(await store.actions.get(bad.action_id)).toBeNull();
        expect(await store.episodes.get(bad.episode_id)).toBeNull();
        expect(await store.audit.count()).toBe(2);
      });

      test('should list actions by every filter, in creation order either way, with a cursor', async ({ store }) => {
        const a = await tenant(store);
        const b = await tenant(store);
        const x1 = await createAction(store, a.account, { action_id: 'x1', created_at: iso(T0) });
        const x0 = await createAction(store, a.account, { action_id: 'x0', created_at: iso(T0), lane: 'browser', action_type: 'like', due_at: iso(T0 + 2 * HOUR) });
        const x2 = await createAction(store, a.account, { action_id: 'x2', created_at: iso(T0 + MIN), episode_id: x1.episode_id });
        const y = await createAction(store, b.account, { action_id: 'y', created_at: iso(T0 - MIN) });
        await store.actions.transition(move(x2, 'queued', 'blocked'));
        const ids = (list: Action[]) => list.map((x) => x.action_id);
        expect(ids(await store.actions.list())).toEqual(['y', 'x0', 'x1', 'x2']);
        expect(ids(await store.actions.list({ order: 'desc' }))).toEqual(['x2', 'x1', 'x0', 'y']);
        expect(ids(await store.actions.list({ state: 'queued' }))).toEqual(['y', 'x0', 'x1']);
        expect(ids(await store.actions.list({ client_id: a.client.client_id }))).toEqual(['x0', 'x1', 'x2']);
        expect(ids(await store.actions.list({ platform_account_id: b.account.platform_account_id }))).toEqual(['y']);
        expect(ids(await store.actions.list({ episode_id: x1.episode_id }))).toEqual(['x1', 'x2']);
        expect(ids(await store.actions.list({ action_type: 'like' }))).toEqual(['x0']);
        expect(ids(await store.actions.list({ lane: 'api', client_id: a.client.client_id }))).toEqual(['x1', 'x2']);
        expect(ids(await store.actions.list({ due_from: iso(T0), due_to: iso(T0 + HOUR) }))).toEqual(['x1', 'x2']);
        expect(ids(await store.actions.list({ due_from: iso(T0 + HOUR) }))).toEqual(['x0']);
        expect(ids(await store.actions.list({ limit: 2 }))).toEqual(['y', 'x0']);
        expect(ids(await store.actions.list({ after: { created_at: x0.created_at, id: 'x0' } }))).toEqual(['x1', 'x2']);
        expect(ids(await store.actions.list({ order: 'desc', after: { created_at: x1.created_at, id: 'x1' } }))).toEqual(['x0', 'y']);
        expect((await store.actions.list({ state: 'blocked' }))[0]).toMatchObject({ ...x2, state: 'blocked', updated_at: iso(T0 + MIN) });
        expect(y.client_id).toBe(b.client.client_id);
      });

      test('should move an action by compare-and-set with its audit event, and write nothing when the state or fence moved on', async ({ store }) => {
        const { account } = await tenant(store);
        const action = await createAction(store, account);
        const lease = iso(T0 + 5 * MIN);
        const moved = await store.actions.transition(move(action, 'queued', 'preflight_passed', { patch: { owner_id: 'host-1', fence: 1, lease_expires_at: lease, policy_snapshot_id: 'p1' } }));
        expect(moved.action).toEqual({ ...action, state: 'preflight_passed', owner_id: 'host-1', fence: 1, lease_expires_at: lease, policy_snapshot_id: 'p1', updated_at: iso(T0 + MIN) });
        expect(await store.actions.get(action.action_id)).toEqual(moved.action);
        const [first] = await store.audit.forAction(action.action_id);
        expect(moved.audit).toMatchObject({ seq: 2, prev_hash: first!.hash, event: { transition: { from: 'queued', to: 'preflight_passed' } } });

        const stale = store.actions.transition(move(action, 'queued', 'blocked'));
        await expect(stale).rejects.toThrow(StaleStateError);
        await expect(stale).rejects.toMatchObject({ code: 'stale_state', expected: 'queued', actual: 'preflight_passed' });
        const fenced = store.actions.transition(move(action, 'preflight_passed', 'identity_verified', { fence: 0 }));
        await expect(fenced).rejects.toThrow(FencedError);
        await expect(fenced).rejects.toMatchObject({ code: 'fenced', held: 0, current: 1 });
        await expect(store.actions.transition(move({ ...action, action_id: 'missing' }, 'queued', 'blocked'))).rejects.toMatchObject({ code: 'stale_state', actual: null });
        await expect(store.actions.transition({ ...move(action, 'preflight_passed', 'identity_verified', { fence: 1 }), event: { ...ev(action, 'preflight_passed', 'identity_verified'), reason: 'x'.repeat(501) } }))
          .rejects.toThrow(/invalid AuditEvent: reason/);
        expect(await store.actions.get(action.action_id)).toEqual(moved.action);
        expect(await store.audit.count()).toBe(2);

        // With the caller's copy: the answer is that copy plus the patch, durable on request.
        const verified = await store.actions.transition(move(moved.action, 'preflight_passed', 'identity_verified', { fence: 1, base: moved.action, patch: { attempt_count: 1 }, durable: true }));
        expect(verified.action).toEqual({ ...moved.action, state: 'identity_verified', attempt_count: 1, updated_at: iso(T0 + MIN) });
        expect(await store.actions.get(action.action_id)).toEqual(verified.action);
        // A copy of another state is not trusted: the row is read back.
        const reread = await store.actions.transition(move(moved.action, 'identity_verified', 'attempted', { base: moved.action, patch: { attempt_ended_at: iso(T0 + 2 * MIN) } }));
        expect(reread.action).toEqual(await store.actions.get(action.action_id));
        expect(reread.action).toMatchObject({ state: 'attempted', attempt_count: 1, attempt_ended_at: iso(T0 + 2 * MIN) });
        checkChain(await allRows(store));
      });

      test('should mirror an outcome in the idempotency ledger in the same transaction', async ({ store }) => {
        const { account } = await tenant(store);
        const action = await createAction(store, account);
        expect((await store.ledger.claim({ key: action.idempotency_key, payload_hash: action.payload_hash, action_id: action.action_id })).won).toBe(true);
        const result = { platform_object_id: 'media-1', permalink: 'https://instagram.test/p/1', verification_level: 2 };
        await store.actions.transition(move(action, 'queued', 'confirmed_success', { patch: { result }, ledger: { key: action.idempotency_key, status: 'succeeded', result } }));
        expect(await store.ledger.get(action.idempotency_key)).toMatchObject({ status: 'succeeded', result, action_id: action.action_id, updated_at: iso(T0 + MIN) });
        expect((await store.actions.get(action.action_id))!.result).toEqual(result);
        // A mirror names the action: another action's write leaves the entry alone.
        const other = await createAction(store, account);
        await store.actions.transition(move(other, 'queued', 'confirmed_failed', { ledger: { key: action.idempotency_key, status: 'failed', result: { error_code: 'x' } } }));
        expect((await store.ledger.get(action.idempotency_key))!.status).toBe('succeeded');
      });

      test('should reserve a budget use with a transition and write nothing when the budget refuses', async ({ store }) => {
        const { account } = await tenant(store);
        await store.budgets.set({ platform_account_id: account.platform_account_id, action_type: 'publish', per_hour: 1, per_day: null, min_spacing_ms: 0 });
        const [a, b] = [await createAction(store, account), await createAction(store, account)];
        const reserve = { platform_account_id: account.platform_account_id, action_type: 'publish', at: new Date(T0) };
        await store.actions.transition(move(a, 'queued', 'preflight_passed', { reserve }));
        const refused = store.actions.transition(move(b, 'queued', 'preflight_passed', { reserve: { ...reserve, at: new Date(T0 + MIN) } }));
        await expect(refused).rejects.toThrow(BudgetRefusedError);
        await expect(refused).rejects.toMatchObject({ code: 'budget_refused', rule: 'per_hour', retryAt: iso(T0 + HOUR + 1) });
        expect((await store.actions.get(b.action_id))!.state).toBe('queued');
        expect(await store.budgets.uses(account.platform_account_id, new Date(T0 - HOUR), new Date(T0 + HOUR))).toEqual([{ action_type: 'publish', action_id: a.action_id, at: iso(T0) }]);
        expect(await store.audit.count()).toBe(3);
        // A stale transition gives its reservation back with everything else.
        await store.budgets.release(a.action_id);
        await expect(store.actions.transition(move(b, 'attempted', 'unknown', { reserve }))).rejects.toThrow(StaleStateError);
        expect(await store.budgets.uses(account.platform_account_id, new Date(T0 - HOUR), new Date(T0 + HOUR))).toEqual([]);
      });

      test('should collapse consecutive moves in transitionMany, keep an event for each, and roll everything back on a stale one', async ({ store }) => {
        const { account } = await tenant(store);
        const [a, b, c] = [await createAction(store, account), await createAction(store, account), await createAction(store, account)];
        const done = await store.actions.transitionMany([
          move(a, 'queued', 'preflight_passed', { patch: { owner_id: 'h1' } }),
          move(a, 'preflight_passed', 'identity_verified', { patch: { attempt_count: 1 } }),
          move(b, 'queued', 'blocked'),
        ]);
        expect(done.action).toMatchObject({ action_id: b.action_id, state: 'blocked' });
        expect(done.audit.map((r) => [r.seq, r.event.action_id, r.event.transition.to])).toEqual([
          [4, a.action_id, 'preflight_passed'], [5, a.action_id, 'identity_verified'], [6, b.action_id, 'blocked'],
        ]);
        expect(await store.actions.get(a.action_id)).toMatchObject({ state: 'identity_verified', owner_id: 'h1', attempt_count: 1 });
        await expect(store.actions.transitionMany([move(c, 'queued', 'blocked'), move(b, 'queued', 'blocked')])).rejects.toThrow(StaleStateError);
        expect((await store.actions.get(c.action_id))!.state).toBe('queued');
        expect(await store.audit.count()).toBe(6);
        await expect(store.actions.transitionMany([])).rejects.toThrow(/at least one write/);
        checkChain(await allRows(store));
      });

      test('should note a change without a state change, only in the state named', async ({ store }) => {
        const { account } = await tenant(store);
        const action = await createAction(store, account);
        const noted = await store.actions.note({ action_id: action.action_id, state: 'queued', patch: { verify_tries: 1, not_before: iso(T0 + HOUR) }, event: ev(action, 'queued', 'queued', T0 + MIN) });
        expect(noted.action).toEqual({ ...action, verify_tries: 1, not_before: iso(T0 + HOUR), updated_at: iso(T0 + MIN) });
        expect(noted.audit).toMatchObject({ seq: 2, event: { transition: { from: 'queued', to: 'queued' } } });
        await expect(store.actions.note({ action_id: action.action_id, state: 'attempted', patch: {}, event: ev(action, 'attempted', 'attempted') })).rejects.toThrow(StaleStateError);
        await expect(store.actions.note({ action_id: action.action_id, state: 'queued', fence: 3, patch: {}, event: ev(action, 'queued', 'queued') })).rejects.toThrow(FencedError);
        // A queued action's content edited: the three change together.
        const payload = { caption: 'Edited' };
        const edited = await store.actions.note({ action_id: action.action_id, state: 'queued', patch: { payload, payload_hash: payloadHash(payload), idempotency_key: 'ik1_edited' }, event: ev(action, 'queued', 'queued') });
        expect(await store.actions.get(action.action_id)).toEqual(edited.action);
        expect(edited.action).toMatchObject({ payload, payload_hash: payloadHash(payload), idempotency_key: 'ik1_edited' });
      });

      test('should read the gate in one go: state, owner, fence, account state and the covering kill switch', async ({ store }) => {
        const { client, account } = await tenant(store);
        const action = await createAction(store, account);
        const auto = await createAction(store, account, { created_by: AUTO_SEND_AUTHOR, action_type: 'dm_send' });
        expect(await store.actions.gate(action.action_id)).toEqual({
          state: 'queued', owner_id: null, fence: 0, platform_account_id: account.platform_account_id, account_state: 'active', account_reason: null, kill: null,
        });
        await store.actions.transition(move(action, 'queued', 'preflight_passed', { patch: { owner_id: 'h1', fence: 2 } }));
        await store.accounts.setState(account.platform_account_id, 'read_only', 'captcha');
        const stop = await store.killSwitches.set({ scope: 'dm_auto_send', scope_id: '*', engaged: true, reason: 'review all', set_by: 'ops' });
        expect(await store.actions.gate(action.action_id)).toEqual({
          state: 'preflight_passed', owner_id: 'h1', fence: 2, platform_account_id: account.platform_account_id, account_state: 'read_only', account_reason: 'captcha', kill: null,
        });
        expect((await store.actions.gate(auto.action_id))!.kill).toEqual(stop);
        const clientKill = await store.killSwitches.set({ scope: 'client', scope_id: client.client_id, engaged: true, reason: 'paused', set_by: 'ops' });
        expect((await store.actions.gate(action.action_id))!.kill).toEqual(clientKill);
        expect((await store.actions.gate(auto.action_id))!.kill).toEqual(clientKill);
        expect(await store.actions.gate('nope')).toBeNull();
      });

      test('should list due accounts and their due actions: scheduled and deferred ones only once their time has come', async ({ store }) => {
        const one = await tenant(store);
        const two = await tenant(store, { account: { platform: 'x' } });
        const a = await createAction(store, one.account, { action_id: 'a' });
        const b = await createAction(store, one.account, { action_id: 'b', due_at: iso(T0 + 10 * MIN) });
        const c = await createAction(store, one.account, { action_id: 'c', created_at: iso(T0 - MIN), not_before: iso(T0 + 5 * MIN) });
        await createAction(store, two.account, { action_id: 'd', due_at: iso(T0 - MIN) });
        const done = await createAction(store, one.account, { action_id: 'e', created_at: iso(T0 - HOUR) });
        await store.actions.transition(move(done, 'queued', 'blocked'));
        expect(await store.actions.dueAccounts(new Date(T0), 10)).toEqual([
          { platform_account_id: two.account.platform_account_id, platform: 'x', next_due_at: iso(T0 - MIN) },
          { platform_account_id: one.account.platform_account_id, platform: 'instagram', next_due_at: iso(T0) },
        ]);
        expect(await store.actions.dueAccounts(new Date(T0), 1)).toHaveLength(1);
        // An action with no due time is due whenever asked.
        expect(await store.actions.dueAccounts(new Date(T0 - 2 * HOUR), 10)).toEqual([{ platform_account_id: one.account.platform_account_id, platform: 'instagram', next_due_at: iso(T0) }]);
        const ids = (list: Action[]) => list.map((x) => x.action_id);
        expect(ids(await store.actions.dueFor(one.account.platform_account_id, new Date(T0), 10))).toEqual(['a']);
        expect(ids(await store.actions.dueFor(one.account.platform_account_id, new Date(T0 + 6 * MIN), 10))).toEqual(['c', 'a']);
        expect(await store.actions.dueFor(one.account.platform_account_id, new Date(T0 + 11 * MIN), 10)).toEqual([c, a, b]);
        expect(ids(await store.actions.dueFor(one.account.platform_account_id, new Date(T0 + 11 * MIN), 2))).toEqual(['c', 'a']);
      });

      test('should count approvals of the content as it is now', async ({ store }) => {
        const { account } = await tenant(store);
        const action = await createAction(store, account);
        await store.actions.addApproval(action.action_id, 'rita@agency');
        await store.actions.addApproval(action.action_id, 'bob@agency');
        await store.actions.addApproval('missing', 'bob@agency');
        expect(new Set(await store.actions.approvals(action.action_id))).toEqual(new Set(['rita@agency', 'bob@agency']));
        const records = await store.actions.approvalRecords(action.action_id);
        expect(records.map((r) => r.approver).sort()).toEqual(['bob@agency', 'rita@agency']);
        expect(records.every((r) => !Number.isNaN(Date.parse(r.approved_at)))).toBe(true);
        const payload = { caption: 'Edited after approval' };
        await store.actions.note({ action_id: action.action_id, state: 'queued', patch: { payload, payload_hash: payloadHash(payload), idempotency_key: 'ik1_e' }, event: ev(action, 'queued', 'queued') });
        expect(await store.actions.approvals(action.action_id)).toEqual([]);
        await store.actions.addApproval(action.action_id, 'bob@agency');
        expect(await store.actions.approvals(action.action_id)).toEqual(['bob@agency']);
        expect(await store.actions.approvals('missing')).toEqual([]);
      });

      test('should find proof refs through the audit trail, a client only its own', async ({ store }) => {
        const a = await tenant(store);
        const b = await tenant(store);
        const shot = sha('screenshot');
        const dom = sha('dom');
        const action = await createAction(store, a.account);
        await store.actions.transition({ ...move(action, 'queued', 'preflight_passed'), event: { ...ev(action, 'queued', 'preflight_passed'), proof: { screenshots: [`proofs/${shot.slice(0, 2)}/${shot}.png`], artifact_refs: [`proofs/${dom}.html`, `proofs/x${dom}.html`], dom_hash: dom } } });
        const other = await createAction(store, b.account);
        await store.actions.transition({ ...move(other, 'queued', 'blocked'), event: { ...ev(other, 'queued', 'blocked'), proof: { screenshots: [`proofs/${shot}.png`], artifact_refs: [] } } });
        expect(await store.actions.proofRefs(shot)).toEqual([
          { seq: 4, action_id: other.action_id, client_id: b.client.client_id, episode_id: other.episode_id, ref: `proofs/${shot}.png`, list: 'screenshots' },
          { seq: 2, action_id: action.action_id, client_id: a.client.client_id, episode_id: action.episode_id, ref: `proofs/${shot.slice(0, 2)}/${shot}.png`, list: 'screenshots' },
        ]);
        expect((await store.actions.proofRefs(shot, { client_id: a.client.client_id })).map((r) => r.seq)).toEqual([2]);
        expect((await store.actions.proofRefs(shot, { limit: 1 })).map((r) => r.seq)).toEqual([4]);
        expect(await store.actions.proofRefs(dom)).toEqual([{ seq: 2, action_id: action.action_id, client_id: a.client.client_id, episode_id: action.episode_id, ref: `proofs/${dom}.html`, list: 'artifact_refs' }]);
        expect(await store.actions.proofRefs('not-a-sha')).toEqual([]);
      });

      test('should count actions per lane and bucket for the progress line', async ({ store }) => {
        const { account } = await tenant(store);
        const held = await tenant(store);
        const now = T0;
        await createAction(store, account, { due_at: iso(now + HOUR) });
        await createAction(store, account);
        await createAction(store, account, { not_before: iso(now + MIN) });
        await createAction(store, held.account, { lane: 'browser' });
        await store.accounts.setState(held.account.platform_account_id, 'needs_human', 'identity');
        const killed = await tenant(store);
        await createAction(store, killed.account, { lane: 'browser' });
        await store.killSwitches.set({ scope: 'client', scope_id: killed.client.client_id, engaged: true, reason: null, set_by: 'ops' });
        const states: [ActionState, Partial<Action>][] = [
          ['preflight_passed', {}], ['attempted', {}], ['unknown', {}], ['blocked', {}], ['confirmed_failed', {}],
          ['postcheck_complete', { result: { platform_object_id: 'm1' } }], ['postcheck_complete', { result: { error_code: 'refused' } }],
        ];
        for (const [state, patch] of states) {
          const x = await createAction(store, account, { lane: 'hybrid' });
          await store.actions.transition(move(x, 'queued', state, { patch }));
        }
        expect(await store.actions.progress(new Date(now))).toEqual([
          { lane: 'api', bucket: 'due', n: 1 }, { lane: 'api', bucket: 'held', n: 1 }, { lane: 'api', bucket: 'scheduled', n: 1 },
          { lane: 'browser', bucket: 'held', n: 2 },
          { lane: 'hybrid', bucket: 'blocked', n: 1 }, { lane: 'hybrid', bucket: 'done', n: 1 }, { lane: 'hybrid', bucket: 'failed', n: 2 },
          { lane: 'hybrid', bucket: 'running', n: 2 }, { lane: 'hybrid', bucket: 'unknown', n: 1 },
        ]);
      });
    });

    test.describe('idempotency ledger and budgets', () => {
      test('should let the first claim of a key win, hand the others the entry, and let a failed key be taken over with the same payload only', async ({ store }) => {
        const { account } = await tenant(store);
        const first = await createAction(store, account);
        const hash = first.payload_hash;
        const won = await store.ledger.claim({ key: 'k1', payload_hash: hash, action_id: first.action_id });
        expect(won).toEqual({ won: true, entry: { key: 'k1', payload_hash: hash, action_id: first.action_id, status: 'in_flight', result: {}, created_at: expect.any(String), updated_at: expect.any(String) } });
        expect(await store.ledger.get('k1')).toEqual(won.entry);
        expect(await store.ledger.claim({ key: 'k1', payload_hash: hash, action_id: 'second' })).toEqual({ won: false, entry: won.entry });
        await store.actions.transition(move(first, 'queued', 'confirmed_failed', { ledger: { key: 'k1', status: 'failed', result: { error_code: 'refused' } } }));
        const failed = (await store.ledger.get('k1'))!;
        expect(failed).toMatchObject({ status: 'failed', result: { error_code: 'refused' } });
        expect(await store.ledger.claim({ key: 'k1', payload_hash: sha('other content'), action_id: 'third' })).toEqual({ won: false, entry: failed });
        const retaken = await store.ledger.claim({ key: 'k1', payload_hash: hash, action_id: 'fourth' });
        expect(retaken).toMatchObject({ won: true, entry: { action_id: 'fourth', status: 'in_flight', result: {}, created_at: failed.created_at } });
        expect(await store.ledger.get('nope')).toBeNull();
      });

      test('should let a fenced claim through only for the action\'s current run on its way to an attempt (a run taken over claims nothing)', async ({ store }) => {
        const { account } = await tenant(store);
        // Run A reached its claim; meanwhile a recoverer took the action over (fence 1) and released it.
        const stale = await createAction(store, account, { idempotency_key: 'fenced-k1' });
        await store.actions.transition(move(stale, 'queued', 'preflight_passed', { patch: { owner_id: 'run-a' } }));
        await store.actions.transition(move(stale, 'preflight_passed', 'blocked', { patch: { owner_id: 'recoverer', fence: 1 }, fence: 0 }));
        const claim = { key: 'fenced-k1', payload_hash: stale.payload_hash, action_id: stale.action_id };
        await expect(store.ledger.claim({ ...claim, fence: 0 })).rejects.toBeInstanceOf(FencedError);
        // The fence alone does not do: the action must still be on its way to an attempt.
        await expect(store.ledger.claim({ ...claim, fence: 1 })).rejects.toBeInstanceOf(FencedError);
        expect(await store.ledger.get('fenced-k1')).toBeNull();
        // The request queued again in its place claims the key.
        const again = await createAction(store, account, { idempotency_key: 'fenced-k1' });
        await store.actions.transition(move(again, 'queued', 'preflight_passed'));
        const won = await store.ledger.claim({ key: 'fenced-k1', payload_hash: again.payload_hash, action_id: again.action_id, fence: 0 });
        expect(won).toMatchObject({ won: true, entry: { action_id: again.action_id, status: 'in_flight' } });
        // A current run whose key is taken gets the entry, as an unfenced claim does.
        const third = await createAction(store, account, { idempotency_key: 'fenced-k1' });
        await store.actions.transition(move(third, 'queued', 'preflight_passed'));
        expect(await store.ledger.claim({ key: 'fenced-k1', payload_hash: third.payload_hash, action_id: third.action_id, fence: 0 })).toEqual({ won: false, entry: won.entry });
      });

      test('should check per-hour, per-day and spacing budgets, for one type or all, and give a released use back', async ({ store }) => {
        const { account } = await tenant(store);
        const id = account.platform_account_id;
        await store.budgets.set({ platform_account_id: id, action_type: 'publish', per_hour: 2, per_day: null, min_spacing_ms: MIN });
        await store.budgets.set({ platform_account_id: id, action_type: '*', per_hour: null, per_day: 3, min_spacing_ms: 0 });
        expect((await store.budgets.list(id)).map((b) => b.action_type)).toEqual(['*', 'publish']);
        const reserve = (action_id: string, action_type: string, at: number) => store.budgets.reserve({ platform_account_id: id, action_type, action_id, at: new Date(at) });
        expect(await reserve('p1', 'publish', T0)).toEqual({ ok: true });
        expect(await reserve('p2', 'publish', T0 + 30_000)).toEqual({ ok: false, rule: 'min_spacing', retry_at: iso(T0 + MIN) });
        expect(await reserve('p2', 'publish', T0 + 61_000)).toEqual({ ok: true });
        expect(await reserve('p3', 'publish', T0 + 2 * MIN)).toEqual({ ok: false, rule: 'min_spacing', retry_at: iso(T0 + 121_000) });
        expect(await reserve('p3', 'publish', T0 + 3 * MIN)).toEqual({ ok: false, rule: 'per_hour', retry_at: iso(T0 + HOUR + 1) });
        expect(await reserve('l1', 'like', T0 + 2 * MIN)).toEqual({ ok: true });
        expect(await reserve('l2', 'like', T0 + 3 * MIN)).toEqual({ ok: false, rule: 'per_day', retry_at: iso(T0 + 24 * HOUR + 1) });
        // The same action again: its use is there already, nothing doubles.
        expect(await reserve('l1', 'like', T0 + 2 * MIN)).toEqual({ ok: false, rule: 'per_day', retry_at: iso(T0 + 24 * HOUR + 1) });
        expect(await store.budgets.uses(id, new Date(T0), new Date(T0 + HOUR))).toEqual([
          { action_type: 'publish', action_id: 'p1', at: iso(T0) }, { action_type: 'publish', action_id: 'p2', at: iso(T0 + 61_000) },
          { action_type: 'like', action_id: 'l1', at: iso(T0 + 2 * MIN) },
        ]);
        expect(await store.budgets.uses(id, new Date(T0 + 61_000), new Date(T0 + 2 * MIN))).toHaveLength(1);
        await store.budgets.release('l1');
        expect(await reserve('l2', 'like', T0 + 3 * MIN)).toEqual({ ok: true });
        const replaced = await store.budgets.replace(id, [{ platform_account_id: 'ignored', action_type: 'like', per_hour: 0, per_day: null, min_spacing_ms: 0 }]);
        expect(replaced).toEqual([{ platform_account_id: id, action_type: 'like', per_hour: 0, per_day: null, min_spacing_ms: 0 }]);
        expect(await reserve('l3', 'like', T0 + 4 * MIN)).toMatchObject({ ok: false, rule: 'per_hour' });
        expect(await reserve('p3', 'publish', T0 + 4 * MIN)).toEqual({ ok: true });
        expect(await store.budgets.replace(id, [])).toEqual([]);
        await expect(store.budgets.set({ platform_account_id: 'a', action_type: 'publish', per_hour: -1, per_day: null, min_spacing_ms: 0 })).rejects.toThrow(/per_hour/);
      });
    });

    test.describe('audit log', () => {
      test('should append to one chain, page it by tenant and either way, and scan it raw', async ({ store }) => {
        expect(await store.audit.head()).toBeNull();
        expect(await store.audit.count()).toBe(0);
        const a = await tenant(store);
        const b = await tenant(store);
        const a1 = await createAction(store, a.account);
        const b1 = await createAction(store, b.account);
        const a2 = await createAction(store, a.account, { episode_id: a1.episode_id });
        await store.actions.transition(move(a1, 'queued', 'blocked'));
        const extra = await store.audit.append(ev(b1, 'queued', 'queued', T0 + 2 * MIN));
        expect(extra).toMatchObject({ seq: 5, event: { action_id: b1.action_id, transition: { from: 'queued', to: 'queued' } } });
        const rows = await allRows(store);
        checkChain(rows);
        expect(await store.audit.head()).toEqual({ seq: 5, hash: rows[4]!.hash });
        expect(await store.audit.count()).toBe(5);
        expect(await store.audit.scan(3, 10)).toEqual(rows.slice(3));
        expect(await store.audit.scan(0, 2)).toEqual(rows.slice(0, 2));
        expect(JSON.parse(rows[4]!.event_json)).toEqual(extra.event);
        const seqs = (list: { seq: number }[]) => list.map((r) => r.seq);
        expect(seqs(await store.audit.page({ limit: 10 }))).toEqual([1, 2, 3, 4, 5]);
        expect(seqs(await store.audit.page({ limit: 2, order: 'desc' }))).toEqual([5, 4]);
        expect(seqs(await store.audit.page({ limit: 10, order: 'desc', after_seq: 4 }))).toEqual([3, 2, 1]);
        expect(seqs(await store.audit.page({ limit: 10, after_seq: 3 }))).toEqual([4, 5]);
        expect(seqs(await store.audit.page({ client_id: a.client.client_id, limit: 10 }))).toEqual([1, 3, 4]);
        expect(seqs(await store.audit.page({ platform_account_id: b.account.platform_account_id, limit: 10 }))).toEqual([2, 5]);
        expect(seqs(await store.audit.page({ episode_id: a1.episode_id, limit: 10, order: 'desc' }))).toEqual([4, 3, 1]);
        expect(seqs(await store.audit.page({ action_id: a2.action_id, limit: 10 }))).toEqual([3]);
        expect(await store.audit.page({ client_id: 'nobody', limit: 10 })).toEqual([]);
        expect(seqs(await store.audit.forAction(a1.action_id))).toEqual([1, 4]);
        expect((await store.audit.page({ action_id: b1.action_id, limit: 1 }))[0]).toEqual({ seq: 2, event: JSON.parse(rows[1]!.event_json), prev_hash: rows[0]!.hash, hash: rows[1]!.hash });
        expect(await verifyAuditChain(store)).toMatchObject({ ok: true, count: 5 });
        await expect(store.audit.append({ ...ev(a1, 'blocked', 'blocked'), request: { ...ev(a1, 'blocked', 'blocked').request, safe_payload_hash: 'not-a-hash' } })).rejects.toThrow(RecordInvalidError);
        await expect(store.audit.append({ ...ev(a1, 'blocked', 'blocked'), raw_text: 'hello' } as never)).rejects.toThrow(/invalid AuditEvent/);
        // An event id already in the chain.
        await expect(store.audit.append(JSON.parse(rows[0]!.event_json) as AuditEvent)).rejects.toThrow();
        expect(await store.audit.count()).toBe(5);
      });

      test('should keep signed checkpoints in the order written and give the latest of the highest seq', async ({ store }) => {
        expect(await store.audit.latestCheckpoint()).toBeNull();
        expect(await store.audit.checkpoints()).toEqual([]);
        const c1 = checkpoint(2, sha('h2'), 1);
        const c2 = checkpoint(5, sha('h5'), 2);
        const c3 = checkpoint(5, sha('h5'), 3);
        const c0 = checkpoint(0, GENESIS_HASH, 4);
        for (const c of [c1, c2, c3, c0]) await store.audit.addCheckpoint(c);
        const rows = await store.audit.checkpoints();
        expect(rows.map(({ checkpoint_no: _n, ...c }) => c)).toEqual([c1, c2, c3, c0]);
        expect(rows.map((r) => r.checkpoint_no)).toEqual([...rows.map((r) => r.checkpoint_no)].sort((x, y) => x - y));
        expect(await store.audit.latestCheckpoint()).toEqual(c3);
        await expect(store.audit.addCheckpoint({ ...c1, sig: 'short' })).rejects.toThrow(/invalid AuditCheckpoint: sig/);
        await expect(store.audit.addCheckpoint({ ...c2, sig: c1.sig })).rejects.toThrow();
        // The time is signed as written, so it comes back byte for byte.
        const bare = { ...checkpoint(6, sha('h6'), 5), time: '2030-01-07T12:00:00Z' };
        await store.audit.addCheckpoint(bare);
        expect(await store.audit.latestCheckpoint()).toEqual(bare);
        expect(await store.audit.checkpoints()).toHaveLength(5);
      });

      test('should read the actions table page by page in id order for the cross-check', async ({ store }) => {
        const { account } = await tenant(store);
        for (const id of ['b', 'a', 'B', 'c-1', 'c']) await createAction(store, account, { action_id: id });
        expect(await store.audit.actionStates('', 2)).toEqual([{ action_id: 'B', state: 'queued' }, { action_id: 'a', state: 'queued' }]);
        expect((await store.audit.actionStates('a', 10)).map((r) => r.action_id)).toEqual(['b', 'c', 'c-1']);
      });
    });

    test.describe('runner leases', () => {
      test('should give a lease to one owner, renew it, take it over only once expired with a higher fence, and refuse the old holder', async ({ store }) => {
        const { account } = await tenant(store);
        const id = account.platform_account_id;
        const ttl = 30_000;
        const first = await store.leases.acquire(id, 'h1', ttl, new Date(T0));
        expect(first).toEqual({ platform_account_id: id, owner_id: 'h1', fence: 1, acquired_at: iso(T0), heartbeat_at: iso(T0), expires_at: iso(T0 + ttl) });
        expect(await store.leases.acquire(id, 'h1', ttl, new Date(T0 + 10_000))).toEqual({ ...first, heartbeat_at: iso(T0 + 10_000), expires_at: iso(T0 + 40_000) });
        expect(await store.leases.acquire(id, 'h2', ttl, new Date(T0 + 20_000))).toBeNull();
        expect(await store.leases.renew(id, 'h1', 1, ttl, new Date(T0 + 30_000))).toBe(true);
        expect(await store.leases.active(new Date(T0 + 59_000))).toEqual([{ ...first, heartbeat_at: iso(T0 + 30_000), expires_at: iso(T0 + 60_000) }]);
        const taken = await store.leases.acquire(id, 'h2', ttl, new Date(T0 + 60_000));
        expect(taken).toEqual({ platform_account_id: id, owner_id: 'h2', fence: 2, acquired_at: iso(T0 + 60_000), heartbeat_at: iso(T0 + 60_000), expires_at: iso(T0 + 90_000) });
        expect(await store.leases.renew(id, 'h1', 1, ttl, new Date(T0 + 61_000))).toBe(false);
        expect(await store.leases.release(id, 'h1', 1)).toBe(false);
        expect(await store.leases.release(id, 'h2', 1)).toBe(false);
        expect(await store.leases.renew(id, 'h2', 2, ttl, new Date(T0 + 70_000))).toBe(true);
        expect(await store.leases.release(id, 'h2', 2)).toBe(true);
        expect(await store.leases.release(id, 'h2', 2)).toBe(false);
        expect(await store.leases.get(id)).toMatchObject({ owner_id: 'h2', fence: 2, expires_at: '1970-01-01T00:00:00.000Z' });
        expect(await store.leases.active(new Date(T0 + 70_000))).toEqual([]);
        // The holder that released takes it again as a new holding: the fence still only grows.
        expect(await store.leases.acquire(id, 'h2', ttl, new Date(T0 + 71_000))).toMatchObject({ fence: 3, acquired_at: iso(T0 + 71_000) });
        expect(await store.leases.renew(id, 'h2', 3, ttl, new Date(T0 + 200_000))).toBe(false);
        expect(await store.leases.get('nope')).toBeNull();
        await expect(store.leases.acquire('no-such-account', 'h1', ttl, new Date(T0))).rejects.toThrow();
      });
    });

    test.describe('secrets, tokens and console sessions', () => {
      test('should put, replace, list and remove sealed secrets', async ({ store }) => {
        const a = await tenant(store);
        const b = await tenant(store, { account: { platform_account_id: '0-first' } });
        const secret = (accountId: string, kind: 'access_token' | 'refresh_token', n: number) => ({
          platform_account_id: accountId, kind, key_id: '0123456789abcdef', nonce: randomBytes(12).toString('base64'),
          ciphertext: randomBytes(24 + n).toString('base64'), expires_at: n % 2 ? iso(T0 + HOUR) : null, scopes: n % 2 ? ['publish', 'read'] : [], updated_at: iso(T0 + n),
        });
        const s1 = await store.secrets.put(secret(a.account.platform_account_id, 'refresh_token', 1));
        const s2 = await store.secrets.put(secret(a.account.platform_account_id, 'access_token', 2));
        const s3 = await store.secrets.put(secret(b.account.platform_account_id, 'access_token', 3));
        expect(await store.secrets.get(a.account.platform_account_id, 'refresh_token')).toEqual(s1);
        expect(await store.secrets.list()).toEqual([s3, s2, s1]);
        const replaced = await store.secrets.put(secret(a.account.platform_account_id, 'refresh_token', 4));
        expect(await store.secrets.get(a.account.platform_account_id, 'refresh_token')).toEqual(replaced);
        expect(await store.secrets.remove(a.account.platform_account_id, 'refresh_token')).toBe(true);
        expect(await store.secrets.remove(a.account.platform_account_id, 'refresh_token')).toBe(false);
        expect(await store.secrets.get(a.account.platform_account_id, 'refresh_token')).toBeNull();
        await expect(store.secrets.put({ ...s2, nonce: 'short' })).rejects.toThrow(/invalid SealedSecret: nonce/);
        await expect(store.secrets.put({ ...s2, platform_account_id: 'no-such-account' })).rejects.toThrow();
      });

      test('should find unrevoked tokens by hash, revoke them with their sessions, and keep only live sessions', async ({ store }) => {
        const { client } = await tenant(store);
        const token = (id: string, o: Record<string, unknown> = {}) => ({
          token_id: id, token_hash: sha(id), name: `token ${id}`, role: 'operator' as const, client_id: null, created_by: 'admin', created_at: iso(T0), last_used_at: null, revoked_at: null, ...o,
        });
        const t2 = await store.apiTokens.create(token('t2'));
        const t1 = await store.apiTokens.create(token('t1', { role: 'client_viewer', client_id: client.client_id }));
        await expect(store.apiTokens.create(token('t3', { role: 'client_viewer' }))).rejects.toThrow(/invalid ApiToken: client_id/);
        await expect(store.apiTokens.create(token('t4', { token_hash: sha('t2') }))).rejects.toThrow();
        expect(await store.apiTokens.list()).toEqual([t1, t2]);
        expect(await store.apiTokens.findByHash(sha('t1'))).toEqual(t1);
        expect(await store.apiTokens.get('t2')).toEqual(t2);
        expect(await store.apiTokens.get('nope')).toBeNull();
        await store.apiTokens.touch('t2', new Date(T0 + MIN));
        expect((await store.apiTokens.get('t2'))!.last_used_at).toBe(iso(T0 + MIN));
        const session = (n: string, token_id: string, created: number) => ({ session_hash: sha(n), token_id, created_at: iso(created), expires_at: iso(created + HOUR) });
        const s1 = await store.consoleSessions.create(session('s1', 't1', T0));
        const s2 = await store.consoleSessions.create(session('s2', 't2', T0 + 10 * MIN));
        expect(await store.consoleSessions.get(sha('s1'), new Date(T0 + 30 * MIN))).toEqual(s1);
        expect(await store.consoleSessions.get(sha('s1'), new Date(T0 + HOUR))).toBeNull();
        // A login after s1 expired sweeps it.
        await store.consoleSessions.create(session('s3', 't2', T0 + 2 * HOUR));
        expect(await store.consoleSessions.get(sha('s1'), new Date(T0))).toBeNull();
        expect(await store.consoleSessions.get(sha('s3'), new Date(T0 + 2 * HOUR))).toMatchObject({ token_id: 't2' });
        expect(await store.apiTokens.revoke('t2', new Date(T0 + 3 * HOUR))).toBe(true);
        expect(await store.apiTokens.revoke('t2', new Date(T0 + 4 * HOUR))).toBe(false);
        expect(await store.apiTokens.revoke('nope', new Date(T0))).toBe(false);
        expect(await store.apiTokens.findByHash(sha('t2'))).toBeNull();
        expect(await store.apiTokens.get('t2')).toMatchObject({ revoked_at: iso(T0 + 3 * HOUR) });
        expect(await store.consoleSessions.get(sha('s3'), new Date(T0 + 2 * HOUR))).toBeNull();
        expect(s2.token_id).toBe('t2');
        await store.consoleSessions.remove(sha('s3'));
        await expect(store.consoleSessions.create(session('s4', 'no-such-token', T0 + 3 * HOUR))).rejects.toThrow();
      });
    });

    test.describe('DM assistant', () => {
      const entry = (id: string, received: number): DmInboxEntry => ({
        delivery_id: id, received_at: iso(received), body_sha256: sha(id), body_ref: `dm/inbox/${id}.json`, state: 'pending', attempts: 0, last_error: null, processed_at: null, retry_at: null,
      });

      test('should offer pending and due failed deliveries oldest first, and count attempts', async ({ store }) => {
        for (const e of [entry('d2', T0), entry('d1', T0), entry('d0', T0 - MIN), entry('d3', T0 + MIN)]) await store.dmInbox.add(e);
        expect(await store.dmInbox.add({ ...entry('d1', T0), body_ref: 'again' })).toMatchObject({ body_ref: 'again' });
        expect(await store.dmInbox.get('d1')).toEqual(entry('d1', T0));
        expect(await store.dmInbox.get('nope')).toBeNull();
        const ids = (list: DmInboxEntry[]) => list.map((e) => e.delivery_id);
        expect(ids(await store.dmInbox.pending(10, 3, new Date(T0)))).toEqual(['d0', 'd1', 'd2', 'd3']);
        expect(await store.dmInbox.nextRetry(3)).toBeNull();
        await store.dmInbox.markDone('d0', new Date(T0 + MIN));
        await store.dmInbox.markFailed('d1', `boom ${'x'.repeat(600)}`, new Date(T0 + 5 * MIN));
        await store.dmInbox.markFailed('d2', 'again', new Date(T0 + 2 * MIN));
        expect(await store.dmInbox.get('d0')).toEqual({ ...entry('d0', T0 - MIN), state: 'done', attempts: 1, processed_at: iso(T0 + MIN) });
        expect(await store.dmInbox.get('d1')).toMatchObject({ state: 'failed', attempts: 1, retry_at: iso(T0 + 5 * MIN) });
        expect((await store.dmInbox.get('d1'))!.last_error).toHaveLength(500);
        expect(ids(await store.dmInbox.pending(10, 3, new Date(T0 + MIN)))).toEqual(['d3']);
        expect(ids(await store.dmInbox.pending(10, 3, new Date(T0 + 5 * MIN)))).toEqual(['d1', 'd2', 'd3']);
        expect(ids(await store.dmInbox.pending(1, 3, new Date(T0 + 5 * MIN)))).toEqual(['d1']);
        expect(await store.dmInbox.nextRetry(3)).toEqual(new Date(T0 + 2 * MIN));
        expect(ids(await store.dmInbox.pending(10, 1, new Date(T0 + 5 * MIN)))).toEqual(['d3']);
        expect(await store.dmInbox.nextRetry(1)).toBeNull();
        await expect(store.dmInbox.add({ ...entry('bad', T0), state: 'lost' as never })).rejects.toThrow(/invalid DmInboxEntry: state/);
      });

      test('should give each offered delivery to one claimant at a time, until its claim runs out or it is marked', async ({ store }) => {
        for (let i = 0; i < 30; i++) await store.dmInbox.add(entry(`c${String(i).padStart(2, '0')}`, T0 + i));
        const until = new Date(T0 + 2 * MIN);
        // Five processors claiming at once: every delivery to exactly one of them.
        const batches = await Promise.all(['h1', 'h2', 'h3', 'h4', 'h5'].map((owner) => store.dmInbox.claim(owner, 8, 3, new Date(T0 + MIN), until)));
        const claimed = batches.flat().map((e) => e.delivery_id);
        expect(claimed).toHaveLength(30);
        expect(new Set(claimed).size).toBe(30);
        for (const b of batches) expect(b.map((e) => e.received_at)).toEqual([...b.map((e) => e.received_at)].sort());
        // Held: nobody else gets them while the claims last, though the inbox still lists them as pending.
        expect(await store.dmInbox.claim('h6', 50, 3, new Date(T0 + MIN), until)).toEqual([]);
        expect(await store.dmInbox.pending(50, 3, new Date(T0 + MIN))).toHaveLength(30);
        // Marked done or failed: the claim ends with it; a failed one comes back after its backoff, to anyone.
        const [first, second] = batches[0]!;
        await store.dmInbox.markDone(first!.delivery_id, new Date(T0 + MIN));
        await store.dmInbox.markFailed(second!.delivery_id, 'boom', new Date(T0 + MIN + 1000));
        expect(await store.dmInbox.claim('h6', 50, 3, new Date(T0 + MIN + 500), until)).toEqual([]);
        expect((await store.dmInbox.claim('h6', 50, 3, new Date(T0 + MIN + 1000), until)).map((e) => e.delivery_id)).toEqual([second!.delivery_id]);
        // Claimants that died (h6 with the failed one among them): their deliveries go to another once their claims have run out.
        const afterExpiry = await store.dmInbox.claim('h7', 50, 3, until, new Date(until.getTime() + 2 * MIN));
        expect(afterExpiry).toHaveLength(29);
        expect(afterExpiry.map((e) => e.delivery_id)).not.toContain(first!.delivery_id);
        expect(await store.dmInbox.get(second!.delivery_id)).toMatchObject({ state: 'failed', attempts: 1 });
        expect(Object.keys((await store.dmInbox.get(afterExpiry[0]!.delivery_id))!).sort()).toEqual(Object.keys(entry('x', T0)).sort());
      });

      const dmEvent = (key: string, o: Partial<DmEvent> = {}): DmEvent => ({
        event_id: randomUUID(), dedupe_key: key, kind: 'message', ig_user_id: '1784', platform_account_id: 'acct', client_id: 'client', sender_id: 'sender-1',
        ref: `mid-${key}`, parent_ref: null, timestamp_ms: T0, text_sha256: sha(key), text_ref: `dm/text/${key}`, attachments: ['https://cdn.test/a.jpg'],
        delivery_id: 'd1', recorded_at: iso(T0), ...o,
      });

      test('should append DM events once per dedupe key and read a thread newest first', async ({ store }) => {
        const first = dmEvent('message:m1');
        expect(await store.dmEvents.append(first)).toEqual({ event: first, inserted: true });
        expect(await store.dmEvents.append({ ...first, event_id: randomUUID(), ref: 'replayed' })).toEqual({ event: first, inserted: false });
        const later = (await store.dmEvents.append(dmEvent('message:m2', { timestamp_ms: T0 + 1000, attachments: [] }))).event;
        const same = (await store.dmEvents.append(dmEvent('message:m3', { timestamp_ms: T0 + 1000 }))).event;
        await store.dmEvents.append(dmEvent('message:other', { sender_id: 'sender-2' }));
        expect(await store.dmEvents.get(first.event_id)).toEqual(first);
        expect(await store.dmEvents.byDedupeKey('message:m2')).toEqual(later);
        expect(await store.dmEvents.byDedupeKey('nope')).toBeNull();
        expect(await store.dmEvents.thread('acct', 'sender-1', 10)).toEqual([same, later, first]);
        expect(await store.dmEvents.thread('acct', 'sender-1', 1)).toEqual([same]);
        await expect(store.dmEvents.append(dmEvent('k', { kind: 'shout' as never }))).rejects.toThrow(/invalid DmEvent: kind/);
      });

      test('should keep one decision per event, queue them by urgency, and let one reviewer move each', async ({ store }) => {
        const { client, account } = await tenant(store);
        const decision = async (key: string, o: Partial<DmDecisionRow> = {}) => {
          const { event } = await store.dmEvents.append(dmEvent(key, { platform_account_id: account.platform_account_id, client_id: client.client_id }));
          const row: DmDecisionRow = {
            trace_id: randomUUID(), event_id: event.event_id, platform_account_id: account.platform_account_id, client_id: client.client_id, sender_id: 'sender-1',
            mid: `mid-${key}`, tier: 'normal', intent: 'book', language: 'es', panel_decision: 'approve', escalated: false, reason_codes: ['template:book'],
            template_id: 'book.v1', draft_text_sha256: sha(`d${key}`), final_text_sha256: sha(`f${key}`), draft_ref: `dm/drafts/${key}`, bundle_ref: `dm/bundles/${key}`,
            decided_at: iso(T0), review_state: 'pending', reviewed_by: null, reviewed_at: null, sent_text_sha256: null, edit_distance: null, action_id: null,
            sender_username: null, ...o,
          };
          return row;
        };
        const n1 = await decision('n1', { decided_at: iso(T0 + MIN), sender_username: 'ana.b' });
        const u1 = await decision('u1', { tier: 'urgent', decided_at: iso(T0 + 2 * MIN), escalated: true, reason_codes: ['risk:threat', 'tier:urgent'] });
        const h1 = await decision('h1', { tier: 'needs-human', language: 'und', decided_at: iso(T0 + 3 * MIN) });
        const n0 = await decision('n0', { decided_at: iso(T0) });
        for (const d of [n1, u1, h1, n0]) expect(await store.dmDecisions.add(d)).toEqual({ decision: d, inserted: true });
        expect(await store.dmDecisions.add({ ...n1, trace_id: randomUUID(), intent: 'price' })).toEqual({ decision: n1, inserted: false });
        expect(await store.dmDecisions.get(u1.trace_id)).toEqual(u1);
        expect(await store.dmDecisions.forEvent(h1.event_id)).toEqual(h1);
        expect(await store.dmDecisions.get(randomUUID())).toBeNull();
        const traces = (list: DmDecisionRow[]) => list.map((d) => d.trace_id);
        expect(traces(await store.dmDecisions.queue({ limit: 10 }))).toEqual(traces([u1, h1, n0, n1]));
        expect(traces(await store.dmDecisions.queue({ client_ids: [client.client_id], states: ['pending'], limit: 2 }))).toEqual(traces([u1, h1]));
        expect(await store.dmDecisions.queue({ client_ids: [], limit: 10 })).toEqual([]);
        expect(await store.dmDecisions.queue({ client_ids: ['other'], limit: 10 })).toEqual([]);
        expect(await store.dmDecisions.review(n1.trace_id, 'pending', { review_state: 'approved', reviewed_by: 'rita', reviewed_at: iso(T0 + HOUR), sent_text_sha256: sha('sent'), edit_distance: 3 })).toBe(true);
        expect(await store.dmDecisions.review(n1.trace_id, 'pending', { review_state: 'rejected', reviewed_by: 'bob' })).toBe(false);
        expect(await store.dmDecisions.get(n1.trace_id)).toEqual({ ...n1, review_state: 'approved', reviewed_by: 'rita', reviewed_at: iso(T0 + HOUR), sent_text_sha256: sha('sent'), edit_distance: 3 });
        expect(traces(await store.dmDecisions.queue({ states: ['approved', 'sent'], limit: 10 }))).toEqual([n1.trace_id]);
        await store.dmDecisions.review(n0.trace_id, 'pending', { review_state: 'rejected', reviewed_by: 'bob', reviewed_at: iso(T0 + 2 * HOUR) });
        await store.dmDecisions.review(u1.trace_id, 'pending', { review_state: 'approved', reviewed_by: 'system:auto-send', reviewed_at: iso(T0 + 3 * HOUR) });
        expect(traces(await store.dmDecisions.humanReviews(client.client_id, 'book', 10))).toEqual(traces([n0, n1]));
        expect(traces(await store.dmDecisions.humanReviews(client.client_id, 'book', 1))).toEqual(traces([n0]));
        expect(await store.dmDecisions.lastUsername(account.platform_account_id, 'sender-1')).toBe('ana.b');
        expect(await store.dmDecisions.lastUsername(account.platform_account_id, 'sender-2')).toBeNull();
        expect(await store.dmDecisions.lastLanguage(account.platform_account_id, 'sender-1')).toBe('es');
        await expect(store.dmDecisions.add({ ...n1, trace_id: randomUUID(), event_id: 'no-such-event' })).rejects.toThrow();
      });

      test('should find automatic replies stopped before they left: approved by the auto-sender, action blocked', async ({ store }) => {
        const { client, account } = await tenant(store);
        const make = async (key: string, blocked: boolean, reviewer: string, decidedAt: number) => {
          const action = await createAction(store, account, { created_by: AUTO_SEND_AUTHOR, action_type: 'dm_send' });
          if (blocked) await store.actions.transition(move(action, 'queued', 'blocked'));
          const { event } = await store.dmEvents.append(dmEvent(key));
          const row: DmDecisionRow = {
            trace_id: randomUUID(), event_id: event.event_id, platform_account_id: account.platform_account_id, client_id: client.client_id, sender_id: 's', mid: key,
            tier: 'normal', intent: 'link', language: 'en', panel_decision: 'approve', escalated: false, reason_codes: [], template_id: 'link.v1',
            draft_text_sha256: sha(key), final_text_sha256: sha(key), draft_ref: 'd', bundle_ref: 'b', decided_at: iso(decidedAt), review_state: 'approved',
            reviewed_by: reviewer, reviewed_at: iso(decidedAt), sent_text_sha256: sha(key), edit_distance: 0, action_id: action.action_id, sender_username: null,
          };
          await store.dmDecisions.add(row);
          return row;
        };
        const late = await make('late', true, AUTO_SEND_AUTHOR, T0 + MIN);
        const early = await make('early', true, AUTO_SEND_AUTHOR, T0);
        await make('running', false, AUTO_SEND_AUTHOR, T0);
        await make('human', true, 'rita', T0);
        expect(await store.dmDecisions.stoppedAutoSends(10)).toEqual([early, late]);
        expect(await store.dmDecisions.stoppedAutoSends(1)).toEqual([early]);
      });
    });

    test.describe('several stores on one database', () => {
      test('should migrate exactly once however many stores open the database at once', async ({ db }) => {
        const stores = Array.from({ length: 4 }, () => db.open());
        await Promise.all(stores.map((s) => s.clients.list()));
        expect(await db.migrations()).toEqual((kind === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).map((m) => m.version));
      });

      test('should let exactly one of many concurrent claims of a key win across separate stores', async ({ db }) => {
        const stores = Array.from({ length: 4 }, () => db.open());
        const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
        const hash = sha('payload');
        const reports = await Promise.all(stores.map(async (store, worker) => {
          // Each store starts at a different key and walks the ring, so every key is contended.
          const ring = [...keys.slice(worker * 10), ...keys.slice(0, worker * 10)];
          const outcomes = await Promise.all(ring.map((key) => store.ledger.claim({ key, payload_hash: hash, action_id: `w${worker}-${key}` })));
          return { worker, won: outcomes.filter((o) => o.won).map((o) => o.entry.key), lost: outcomes.filter((o) => !o.won) };
        }));
        const wins = reports.flatMap((r) => r.won);
        expect(wins.length).toBe(keys.length);
        expect(new Set(wins).size).toBe(keys.length);
        for (const key of keys) {
          const winner = reports.find((r) => r.won.includes(key))!;
          expect((await stores[0]!.ledger.get(key))!.action_id).toBe(`w${winner.worker}-${key}`);
        }
        // Every loser was handed the winner's entry.
        for (const lost of reports.flatMap((r) => r.lost)) expect(lost.entry.action_id).toBe(`w${reports.find((r) => r.won.includes(lost.entry.key))!.worker}-${lost.entry.key}`);
      });

      test('should keep one unbroken audit chain when several stores append at once', async ({ db }) => {
        const stores = Array.from({ length: 4 }, () => db.open());
        const { account } = await tenant(stores[0]!);
        const actions = await Promise.all(stores.map((s) => createAction(s, account)));
        await Promise.all(stores.map((store, i) => Promise.all(Array.from({ length: 15 }, (_, n) => (n % 3 === 0
          ? store.audit.append(ev(actions[i]!, 'queued', 'queued', T0 + n))
          : store.actions.note({ action_id: actions[i]!.action_id, state: 'queued', patch: { verify_tries: n }, event: ev(actions[i]!, 'queued', 'queued', T0 + n) }))))));
        const rows = await allRows(stores[1]!);
        checkChain(rows);
        expect(rows.length).toBe(4 + 4 * 15);
        expect(await stores[2]!.audit.count()).toBe(rows.length);
        expect(await verifyAuditChain(stores[3]!)).toMatchObject({ ok: true, count: rows.length });
      });

      test('should never let concurrent reservations from several stores exceed a budget', async ({ db }) => {
        const stores = Array.from({ length: 4 }, () => db.open());
        const { account } = await tenant(stores[0]!);
        const id = account.platform_account_id;
        await stores[0]!.budgets.set({ platform_account_id: id, action_type: 'like', per_hour: 5, per_day: null, min_spacing_ms: 0 });
        const actions = await Promise.all(Array.from({ length: 8 }, () => createAction(stores[0]!, account, { action_type: 'like' })));
        const [reserved, moved] = await Promise.all([
          Promise.all(stores.flatMap((store, i) => Array.from({ length: 5 }, (_, n) =>
            store.budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: `s${i}-${n}`, at: new Date(T0 + n) }).then((r) => r.ok)))),
          // And through transitions, each reserving in its own transaction.
          Promise.all(actions.map((a, n) => stores[n % stores.length]!.actions.transition(move(a, 'queued', 'preflight_passed', { reserve: { platform_account_id: id, action_type: 'like', at: new Date(T0) } }))
            .then(() => true, (error: unknown) => (error instanceof BudgetRefusedError ? false : Promise.reject(error))))),
        ]);
        expect([...reserved, ...moved].filter(Boolean)).toHaveLength(5);
        expect(await stores[1]!.budgets.uses(id, new Date(T0 - HOUR), new Date(T0 + HOUR))).toHaveLength(5);
        expect(await stores[2]!.actions.list({ state: 'preflight_passed' })).toHaveLength(moved.filter(Boolean).length);
      });

      test('should give a contended lease to exactly one store, raise the fence on takeover after expiry and refuse the stale holder', async ({ db }) => {
        const stores = Array.from({ length: 4 }, () => db.open());
        const { account } = await tenant(stores[0]!);
        const id = account.platform_account_id;
        const round = (at: number) => Promise.all(stores.map((s, i) => s.leases.acquire(id, `host-${i}`, 30_000, new Date(at))));
        const first = (await round(T0)).filter((l) => l !== null);
        expect(first).toHaveLength(1);
        expect(first[0]!.fence).toBe(1);
        expect((await round(T0 + 10_000)).filter((l) => l !== null)).toEqual([{ ...first[0]!, heartbeat_at: iso(T0 + 10_000), expires_at: iso(T0 + 40_000) }]);
        const second = (await round(T0 + 40_000)).filter((l) => l !== null);
        expect(second).toHaveLength(1);
        expect(second[0]!.fence).toBe(2);
        // The first holder, paused past its lease, comes back with its old fence: refused.
        expect(await stores[3]!.leases.renew(id, first[0]!.owner_id, 1, 30_000, new Date(T0 + 41_000))).toBe(false);
        expect(await stores[3]!.leases.release(id, first[0]!.owner_id, 1)).toBe(false);
        expect(await stores[2]!.leases.renew(id, second[0]!.owner_id, 2, 30_000, new Date(T0 + 41_000))).toBe(true);
      });
    });

    test.describe('append-only tables', () => {
      test('should refuse UPDATE and DELETE of audit events, checkpoints, kill-switch history and DM events at the database', async ({ db, store }) => {
        const { client, account } = await tenant(store);
        const action = await createAction(store, account);
        await store.audit.addCheckpoint(checkpoint(1, (await store.audit.head())!.hash, 1));
        await store.killSwitches.set({ scope: 'client', scope_id: client.client_id, engaged: true, reason: null, set_by: 'ops' });
        await store.dmEvents.append({
          event_id: 'e1', dedupe_key: 'message:m1', kind: 'message', ig_user_id: '1', platform_account_id: null, client_id: null, sender_id: 's', ref: 'm1', parent_ref: null,
          timestamp_ms: T0, text_sha256: null, text_ref: null, attachments: [], delivery_id: 'd1', recorded_at: iso(T0),
        });
        const tables = { audit_events: "event_json = '{}'", audit_checkpoints: "sig = 'x'", kill_switch_history: 'reason = NULL', dm_events: "ref = 'x'" };
        for (const [table, set] of Object.entries(tables)) {
          await expect(db.raw(`UPDATE ${table} SET ${set}`), table).rejects.toThrow(`${table} is append-only: UPDATE refused`);
          await expect(db.raw(`DELETE FROM ${table}`), table).rejects.toThrow(`${table} is append-only: DELETE refused`);
          if (kind === 'postgres') {
            await expect(db.raw(`TRUNCATE ${table} CASCADE`), table).rejects.toThrow(`${table} is append-only: TRUNCATE refused`);
            // The store's own role may not even try.
            for (const statement of [`UPDATE ${table} SET ${set}`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
              await expect(db.rawAsWriter(statement), statement).rejects.toThrow(`permission denied for table ${table}`);
            }
          }
        }
        if (kind === 'postgres') {
          await expect(db.raw('DELETE FROM audit_head')).rejects.toThrow('audit_head is append-only: DELETE refused');
          await expect(db.raw('UPDATE audit_head SET seq = 0')).rejects.toThrow(/audit_head only moves forward/);
          await expect(db.rawAsWriter('DELETE FROM audit_head')).rejects.toThrow('permission denied for table audit_head');
          await expect(db.rawAsWriter(`INSERT INTO audit_events (seq, audit_event_id, action_id, event_json, prev_hash, hash) VALUES (99, 'x', 'x', '{}', 'x', 'x')`)).resolves.toBeUndefined();
        }
        expect(await store.audit.forAction(action.action_id)).toHaveLength(1);
      });
    });

    test.describe('the kernel on this store', () => {
      test('should run an action end to end, ask for a durable attempted, return a stored result to a retry, and keep the chain', async ({ db }) => {
        const platform = new FakePlatform();
        const h = await createHarness({ performer: platform, overrides: { store: db.open() } });
        try {
          const writes: { to: string; durable: boolean }[] = [];
          const transition = h.services.store.actions.transition.bind(h.services.store.actions);
          (h.services.store.actions as { transition: typeof transition }).transition = (w) => {
            writes.push({ to: w.to, durable: w.durable === true });
            return transition(w);
          };
          const first = await h.submit({ payload: { caption: 'Launch day' } });
          const outcome = await runAction(h.services.kernel, first.action_id);
          expect(outcome.status).toBe('confirmed_success');
          expect(writes.filter((w) => w.durable).map((w) => w.to)).toEqual(['attempted']);
          const retry = await h.submit({ payload: { caption: 'Launch day' } });
          expect(await runAction(h.services.kernel, retry.action_id)).toMatchObject({ status: 'confirmed_success', duplicate_of: first.action_id });
          expect(platform.effects).toHaveLength(1);
          expect((await h.services.store.ledger.get(first.idempotency_key))!).toMatchObject({ status: 'succeeded', action_id: first.action_id });
          expect(await verifyAuditChain(h.services.store)).toMatchObject({ ok: true });
        } finally {
          await h.close();
        }
      });

      test('should fail only the stale write when concurrent writes race', async ({ db }) => {
        const h = await createHarness({ overrides: { store: db.open() } });
        try {
          const { ActionTracker } = await import('../../safety/tracker.js');
          const [a, b] = [await h.submit(), await h.submit()];
          const now = () => new Date();
          const results = await Promise.allSettled([
            new ActionTracker(h.services.store, a, now).move('preflight_passed'),
            new ActionTracker(h.services.store, a, now).move('blocked'),
            new ActionTracker(h.services.store, b, now).move('preflight_passed'),
          ]);
          expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.objectContaining({ code: 'stale_state' })]);
          expect(results[2]!.status).toBe('fulfilled');
          expect(['preflight_passed', 'blocked']).toContain((await h.services.store.actions.get(a.action_id))!.state);
          expect((await h.services.store.actions.get(b.action_id))!.state).toBe('preflight_passed');
          expect(await verifyAuditChain(h.services.store)).toMatchObject({ ok: true, count: 4 });
        } finally {
          await h.close();
        }
      });
    });

    if (kind === 'postgres') {
      test.describe('PostgreSQL roles', () => {
        test('should run every pooled connection as the writer role: a login role outside it cannot use the store, and the refusal names no secret', async ({ db, store }) => {
          await store.clients.list(); // migrated by the owner
          const role = `login_${randomBytes(4).toString('hex')}`;
          const password = randomBytes(12).toString('hex');
          // NOINHERIT: the role has the writer's rights only once it has SET ROLE; of its own it may
          // read the schema's version (a host that is not the owner checks the schema is current).
          await db.raw(`CREATE ROLE ${role} LOGIN NOINHERIT PASSWORD '${password}'; GRANT SELECT ON schema_migrations TO ${role}`);
          const url = new URL(db.url!);
          url.username = role;
          url.password = password;
          try {
            const outsider = createPostgresStore({ url: url.toString(), poolSize: 1 });
            const refused = await outsider.clients.list().then(() => null, (error: Error) => error);
            await outsider.close();
            expect(refused?.message).toMatch(/permission denied to set role "raize_writer"/);
            expect(refused?.message).not.toContain(password);
            // A wrong password: the error names the database, never the password tried.
            const wrong = new URL(url);
            wrong.password = `${password}-wrong`;
            const stranger = createPostgresStore({ url: wrong.toString(), poolSize: 1 });
            const denied = await stranger.clients.list().then(() => null, (error: Error) => error);
            await stranger.close();
            expect(denied?.message).toMatch(/could not bring the schema up to date: password authentication failed/);
            expect(denied?.message).toContain(`${role}:***@`);
            expect(denied?.message).not.toContain(password);
            await db.raw(`GRANT ${WRITER_ROLE} TO ${role}`);
            const member = createPostgresStore({ url: url.toString(), poolSize: 1 });
            try {
              const created = await member.clients.create(newClient());
              expect(await member.clients.get(created.client_id)).toEqual(created);
              const { account } = await tenant(member);
              await createAction(member, account);
              expect(await verifyAuditChain(member)).toMatchObject({ ok: true, count: 1 });
            } finally {
              await member.close();
            }
          } finally {
            await db.raw(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
          }
        });
      });

      test.describe('PostgreSQL sessions', () => {
        test('should end a transaction its host stalled in, so a paused host holds no lock for others and its write is refused', async ({ db }) => {
          const stalled = createPostgresStore({ url: db.url!, poolSize: 1, stalledTransactionTimeoutMs: 300 });
          const other = db.open();
          try {
            const { account } = await tenant(other);
            const [a, b] = [await createAction(other, account), await createAction(other, account)];
            // The clock the reservation reads, inside the transaction once the account's budget
            // lock is held, freezes the whole host for 1.5 s: what SIGSTOP does to a farm process.
            class FrozenClock extends Date {
              override getTime(): number {
                Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
                return super.getTime();
              }
            }
            const reserve = { platform_account_id: account.platform_account_id, action_type: 'publish', at: new FrozenClock(T0) };
            await expect(stalled.actions.transition(move(a, 'queued', 'preflight_passed', { reserve }))).rejects.toThrow();
            expect((await other.actions.get(a.action_id))!.state).toBe('queued');
            expect(await other.budgets.uses(account.platform_account_id, new Date(T0 - HOUR), new Date(T0 + HOUR))).toEqual([]);
            expect(await other.audit.count()).toBe(2);
            // The lock went with the session: another host reserves at once; the woken store goes on with a new connection.
            expect(await other.budgets.reserve({ platform_account_id: account.platform_account_id, action_type: 'publish', action_id: 'x', at: new Date(T0) })).toEqual({ ok: true });
            await stalled.actions.transition(move(b, 'queued', 'preflight_passed', { reserve: { ...reserve, at: new Date(T0) } }));
            expect((await other.actions.get(b.action_id))!.state).toBe('preflight_passed');
          } finally {
            await stalled.close();
          }
        });
      });

      test.describe('PostgreSQL collation', () => {
        test('should compare and order ids byte by byte, as SQLite does, whatever the database locale', async () => {
          const store = createPostgresStore({ url: await freshDatabaseUrl({ icuLocale: 'en-US' }), poolSize: 2 });
          try {
            const { account } = await tenant(store, { account: { platform_account_id: 'B-acct' } });
            const other = await store.accounts.create(newAccount(account.client_id, { platform_account_id: 'a-acct' }));
            for (const id of ['b', 'a', 'B', 'c-1', 'c']) await createAction(store, account, { action_id: id });
            expect((await store.audit.actionStates('', 10)).map((r) => r.action_id)).toEqual(['B', 'a', 'b', 'c', 'c-1']);
            expect((await store.audit.actionStates('B', 10)).map((r) => r.action_id)).toEqual(['a', 'b', 'c', 'c-1']);
            expect((await store.actions.list({ after: { created_at: iso(T0), id: 'a' } })).map((r) => r.action_id)).toEqual(['b', 'c', 'c-1']);
            for (const acct of [account, other]) await store.leases.acquire(acct.platform_account_id, 'h1', 60_000, new Date(T0));
            expect((await store.leases.active(new Date(T0))).map((l) => l.platform_account_id)).toEqual(['B-acct', 'a-acct']);
          } finally {
            await store.close();
          }
        });
      });
    }
  });
}
