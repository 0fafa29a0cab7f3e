import { test, expect } from '@playwright/test';
import { runAccount, accountGap, DEFAULT_PACING, humanGap, pacingFor, type RunnerEvent } from '../../runners/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const TTL = 30_000;

test.describe('one runner per account (issue 10)', () => {
  test('should run two actions due at once on one account one after the other, never overlapping, then exit idle and release its lease', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const acc = h.account.platform_account_id;
      const [a, b] = [await h.submit({ payload: { caption: 'one' } }), await h.submit({ payload: { caption: 'two' } })];
      const lease = (await store.leases.acquire(acc, h.services.kernel.ownerId, TTL, h.clock.now()))!;
      const events: RunnerEvent[] = [];
      const report = await runAccount(h.services.kernel, { accountId: acc, lease, leaseTtlMs: TTL, pacing: 'off', onEvent: (e) => events.push(e) });
      expect(report).toEqual({ ran: 2, exit: 'idle', rateLimited: false });
      const done = events.filter((e): e is Extract<RunnerEvent, { ev: 'done' }> => e.ev === 'done');
      expect(done.map((e) => [e.action_id, e.status])).toEqual([[a.action_id, 'confirmed_success'], [b.action_id, 'confirmed_success']]);
      expect(done[0]!.ended_at <= done[1]!.started_at).toBe(true);
      const effects = platform.effectsFor(acc);
      expect(effects.map((e) => e.action_id)).toEqual([a.action_id, b.action_id]);
      expect(await store.leases.active(h.clock.now())).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('should wait a human-like gap since the account\'s last side effect before the next, renewing its lease while it waits', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const acc = h.account.platform_account_id;
      const pacing = { ...DEFAULT_PACING, instagram: { publish: { minGapMs: 20_000, maxGapMs: 50_000, breakChance: 0, breakMs: [0, 0] as const } } };
      await h.submit({ payload: { caption: 'one' } });
      await h.submit({ payload: { caption: 'two' } });
      await h.submit({ payload: { caption: 'three' } });
      const lease = (await store.leases.acquire(acc, h.services.kernel.ownerId, TTL, h.clock.now()))!;
      const events: RunnerEvent[] = [];
      const report = await runAccount(h.services.kernel, { accountId: acc, lease, leaseTtlMs: TTL, pacing, onEvent: (e) => events.push(e) });
      expect(report.ran).toBe(3);
      const waits = events.filter((e) => e.ev === 'wait').map((e) => (e as { ms: number }).ms);
      expect(waits).toHaveLength(2);
      for (const ms of waits) expect(ms).toBeGreaterThan(15_000);
      const at = platform.effectsFor(acc).map((e) => e.at);
      for (let i = 1; i < at.length; i += 1) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(20_000);
      // The waits (up to 50 s) outlast the 30 s lease: only renewals kept it.
      expect(h.sleeps.every((ms) => ms <= 5_000)).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('should stop before any action when its lease was taken over (a paused runner resumed), and leave the new holder\'s lease alone', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const acc = h.account.platform_account_id;
      await h.submit();
      const old = (await store.leases.acquire(acc, 'paused-host/1', TTL, h.clock.now()))!;
      h.clock.advance(TTL + 1);
      const taken = (await store.leases.acquire(acc, 'other-host/2', TTL, h.clock.now()))!;
      const report = await runAccount(h.services.kernel, { accountId: acc, lease: old, leaseTtlMs: TTL, pacing: 'off' });
      expect(report).toEqual({ ran: 0, exit: 'lease_lost', rateLimited: false });
      expect(platform.calls.attempt).toBe(0);
      expect(await store.leases.get(acc)).toMatchObject({ owner_id: 'other-host/2', fence: taken.fence });
    } finally {
      await h.close();
    }
  });

  test('should start nothing once the farm is stopping, also in the middle of a pacing gap', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const acc = h.account.platform_account_id;
      await h.submit({ payload: { caption: 'one' } });
      await h.submit({ payload: { caption: 'two' } });
      const stop = new AbortController();
      const lease = (await store.leases.acquire(acc, h.services.kernel.ownerId, TTL, h.clock.now()))!;
      const pacing = { ...DEFAULT_PACING, instagram: { publish: { minGapMs: 20_000, maxGapMs: 20_000, breakChance: 0, breakMs: [0, 0] as const } } };
      const report = await runAccount(h.services.kernel, {
        accountId: acc, lease, leaseTtlMs: TTL, pacing, signal: stop.signal,
        onEvent: (e) => { if (e.ev === 'wait') stop.abort(new Error('SIGTERM')); },
      });
      expect(report).toMatchObject({ ran: 1, exit: 'stopping' });
      expect(platform.effectsFor(acc)).toHaveLength(1);
      expect(await store.leases.active(h.clock.now())).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('should leave actions not yet due to a later runner', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const acc = h.account.platform_account_id;
      await h.submit({ due_at: new Date(h.clock.now().getTime() + 60_000).toISOString() });
      const lease = (await h.services.store.leases.acquire(acc, h.services.kernel.ownerId, TTL, h.clock.now()))!;
      expect(await runAccount(h.services.kernel, { accountId: acc, lease, leaseTtlMs: TTL, pacing: 'off' })).toMatchObject({ ran: 0, exit: 'idle' });
      expect(platform.calls.identity).toBe(0);
    } finally {
      await h.close();
    }
  });
});

test.describe('human-like gaps (§8.2)', () => {
  test('should draw gaps within the bounds, spread out (no fixed period), with occasional breaks', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const profile = pacingFor(DEFAULT_PACING, 'instagram', 'like');
    const gaps = Array.from({ length: 2000 }, () => humanGap(profile, random));
    const breaks = gaps.filter((g) => g >= profile.breakMs[0]);
    const usual = gaps.filter((g) => g < profile.breakMs[0]);
    for (const g of usual) expect(g).toBeGreaterThanOrEqual(profile.minGapMs);
    for (const g of usual) expect(g).toBeLessThanOrEqual(profile.maxGapMs);
    expect(breaks.length / gaps.length).toBeGreaterThan(0.04);
    expect(breaks.length / gaps.length).toBeLessThan(0.12);
    // No fingerprintable period: many distinct values, and as many gaps below the geometric middle as above.
    expect(new Set(usual).size).toBeGreaterThan(usual.length * 0.9);
    const middle = Math.sqrt(profile.minGapMs * profile.maxGapMs);
    const below = usual.filter((g) => g < middle).length / usual.length;
    expect(below).toBeGreaterThan(0.4);
    expect(below).toBeLessThan(0.6);
    // An unknown action type falls back to the platform's default.
    expect(pacingFor(DEFAULT_PACING, 'instagram', 'edit')).toBe(DEFAULT_PACING.instagram['*']);
  });
});

test.describe('the gap is the account\'s, not the runner\'s', () => {
  test('should land the next side effect one drawn gap after the last, however many runners come for the account meanwhile (redrawing would pace to the shortest draw)', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const acc = h.account.platform_account_id;
      const profile = { minGapMs: 120_000, maxGapMs: 900_000, breakChance: 0.1, breakMs: [1_000_000, 2_000_000] as const };
      const pacing = { ...DEFAULT_PACING, instagram: { publish: profile } };
      await h.submit({ payload: { caption: 'one' } });
      await h.submit({ payload: { caption: 'two' } });
      const runOnce = async () => {
        const lease = (await store.leases.acquire(acc, h.services.kernel.ownerId, TTL, h.clock.now()))!;
        return runAccount(h.services.kernel, { accountId: acc, lease, leaseTtlMs: TTL, pacing, maxWaitMs: 60_000 });
      };
      expect(await runOnce()).toMatchObject({ ran: 1, exit: 'idle' });
      const slot = async (i: number) => Date.parse((await store.budgets.uses(acc, new Date(0), new Date(h.clock.now().getTime() + 1)))[i]!.at);
      const first = await slot(0);
      const gap = accountGap(profile, acc, first);
      expect(accountGap(profile, acc, first)).toBe(gap);
      expect(accountGap(profile, 'another-account', first)).not.toBe(gap);
      // A runner every 10 s, as dispatch would start them, until the second side effect lands.
      for (let i = 0; i < 400 && platform.effectsFor(acc).length < 2; i += 1) {
        h.clock.advance(10_000);
        await runOnce();
      }
      expect(platform.effectsFor(acc)).toHaveLength(2);
      expect(await slot(1) - first).toBe(gap);
    } finally {
      await h.close();
    }
  });
  test('should keep its lease while an action outlasts the lease TTL, so no other host takes the account mid-action', async () => {
    let during: unknown = 'not tried';
    const h = await createHarness({ realSleep: true, performer: new FakePlatform({
      onAttempt: async () => {
        // The attempt runs three TTLs; halfway through, another host tries to take the account.
        await new Promise((r) => setTimeout(r, 1500));
        during = await h.services.store.leases.acquire(h.account.platform_account_id, 'other-host/1', 1000, new Date());
        await new Promise((r) => setTimeout(r, 1500));
      },
    }) });
    try {
      const acc = h.account.platform_account_id;
      await h.submit();
      const lease = (await h.services.store.leases.acquire(acc, h.services.kernel.ownerId, 1000, new Date()))!;
      const report = await runAccount(h.services.kernel, { accountId: acc, lease, leaseTtlMs: 1000, pacing: 'off' });
      expect(during).toBeNull();
      expect(report).toMatchObject({ ran: 1, exit: 'idle' });
    } finally {
      await h.close();
    }
  });
  test('should stop before the next action when its account was degraded meanwhile, leaving it queued rather than blocked', async () => {
    const platform = new FakePlatform({ attempts: ['checkpoint', 'ok'] });
    const h = await createHarness({ performer: platform });
    try {
      const acc = h.account.platform_account_id;
      const first = await h.submit({ payload: { caption: 'meets a checkpoint' } });
      const second = await h.submit({ payload: { caption: 'waits for a human' } });
      const lease = (await h.services.store.leases.acquire(acc, h.services.kernel.ownerId, TTL, h.clock.now()))!;
      const report = await runAccount(h.services.kernel, { accountId: acc, lease, leaseTtlMs: TTL, pacing: 'off' });
      expect(report).toMatchObject({ ran: 1, exit: 'held' });
      expect((await h.services.store.actions.get(first.action_id))!.state).not.toBe('queued');
      expect((await h.services.store.accounts.get(acc))!.state).not.toBe('active');
      expect((await h.services.store.actions.get(second.action_id))!.state).toBe('queued');
      expect(platform.calls.attempt).toBe(1);
    } finally {
      await h.close();
    }
  });
});
