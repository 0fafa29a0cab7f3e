import { test, expect } from '@playwright/test';
import { ConcurrencyGovernor, createServices, defaultFarmConcurrency, PerformerRegistry, RunnerPool, type PacingTable, type RunnerEvent } from '../../runners/index.js';
import { createHarness, type Harness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const TTL = 30_000;

async function moreAccounts(h: Harness, n: number): Promise<string[]> {
  const ids = [h.account.platform_account_id];
  for (let i = 1; i < n; i += 1) {
    const acc = await h.services.store.accounts.create({ ...h.account, platform_account_id: `acc-farm-${i}`, fingerprint: { ...h.account.fingerprint, handle: `farm${i}` } });
    ids.push(acc.platform_account_id);
  }
  return ids;
}

test.describe('concurrency under rate-limit signals (§8.3)', () => {
  test('should halve a platform\'s runners at each signal, never below one, and give them back one per quiet period', () => {
    const g = new ConcurrencyGovernor({ max: 8, restoreEveryMs: 60_000 });
    expect(g.limit('instagram', 0)).toBe(8);
    expect(g.onRateLimit('instagram', 0)).toBe(4);
    expect(g.onRateLimit('instagram', 1000)).toBe(2);
    expect(g.limit('x', 1000)).toBe(8);
    expect(g.limit('instagram', 60_999)).toBe(2);
    expect(g.limit('instagram', 61_000)).toBe(3);
    expect(g.onRateLimit('instagram', 61_000)).toBe(1);
    expect(g.onRateLimit('instagram', 62_000)).toBe(1);
    expect(g.limit('instagram', 62_000 + 7 * 60_000)).toBe(8);
    expect(g.limit('instagram', 62_000 + 70 * 60_000)).toBe(8);
  });

  test('should derive the default bound from cores and free memory', () => {
    expect(defaultFarmConcurrency(2, 24 * 1024 ** 3)).toBe(6);
    expect(defaultFarmConcurrency(16, 1024 ** 3)).toBe(3);
    expect(defaultFarmConcurrency(4, 10 * 1024 ** 2)).toBe(1);
  });
});

test.describe('dispatch and the runner pool (issue 10)', () => {
  test('should run at most `concurrency` accounts at once, one runner per account, and the rest on a later pass', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const accounts = await moreAccounts(h, 3);
      for (const acc of accounts) {
        await h.submit({ platform_account_id: acc, payload: { caption: `first on ${acc}` } });
        await h.submit({ platform_account_id: acc, payload: { caption: `second on ${acc}` } });
      }
      const pool = new RunnerPool(h.services.kernel, { concurrency: 2, leaseTtlMs: TTL, pacing: 'off' });
      const first = await pool.tick();
      expect(first.claimed).toHaveLength(2);
      expect(pool.running.size).toBe(2);
      expect((await pool.tick()).claimed).toHaveLength(0);
      await pool.idle();
      const second = await pool.tick();
      expect(second.claimed.map((l) => l.platform_account_id)).toEqual(accounts.filter((a) => !first.claimed.some((l) => l.platform_account_id === a)));
      await pool.idle();
      expect((await pool.tick()).claimed).toHaveLength(0);
      for (const acc of accounts) expect(platform.effectsFor(acc)).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  test('should leave the due work of a degraded or killed account queued, with the reason, and run the others', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const [ok, degraded, killed] = await moreAccounts(h, 3);
      for (const acc of [ok!, degraded!, killed!]) await h.submit({ platform_account_id: acc });
      await h.services.store.accounts.setState(degraded!, 'needs_human', 'checkpoint on the profile');
      await h.services.store.killSwitches.set({ scope: 'account', scope_id: killed!, engaged: true, reason: 'client asked to pause', set_by: 'ops@agency' });
      const pool = new RunnerPool(h.services.kernel, { concurrency: 4, leaseTtlMs: TTL, pacing: 'off' });
      const pass = await pool.tick();
      expect(pass.claimed.map((l) => l.platform_account_id)).toEqual([ok]);
      expect(pass.skipped).toEqual(expect.arrayContaining([
        { account: degraded, why: 'account_state', detail: 'account is needs_human: checkpoint on the profile' },
        { account: killed, why: 'kill_switch', detail: 'account kill switch engaged by ops@agency: client asked to pause' },
      ]));
      await pool.idle();
      expect((await h.services.store.actions.list({ platform_account_id: degraded! }))[0]!.state).toBe('queued');
      expect((await h.services.store.actions.list({ platform_account_id: killed! }))[0]!.state).toBe('queued');
      expect(platform.calls.identity).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('should share the work between two hosts on one store: every account run by one host at a time, every action once', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    const other = createServices(h.services.config, { performers: new PerformerRegistry().register('api', 'instagram', platform), ownerId: 'host-b/1/0/x', log: { destination: { write: () => undefined } } });
    try {
      const accounts = await moreAccounts(h, 6);
      for (const acc of accounts) for (let i = 0; i < 3; i += 1) await h.submit({ platform_account_id: acc, payload: { caption: `post ${i} on ${acc}` } });
      const byAccount = new Map<string, Set<string>>();
      const record = (host: string) => (e: RunnerEvent | { ev: string }) => {
        if (e.ev !== 'done') return;
        const account = (e as Extract<RunnerEvent, { ev: 'done' }>).account;
        byAccount.set(account, (byAccount.get(account) ?? new Set()).add(host));
      };
      const a = new RunnerPool(h.services.kernel, { concurrency: 3, leaseTtlMs: TTL, pacing: 'off', onEvent: record('a') });
      const b = new RunnerPool(other.kernel, { concurrency: 3, leaseTtlMs: TTL, pacing: 'off', onEvent: record('b') });
      const [pa, pb] = await Promise.all([a.tick(), b.tick()]);
      const claimedA = pa.claimed.map((l) => l.platform_account_id);
      const claimedB = pb.claimed.map((l) => l.platform_account_id);
      expect(claimedA.filter((x) => claimedB.includes(x))).toEqual([]);
      expect(claimedA.length + claimedB.length).toBe(6);
      await Promise.all([a.idle(), b.idle()]);
      for (const acc of accounts) {
        expect(platform.effectsFor(acc)).toHaveLength(3);
        expect(byAccount.get(acc)!.size).toBe(1);
      }
    } finally {
      await other.close();
      await h.close();
    }
  });

  test('should run fewer runners on a platform after a rate-limit signal', async () => {
    const platform = new FakePlatform({ attempts: ['rate_limited', 'ok'], retryAfterMs: 100 });
    const h = await createHarness({ performer: platform });
    try {
      const accounts = await moreAccounts(h, 4);
      await h.submit({ platform_account_id: accounts[0]! });
      const events: string[] = [];
      const pool = new RunnerPool(h.services.kernel, { concurrency: 4, leaseTtlMs: TTL, pacing: 'off', onEvent: (e) => void events.push(e.ev === 'rate_limit' ? `rate_limit:${e.platform}:${e.limit}` : e.ev) });
      await pool.tick();
      await pool.idle();
      expect(events).toContain('rate_limit:instagram:2');
      for (const acc of accounts) await h.submit({ platform_account_id: acc, payload: { caption: `after the signal on ${acc}` } });
      const pass = await pool.tick();
      expect(pass.claimed).toHaveLength(2);
      expect(pass.skipped.filter((s) => s.why === 'platform_concurrency')).toHaveLength(2);
      await pool.idle();
    } finally {
      await h.close();
    }
  });

  test('should finish the action under way on stop and start nothing new', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let entered!: () => void;
    const inAttempt = new Promise<void>((resolve) => { entered = resolve; });
    const platform = new FakePlatform({ onBeforeCommit: async () => { entered(); await gate; } });
    const h = await createHarness({ performer: platform });
    try {
      const acc = h.account.platform_account_id;
      await h.submit({ payload: { caption: 'under way' } });
      await h.submit({ payload: { caption: 'never started' } });
      const pool = new RunnerPool(h.services.kernel, { concurrency: 2, leaseTtlMs: TTL, pacing: 'off' });
      await pool.tick();
      await inAttempt;
      const stopping = pool.stop(10_000);
      expect((await pool.tick()).claimed).toEqual([]);
      release();
      expect(await stopping).toBe(true);
      expect(platform.effectsFor(acc)).toHaveLength(1);
      const states = (await h.services.store.actions.list({ platform_account_id: acc })).map((x) => x.state).sort();
      expect(states).toEqual(['postcheck_complete', 'queued']);
    } finally {
      await h.close();
    }
  });
});

test.describe('dispatch waits out long pacing gaps (issue 10)', () => {
  test('should leave an account whose next side effect is minutes away unclaimed, naming when, and claim it once the gap has passed', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const pacing = { instagram: { '*': { minGapMs: 5 * 60_000, maxGapMs: 5 * 60_000, breakChance: 0, breakMs: [0, 0] as const } } } as unknown as PacingTable;
      await h.submit({ payload: { caption: 'first' } });
      const second = await h.submit({ payload: { caption: 'second' } });
      const pool = new RunnerPool(h.services.kernel, { concurrency: 2, leaseTtlMs: TTL, pacing });
      expect((await pool.tick()).claimed).toHaveLength(1);
      await pool.idle();
      expect(platform.effectsFor(h.account.platform_account_id)).toHaveLength(1);
      // The runner left at the long gap; dispatch does not claim the account again every pass.
      const waiting = await pool.tick();
      expect(waiting.claimed).toHaveLength(0);
      expect(waiting.skipped).toEqual([{ account: h.account.platform_account_id, why: 'pacing', detail: expect.stringMatching(/^next side effect not before \d{4}-/) }]);
      expect(await h.services.store.leases.get(h.account.platform_account_id)).toMatchObject({ expires_at: expect.any(String) });
      expect((await h.services.store.leases.active(h.clock.now())).length).toBe(0);
      h.clock.advance(5 * 60_000 - 60_000 + 1000);
      // Within a minute of it: a runner takes the account and waits the rest.
      expect((await pool.tick()).claimed).toHaveLength(1);
      await pool.idle();
      expect((await h.services.store.actions.get(second.action_id))!.state).toBe('postcheck_complete');
      const [a, b] = platform.effectsFor(h.account.platform_account_id);
      expect(b!.at - a!.at).toBeGreaterThanOrEqual(5 * 60_000);
    } finally {
      await h.close();
    }
  });
});
