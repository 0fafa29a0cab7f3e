import { test, expect } from '@playwright/test';
import fc from 'fast-check';
import { DEFAULT_PACING, RunnerPool } from '../../runners/index.js';
import type { AuditRecord, Budget } from '../../store/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const scenario = fc.record({
  budgets: fc.array(fc.record({
    per_hour: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
    per_day: fc.option(fc.integer({ min: 2, max: 12 }), { nil: null }),
    min_spacing_ms: fc.constantFrom(0, 60_000, 10 * 60_000),
    action_type: fc.constantFrom('*' as const, 'publish' as const, 'like' as const),
  }), { minLength: 1, maxLength: 3 }),
  actions: fc.array(fc.record({
    account: fc.integer({ min: 0, max: 2 }),
    type: fc.constantFrom('publish' as const, 'like' as const),
    due_in_ms: fc.integer({ min: 0, max: 3 * HOUR }),
  }), { minLength: 1, maxLength: 14 }),
  gap: fc.record({ min: fc.integer({ min: 1000, max: 30_000 }), spread: fc.integer({ min: 1, max: 5 }) }),
  concurrency: fc.integer({ min: 1, max: 3 }),
});

/** Preflight time (the budget slot) of each action that reached `attempted`, per account, in audit order. */
function attemptsOf(records: Pick<AuditRecord, 'event'>[]) {
  const preflight = new Map<string, number>();
  const out: { account: string; type: string; action: string; slot: number }[] = [];
  for (const r of records) {
    const e = r.event;
    if (e.transition.to === 'preflight_passed') preflight.set(e.action_id, Date.parse(e.timestamp));
    if (e.transition.to === 'attempted') out.push({ account: e.platform_account_id, type: e.action_type, action: e.action_id, slot: preflight.get(e.action_id)! });
  }
  return out;
}

test.describe('pacing property (issue 10, §8.1)', () => {
  test('should never exceed a budget window nor overlap two side effects on one account, over random schedules (checked on the audit log)', async () => {
    test.setTimeout(300_000);
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const platform = new FakePlatform();
      const h = await createHarness({ performer: platform, policy: { allowed_actions: { instagram: ['publish', 'like'] } } });
      try {
        const { store } = h.services;
        const accounts = [h.account.platform_account_id];
        for (let i = 1; i < 3; i += 1) accounts.push((await store.accounts.create({ ...h.account, platform_account_id: `acc-prop-${i}`, fingerprint: { ...h.account.fingerprint, handle: `prop${i}` } })).platform_account_id);
        const budgets: Budget[] = [];
        // One budget per action type and account (a later one replaces an earlier one): read back what holds.
        for (const acc of accounts) {
          for (const b of s.budgets) await store.budgets.set({ ...b, platform_account_id: acc });
          budgets.push(...(await store.budgets.list(acc)));
        }
        const t0 = h.clock.now().getTime();
        for (const [i, a] of s.actions.entries()) {
          await h.submit({ platform_account_id: accounts[a.account]!, action_type: a.type, payload: a.type === 'like' ? { target: `https://www.instagram.com/p/LIKE${i}/` } : { caption: `post ${i}` }, due_at: new Date(t0 + a.due_in_ms).toISOString() });
        }
        const pacing = { ...DEFAULT_PACING, instagram: { '*': { minGapMs: s.gap.min, maxGapMs: s.gap.min * s.gap.spread, breakChance: 0.05, breakMs: [60_000, 600_000] as const } } };
        let ran = 0;
        const pool = new RunnerPool(h.services.kernel, { concurrency: s.concurrency, leaseTtlMs: 30_000, pacing, onEvent: (e) => { if (e.ev === 'done') ran += 1; } });
        for (let round = 0; round < 2000; round += 1) {
          const before = ran;
          const pass = await pool.tick();
          await pool.idle();
          if (pass.claimed.length > 0 && ran > before) continue;
          const queued = await store.actions.list({ state: 'queued' });
          if (queued.length === 0) break;
          // Nothing ran: time passes, to the next due time, or 10 s when runners left a long pacing gap.
          const next = Math.min(...queued.map((q) => Math.max(Date.parse(q.due_at ?? q.created_at), Date.parse(q.not_before ?? q.created_at))));
          const now = h.clock.now().getTime();
          h.clock.advance(next > now ? next - now + 1 : 10_000);
        }
        expect(await store.actions.list({ state: 'queued' })).toEqual([]);
        const records: Pick<AuditRecord, 'seq' | 'event'>[] = [];
        for (let after = 0; ;) {
          const page = await store.audit.scan(after, 1000);
          if (page.length === 0) break;
          for (const row of page) records.push({ seq: row.seq, event: JSON.parse(row.event_json) as AuditRecord['event'] });
          after = page.at(-1)!.seq;
        }
        // No overlap: between an action's `attempted` and its outcome, no other action of its account is attempted.
        const open = new Map<string, string>();
        for (const r of records) {
          const e = r.event;
          if (e.transition.to === 'attempted') {
            expect(open.get(e.platform_account_id), `two side effects at once on ${e.platform_account_id}`).toBeUndefined();
            open.set(e.platform_account_id, e.action_id);
          } else if (e.transition.from === 'attempted' && open.get(e.platform_account_id) === e.action_id) {
            open.delete(e.platform_account_id);
          }
        }
        // No window exceeded, no spacing broken, per account and budget (`*` counts every type).
        const attempts = attemptsOf(records);
        for (const b of budgets) {
          const slots = attempts.filter((x) => x.account === b.platform_account_id && (b.action_type === '*' || x.type === b.action_type)).map((x) => x.slot).sort((x, y) => x - y);
          for (let i = 0; i < slots.length; i += 1) {
            if (b.per_hour !== null) expect(slots.filter((t) => t > slots[i]! - HOUR && t <= slots[i]!).length).toBeLessThanOrEqual(b.per_hour);
            if (b.per_day !== null) expect(slots.filter((t) => t > slots[i]! - DAY && t <= slots[i]!).length).toBeLessThanOrEqual(b.per_day);
            if (i > 0) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(b.min_spacing_ms);
          }
        }
        // Nothing ran before it was due.
        for (const x of attempts) {
          const action = (await store.actions.get(x.action))!;
          expect(x.slot).toBeGreaterThanOrEqual(Date.parse(action.due_at!));
        }
        expect(platform.effectsFor(accounts[0]!).length + platform.effectsFor(accounts[1]!).length + platform.effectsFor(accounts[2]!).length).toBe(attempts.length);
      } finally {
        await h.close();
      }
    }), { numRuns: 20, seed: 1001 });
  });
});
