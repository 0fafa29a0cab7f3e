import { test, expect } from '@playwright/test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startFarm, type FarmJobMessage } from '../../runners/index.js';
import { runAction } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const CRASH_ONCE = pathToFileURL(fileURLToPath(new URL('../helpers/crash-once-job.ts', import.meta.url))).href;
const FAST = { dispatch: 200, sweep: 300, expiry: 300, checkpoint: 500, upkeep: 500 };

test.describe('the farm: Bree jobs in worker threads, runners in the farm thread (issue 10)', () => {
  test('should run due work on its own and a post scheduled 2 s ahead within its window, never before', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, realSleep: true });
    const farm = await startFarm(h.services, { concurrency: 2, pacing: 'off', intervals: FAST, jobs: ['dispatch'] });
    try {
      const now = Date.now();
      const asap = await h.submit({ payload: { caption: 'right away' } });
      const due = new Date(now + 2000).toISOString();
      const scheduled = await h.submit({ payload: { caption: 'in two seconds' }, due_at: due, window_end_at: new Date(now + 30_000).toISOString() });
      await expect.poll(async () => (await h.services.store.actions.get(asap.action_id))!.state, { timeout: 15_000 }).toBe('postcheck_complete');
      expect(platform.effectsFor(h.account.platform_account_id).map((e) => e.action_id)).toContain(asap.action_id);
      await expect.poll(async () => (await h.services.store.actions.get(scheduled.action_id))!.state, { timeout: 15_000 }).toBe('postcheck_complete');
      const effect = platform.effectsFor(h.account.platform_account_id).find((e) => e.action_id === scheduled.action_id)!;
      expect(effect.at).toBeGreaterThanOrEqual(Date.parse(due));
      expect(effect.at).toBeLessThan(Date.parse(due) + 28_000);
    } finally {
      expect(await farm.stop(10_000)).toBe(true);
      await h.close();
    }
  });

  test('should survive a job that crashes: Bree runs it again at its next interval and nothing is lost', async () => {
    test.setTimeout(120_000);
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, realSleep: true });
    const flag = join(h.dir, 'crash-once');
    writeFileSync(flag, '');
    const messages: FarmJobMessage[] = [];
    const farm = await startFarm(h.services, { concurrency: 2, pacing: 'off', intervals: FAST, jobs: ['dispatch'], instrument: CRASH_ONCE, onJob: (m) => void messages.push(m) });
    try {
      const a = await h.submit();
      // A worker thread's restart loads its modules again: seconds on a loaded 2-core host (a chaos run beside it took 15 s).
      await expect.poll(async () => (await h.services.store.actions.get(a.action_id))!.state, { timeout: 60_000 }).toBe('postcheck_complete');
      expect(existsSync(flag)).toBe(false);
      // The crash is reported (the thread's error, then its exit: Bree may tell it after the
      // restarted job already did the work), and only for that job.
      await expect.poll(() => farm.jobErrors.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(farm.jobErrors.every((e) => e.job === 'dispatch')).toBe(true);
      expect(farm.jobErrors[0]!.error).toContain('crash requested');
      expect(messages.some((m) => m.job === 'dispatch' && (m.claimed ?? []).length === 1)).toBe(true);
      expect(platform.effectsFor(h.account.platform_account_id)).toHaveLength(1);
    } finally {
      expect(await farm.stop(10_000)).toBe(true);
      await h.close();
    }
  });

  test('should re-check an unknown outcome from the sweep job and settle it once the platform shows it, attempting nothing again', async () => {
    // The effect lands but the answer is lost, and the platform shows it only 6 s later: the run ends unknown.
    const platform = new FakePlatform({ attempts: ['applied_then_error'], lag: { listMs: 6000, byIdMs: 6000 } });
    const h = await createHarness({ performer: platform, realSleep: true, config: { verifyBaseMs: 200, verifyCapMs: 400, verifyMaxTries: 20, actionDeadlineMs: 1500, absenceWindowMs: 1000 } });
    const messages: FarmJobMessage[] = [];
    try {
      const a = await h.submit();
      expect((await runAction(h.services.kernel, a.action_id, { verifyInline: false })).status).toBe('unknown');
      const farm = await startFarm(h.services, { concurrency: 2, pacing: 'off', intervals: { ...FAST, sweep: 200 }, jobs: ['sweep'], onJob: (m) => void messages.push(m) });
      try {
        await expect.poll(async () => (await h.services.store.actions.get(a.action_id))!.state, { timeout: 25_000 }).toBe('postcheck_complete');
        expect(messages.some((m) => m.job === 'sweep' && (m.sweep_due ?? []).includes(a.action_id))).toBe(true);
        expect(farm.sweeps.some((r) => r.settled.some((x) => x.action_id === a.action_id))).toBe(true);
        expect(platform.calls.attempt).toBe(1);
        expect(platform.effectsFor(h.account.platform_account_id)).toHaveLength(1);
      } finally {
        expect(await farm.stop(10_000)).toBe(true);
      }
    } finally {
      await h.close();
    }
  });

  test('should expire overdue work of an account that cannot run, anchor the audit chain and install default budgets', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, realSleep: true });
    const { store } = h.services;
    const now = Date.now();
    const missed = await h.submit({ due_at: new Date(now - 60_000).toISOString(), window_end_at: new Date(now - 1000).toISOString() });
    await store.accounts.setState(h.account.platform_account_id, 'needs_human', 'checkpoint');
    const farm = await startFarm(h.services, { concurrency: 2, pacing: 'off', intervals: FAST, jobs: ['dispatch', 'expiry', 'checkpoint', 'upkeep'] });
    try {
      // Every job's thread reports itself booted before the farm is ready.
      await Promise.race([farm.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('farm never ready')), 20_000))]);
      await expect.poll(async () => (await store.actions.get(missed.action_id))!.state, { timeout: 15_000 }).toBe('blocked');
      expect((await store.actions.get(missed.action_id))!.result.error_code).toBe('window_missed');
      await expect.poll(async () => (await store.audit.latestCheckpoint())?.seq ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(async () => (await store.budgets.list(h.account.platform_account_id)).map((b) => b.action_type).sort(), { timeout: 15_000 })
        .toEqual(['comment_reply', 'delete', 'dm_send', 'follow', 'like', 'publish']);
      expect(platform.calls.identity).toBe(0);
    } finally {
      expect(await farm.stop(10_000)).toBe(true);
      await h.close();
    }
  });

  test('should run the approvals\' upkeep (a stopped automatic DM reply back to the queue) after every expiry job, one at a time', async () => {
    const h = await createHarness({ performer: new FakePlatform(), realSleep: true });
    let runs = 0;
    let running = 0;
    let overlapped = false;
    const farm = await startFarm(h.services, {
      concurrency: 1, pacing: 'off', intervals: { ...FAST, expiry: 1_000 }, jobs: ['expiry'],
      approvalUpkeep: async () => {
        overlapped ||= running > 0;
        running += 1;
        runs += 1;
        await new Promise((r) => setTimeout(r, 1_500));
        running -= 1;
      },
    });
    try {
      await expect.poll(() => runs, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect(overlapped).toBe(false);
      expect(farm.jobErrors).toEqual([]);
    } finally {
      expect(await farm.stop(10_000)).toBe(true);
      await h.close();
    }
  });

  test('should run the read-only comment poll on the comments job\'s schedule, one at a time, and not schedule it without a poll', async () => {
    const h = await createHarness({ performer: new FakePlatform(), realSleep: true });
    let running = 0;
    let overlapped = false;
    let polls = 0;
    const messages: FarmJobMessage[] = [];
    const farm = await startFarm(h.services, {
      concurrency: 1, pacing: 'off', intervals: { ...FAST, comments: 1_000 }, jobs: ['comments'], onJob: (m) => void messages.push(m),
      commentPoll: async () => {
        overlapped ||= running > 0;
        running += 1;
        polls += 1;
        // Slower than the job's interval: the next run must wait for this one.
        await new Promise((r) => setTimeout(r, 2_500));
        running -= 1;
      },
    });
    try {
      await expect.poll(() => polls, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect(messages.filter((m) => m.job === 'comments').length).toBeGreaterThan(polls);
      expect(overlapped).toBe(false);
    } finally {
      expect(await farm.stop(10_000)).toBe(true);
    }
    const seen: string[] = [];
    const idle = await startFarm(h.services, { concurrency: 1, pacing: 'off', intervals: { ...FAST, comments: 1_000 }, onJob: (m) => void seen.push(m.job) });
    try {
      await idle.ready;
      await expect.poll(() => seen.filter((j) => j === 'dispatch').length, { timeout: 15_000 }).toBeGreaterThan(3);
      expect(seen).not.toContain('comments');
      expect(idle.jobErrors).toEqual([]);
    } finally {
      expect(await idle.stop(10_000)).toBe(true);
      await h.close();
    }
  });
});
