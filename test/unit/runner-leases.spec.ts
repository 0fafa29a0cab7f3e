import { test, expect } from '@playwright/test';
import { Worker } from 'node:worker_threads';
import { createHarness } from '../helpers/kernel.js';

const t0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

test.describe('runner leases: one runner per account (issue 10)', () => {
  test('should give an account\'s lease to one owner at a time, renew it for its holder, and let another take it only once expired, with a higher fence', async () => {
    const h = await createHarness();
    try {
      const { leases } = h.services.store;
      const acc = h.account.platform_account_id;
      const a = await leases.acquire(acc, 'host-a/1', 10_000, t0);
      expect(a).toMatchObject({ owner_id: 'host-a/1', fence: 1, expires_at: at(10_000).toISOString() });
      expect(await leases.acquire(acc, 'host-b/2', 10_000, at(9_999))).toBeNull();
      // Its holder acquiring again renews it, same fence.
      expect(await leases.acquire(acc, 'host-a/1', 10_000, at(5_000))).toMatchObject({ fence: 1, acquired_at: t0.toISOString(), expires_at: at(15_000).toISOString() });
      expect(await leases.renew(acc, 'host-a/1', 1, 10_000, at(14_000))).toBe(true);
      expect(await leases.acquire(acc, 'host-b/2', 10_000, at(20_000))).toBeNull();
      // A's heartbeat stops (paused); the lease expires; B takes it over.
      const b = await leases.acquire(acc, 'host-b/2', 10_000, at(24_000));
      expect(b).toMatchObject({ owner_id: 'host-b/2', fence: 2 });
      expect((await leases.active(at(25_000))).map((l) => l.owner_id)).toEqual(['host-b/2']);
      // A resumes: every write it tries under its old fence is refused.
      expect(await leases.renew(acc, 'host-a/1', 1, 10_000, at(25_000))).toBe(false);
      expect(await leases.release(acc, 'host-a/1', 1)).toBe(false);
      expect(await leases.acquire(acc, 'host-a/1', 10_000, at(25_000))).toBeNull();
      expect(await leases.get(acc)).toMatchObject({ owner_id: 'host-b/2', fence: 2 });
    } finally {
      await h.close();
    }
  });

  test('should end a released lease at once for anyone, keep its fence growing, and refuse a renewal after expiry', async () => {
    const h = await createHarness();
    try {
      const { leases } = h.services.store;
      const acc = h.account.platform_account_id;
      await leases.acquire(acc, 'a', 10_000, t0);
      expect(await leases.release(acc, 'a', 1)).toBe(true);
      expect(await leases.release(acc, 'a', 1)).toBe(false);
      expect(await leases.active(at(1))).toEqual([]);
      expect(await leases.acquire(acc, 'b', 10_000, at(1))).toMatchObject({ owner_id: 'b', fence: 2 });
      // A renewal that comes after its own expiry is refused even with nobody else in the way:
      // the holder cannot know what ran meanwhile; it must acquire again (a new fence).
      expect(await leases.renew(acc, 'b', 2, 10_000, at(10_001))).toBe(false);
      expect(await leases.acquire(acc, 'b', 10_000, at(10_002))).toMatchObject({ owner_id: 'b', fence: 3 });
    } finally {
      await h.close();
    }
  });

  test('should let exactly one of several racing threads take each account\'s lease, round after round', async () => {
    const h = await createHarness();
    try {
      const accounts = [h.account.platform_account_id];
      for (let i = 0; i < 4; i += 1) {
        const acc = await h.services.store.accounts.create({ ...h.account, platform_account_id: `acc-race-${i}`, fingerprint: { ...h.account.fingerprint, handle: `race${i}` } });
        accounts.push(acc.platform_account_id);
      }
      const rounds = 12;
      const go = new SharedArrayBuffer(4);
      const flag = new Int32Array(go);
      const done = new Map<number, number>();
      const workers = ['w0', 'w1', 'w2', 'w3'].map((owner) => new Worker(new URL('../helpers/ts-worker.mjs', import.meta.url), {
        workerData: { entry: new URL('../helpers/lease-worker.ts', import.meta.url).href, dbFile: h.services.config.dbFile, databaseUrl: h.services.config.databaseUrl, owner, accounts, rounds, go },
      }));
      const results = workers.map((w) => new Promise<{ round: number; account: string; fence: number }[]>((resolve, reject) => {
        w.on('message', (m: { done?: number; won?: { round: number; account: string; fence: number }[] }) => {
          if (m.won) resolve(m.won);
          else done.set(m.done!, (done.get(m.done!) ?? 0) + 1);
        });
        w.once('error', reject);
      }));
      for (let round = 0; round < rounds; round += 1) {
        Atomics.store(flag, 0, round + 1);
        Atomics.notify(flag, 0);
        await expect.poll(() => done.get(round) ?? 0, { timeout: 30_000 }).toBe(workers.length);
      }
      const won = (await Promise.all(results)).flat();
      for (let round = 0; round < rounds; round += 1) {
        for (const account of accounts) {
          const winners = won.filter((w) => w.round === round && w.account === account);
          expect(winners, `round ${round}, account ${account}`).toHaveLength(1);
        }
      }
      // Each takeover raised the fence: the fences of one account's winners are all different.
      for (const account of accounts) {
        const fences = won.filter((w) => w.account === account).map((w) => w.fence);
        expect(new Set(fences).size).toBe(fences.length);
      }
    } finally {
      await h.close();
    }
  });
});
