import { test, expect } from '@playwright/test';
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { createSqliteStore, RecordInvalidError } from '../../store/index.js';
import { verifyAuditChain } from '../../safety/index.js';
import { createHarness, tempDir } from '../helpers/kernel.js';

test.describe('write-ahead durability', () => {
  test('should ask for a durable commit of attempted before calling attempt, and of nothing the hot path does not need', async () => {
    const h = await createHarness();
    const writes: { to: string; durable: boolean }[] = [];
    const transition = h.services.store.actions.transition.bind(h.services.store.actions);
    (h.services.store.actions as { transition: typeof transition }).transition = (w) => {
      writes.push({ to: w.to, durable: w.durable === true });
      return transition(w);
    };
    const { FakePlatform } = await import('../helpers/fake-platform.js');
    const { runAction } = await import('../../safety/index.js');
    let durableBeforeAttempt = false;
    const platform = new FakePlatform({ onAttempt: () => void (durableBeforeAttempt = writes.some((w) => w.to === 'attempted' && w.durable)) });
    h.services.performers.register('api', 'instagram', platform);
    try {
      const action = await h.submit();
      expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_success');
      expect(durableBeforeAttempt).toBe(true);
      expect(writes.filter((w) => w.durable).map((w) => w.to)).toEqual(['attempted']);
    } finally {
      await h.close();
    }
  });

  test('should commit a durable write with synchronous = FULL and go back to NORMAL after (the fsync)', async () => {
    const dir = tempDir();
    try {
      const { openDatabase, GroupWriter } = await import('../../store/sqlite/database.js');
      const db = openDatabase({ file: `${dir.path}/d.db` });
      const seen: string[] = [];
      const pragma = db.pragma.bind(db);
      (db as { pragma: typeof pragma }).pragma = ((source: string, options?: { simple?: boolean }) => {
        seen.push(source);
        return pragma(source, options);
      }) as typeof pragma;
      const writer = new GroupWriter(db);
      db.exec('CREATE TABLE t (v INTEGER)');
      await writer.write(() => db.prepare('INSERT INTO t VALUES (1)').run());
      expect(seen).toEqual([]);
      let syncDuringCommit: unknown;
      await writer.write(() => {
        syncDuringCommit = pragma('synchronous', { simple: true });
        return db.prepare('INSERT INTO t VALUES (2)').run();
      }, true);
      expect(syncDuringCommit).toBe(2); // FULL
      expect(seen).toEqual(['synchronous = FULL', 'synchronous = NORMAL']);
      expect(pragma('synchronous', { simple: true })).toBe(1); // NORMAL again
      db.close();
    } finally {
      dir.remove();
    }
  });
});

test.describe('SQLite store', () => {
  test('should migrate once however many connections open the file', async () => {
    const dir = tempDir();
    try {
      const file = `${dir.path}/m.db`;
      const stores = Array.from({ length: 4 }, () => createSqliteStore({ file }));
      const Database = (await import('better-sqlite3')).default;
      const raw = new Database(file);
      const { MIGRATIONS } = await import('../../store/sqlite/migrations.js');
      expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      dir.remove();
    }
  });

  test('should run the kernel from 4 worker threads on one file with an intact audit chain', async () => {
    const h = await createHarness();
    try {
      const accounts = [h.account.platform_account_id];
      for (let i = 1; i < 4; i += 1) {
        const acc = await h.services.store.accounts.create({ ...h.account, platform_account_id: randomUUID() });
        accounts.push(acc.platform_account_id);
      }
      const reports = await Promise.all(accounts.map((accountId, worker) => new Promise<{ statuses: string[]; effects: number }>((resolve, reject) => {
        const w = new Worker(new URL('../helpers/ts-worker.mjs', import.meta.url), {
          workerData: {
            entry: new URL('../helpers/kernel-worker.ts', import.meta.url).href,
            dbFile: h.services.config.dbFile, dataDir: h.dir, clientId: h.client.client_id, accountId, count: 40, worker,
          },
        });
        w.once('message', resolve);
        w.once('error', reject);
      })));
      for (const r of reports) {
        expect(r.statuses).toEqual(Array(40).fill('confirmed_success'));
        expect(r.effects).toBe(40);
      }
      const verdict = await verifyAuditChain(h.services.store);
      expect(verdict).toMatchObject({ ok: true, count: 4 * 40 * 6 });
    } finally {
      await h.close();
    }
  });

  test('should fail only the stale write when concurrent writes share one commit', async () => {
    const h = await createHarness();
    try {
      const { ActionTracker } = await import('../../safety/tracker.js');
      const [a, b] = [await h.submit(), await h.submit()];
      const now = () => new Date();
      const results = await Promise.allSettled([
        new ActionTracker(h.services.store, a, now).move('preflight_passed'),
        new ActionTracker(h.services.store, a, now).move('blocked'),
        new ActionTracker(h.services.store, b, now).move('preflight_passed'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'stale_state' });
      expect((await h.services.store.actions.get(a.action_id))!.state).toBe('preflight_passed');
      expect((await h.services.store.actions.get(b.action_id))!.state).toBe('preflight_passed');
      const verdict = await verifyAuditChain(h.services.store);
      expect(verdict).toMatchObject({ ok: true, count: 4 });
    } finally {
      await h.close();
    }
  });

  test('should refuse invalid records at the boundary, naming the field', async () => {
    const h = await createHarness();
    try {
      await expect(h.services.store.accounts.create({ ...h.account, platform_account_id: 'x1', timezone: 'Mars/Olympus' }))
        .rejects.toThrow(new RecordInvalidError('PlatformAccount', 'timezone', 'expected an IANA time zone such as Europe/Madrid'));
      await expect(h.services.store.accounts.create({ ...h.account, platform_account_id: 'x2', state: 'sleepy' as never })).rejects.toThrow(/invalid PlatformAccount: state/);
      await expect(h.services.store.policies.put({ client_id: h.client.client_id, created_by: 'ops', autonomy: 'auto', allowed_actions: {}, quiet_hours: { start: '25:00', end: '07:00' } }))
        .rejects.toThrow(/invalid Policy: quiet_hours.start: expected HH:MM/);
      await expect(h.services.store.budgets.set({ platform_account_id: 'a', action_type: 'publish', per_hour: -1, per_day: null, min_spacing_ms: 0 })).rejects.toThrow(/per_hour/);
    } finally {
      await h.close();
    }
  });

  test('should version policies immutably so an action can name the snapshot it passed', async () => {
    const h = await createHarness();
    try {
      const v1 = (await h.services.store.policies.current(h.client.client_id))!;
      const v2 = await h.services.store.policies.put({ client_id: h.client.client_id, created_by: 'ops', autonomy: 'manual', allowed_actions: { instagram: ['publish'] } });
      expect(v2.version).toBe(v1.version + 1);
      expect((await h.services.store.policies.current(h.client.client_id))!.policy_id).toBe(v2.policy_id);
      expect((await h.services.store.policies.get(v1.policy_id))!.autonomy).toBe('auto');
    } finally {
      await h.close();
    }
  });
});
