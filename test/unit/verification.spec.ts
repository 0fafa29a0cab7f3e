import { test, expect } from '@playwright/test';
import { AuthExpiredError, buildAuditEvent, DriftError, runAction, sweepUnknown, TransientError } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

test.describe('verification loop (spec 000 §6.3)', () => {
  test('should never confirm an action on the object another action of the same words confirmed as its own (chaos --farm seed 21)', async () => {
    // A: an ambiguous publish that applied nothing (the content-only listing can never prove it).
    // B: the same caption under another key, later: nothing to find at its pre-check, it posts.
    // A's looks then find B's post by content: it is B's effect, never A's.
    const platform = new FakePlatform({ attempts: ['error_before_commit', 'ok'], lag: { listMs: 0 } });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, verifyBaseMs: 1000, verifyCapMs: 10_000 } });
    try {
      const payload = { caption: 'Same words twice' };
      const a = await h.submit({ payload, idempotency_key: 'same-words-key-a' });
      expect((await runAction(h.services.kernel, a.action_id, { verifyInline: false })).status).toBe('unknown');
      const b = await h.submit({ payload, idempotency_key: 'same-words-key-b' });
      expect((await runAction(h.services.kernel, b.action_id)).status).toBe('confirmed_success');
      const bResult = (await h.services.store.actions.get(b.action_id))!.result;
      expect(bResult.platform_object_id).toBe('obj_1');
      for (let i = 0; i < 4; i += 1) {
        h.clock.advance(20_000);
        await sweepUnknown(h.services.kernel);
      }
      h.clock.advance(3_600_000);
      await sweepUnknown(h.services.kernel);
      const after = (await h.services.store.actions.get(a.action_id))!;
      expect(after.state).toBe('unknown');
      expect(after.result.platform_object_id).toBeUndefined();
      const reasons = (await h.services.store.audit.forAction(a.action_id)).map((r) => r.event.reason ?? '');
      expect(reasons.some((r) => r.includes(`is the confirmed effect of ${b.action_id}`))).toBe(true);
      expect(platform.effects).toHaveLength(1);
      expect(platform.calls.attempt).toBe(2);
    } finally {
      await h.close();
    }
  });

  test('should confirm a DM found in a conversation where another DM was confirmed before: the thread\'s URL is no message\'s identity (chaos --farm seed 13, fifth run)', async () => {
    const platform = new FakePlatform({ attempts: ['ok', 'applied_then_error'] });
    const thread = 'https://www.instagram.com/direct/t/340282366841710300949128100000000001/';
    // A browser DM look: our message by its words, in the thread; no message id on the page.
    platform.verify = async () => ({ outcome: 'present', level: 2, permalink: thread, surface: 'thread', precise: false });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, verifyBaseMs: 1000, verifyCapMs: 10_000 } });
    try {
      const first = await h.submit({ action_type: 'dm_send', payload: { recipient: 'ana.reads', text: 'Your order is ready' }, idempotency_key: 'dm-first' });
      expect((await runAction(h.services.kernel, first.action_id)).status).toBe('confirmed_success');
      expect((await h.services.store.actions.get(first.action_id))!.result.permalink).toBe(thread);
      const second = await h.submit({ action_type: 'dm_send', payload: { recipient: 'ana.reads', text: 'See you at 9' }, idempotency_key: 'dm-second' });
      const outcome = await runAction(h.services.kernel, second.action_id);
      expect(outcome.status, outcome.reason).toBe('confirmed_success');
      const reasons = (await h.services.store.audit.forAction(second.action_id)).map((r) => r.event.reason ?? '');
      expect(reasons.some((r) => r.includes('is the confirmed effect of'))).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('should name in the audit why each verification look was inconclusive', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    platform.verify = async () => {
      throw new DriftError('post surface drifted');
    };
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      const reasons = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      const code = /verification try 1: inconclusive \((\w+)\)/.exec(reasons.join('\n'))?.[1];
      expect(code).toBeTruthy();
      expect(reasons.filter((r) => r.startsWith('verification try ')).every((r) => r.endsWith(`inconclusive (${code})`))).toBe(true);
      // The looks right after the ambiguous attempt say so too, and the move to unknown names the last.
      expect(reasons.filter((r) => r.startsWith('look ')).every((r) => r.endsWith(`inconclusive (${code})`))).toBe(true);
      expect(reasons.some((r) => r.endsWith(`outcome unknown after attempt 1 (inconclusive (${code}))`))).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('should re-check unknown actions later (the sweep): settle what shows up, escalate what never does, watch escalated ones read-only', async () => {
    // Two ambiguous publishes: one the platform shows after 3 minutes, one it never shows.
    const platform = new FakePlatform({ attempts: ['applied_then_error', 'error_before_commit'], lag: { listMs: 180_000 } });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, verifyBaseMs: 1000, verifyCapMs: 10_000 } });
    try {
      const late = await h.submit({ payload: { caption: 'Shows up late' } });
      const never = await h.submit({ payload: { caption: 'Never there' } });
      expect((await runAction(h.services.kernel, late.action_id, { verifyInline: false })).status).toBe('unknown');
      expect((await runAction(h.services.kernel, never.action_id, { verifyInline: false })).status).toBe('unknown');
      expect(platform.released).toEqual([late.action_id, never.action_id]);
      const escalated: string[] = [];
      let looked = 0;
      for (let i = 0; i < 6; i += 1) {
        h.clock.advance(20_000);
        const report = await sweepUnknown(h.services.kernel);
        looked += report.checked;
        escalated.push(...report.escalated);
        // Nothing is due again before its backoff: a second sweep right away looks at nothing.
        expect((await sweepUnknown(h.services.kernel)).checked).toBe(0);
      }
      // Content matches cannot prove absence: both are escalated, neither attempted again.
      expect(escalated.sort()).toEqual([late.action_id, never.action_id].sort());
      // Every look of the sweep released the lane after it (nothing kept open until the next one).
      expect(looked).toBeGreaterThan(0);
      expect(platform.released.length).toBe(2 + looked);
      expect(platform.calls.attempt).toBe(2);
      expect((await h.services.store.escalations.open())).toHaveLength(2);
      // Later the first one shows: the watch settles it and closes its escalation.
      h.clock.advance(200_000);
      const report = await sweepUnknown(h.services.kernel);
      expect(report.settled).toEqual([{ action_id: late.action_id, state: 'postcheck_complete' }]);
      expect((await h.services.store.escalations.open()).map((e) => e.action_id)).toEqual([never.action_id]);
      expect((await h.services.store.actions.get(never.action_id))!.state).toBe('unknown');
      expect(platform.calls.attempt).toBe(2);
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});

test.describe('budget slots and the platform', () => {
  const uses = async (h: Awaited<ReturnType<typeof createHarness>>) =>
    (await h.services.store.budgets.uses(h.account.platform_account_id, new Date(0), new Date(Date.now() + 10 * 86_400_000))).map((u) => u.action_id);

  test('should keep the slot of a call the platform counted (a refusal, an exhausted 429) and give back one that never left', async () => {
    const platform = new FakePlatform({ attempts: ['refused', 'rate_limited', 'rate_limited', 'rate_limited', 'not_sent', 'not_sent', 'not_sent'] });
    const h = await createHarness({ performer: platform });
    try {
      await h.services.store.budgets.set({ platform_account_id: h.account.platform_account_id, action_type: 'publish', per_hour: 100, per_day: null, min_spacing_ms: 0 });
      const refused = await h.submit({ payload: { caption: 'refused' } });
      const limited = await h.submit({ payload: { caption: 'rate limited' } });
      const unsent = await h.submit({ payload: { caption: 'never sent' } });
      for (const a of [refused, limited, unsent]) expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_failed');
      const kept = await uses(h);
      expect(kept).toContain(refused.action_id);
      expect(kept).toContain(limited.action_id);
      expect(kept).not.toContain(unsent.action_id);
    } finally {
      await h.close();
    }
  });
});

test.describe('escalation by age', () => {
  test('should escalate an unknown outcome whose looks the platform holds back forever, once it is older than escalateAfterMs', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    // A platform whose rate limit on reads never resets: every look is held back, none is a try.
    platform.verify = async () => { throw new TransientError('429 too many requests', false, 600_000, 429); };
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, escalateAfterMs: 3_600_000 } });
    try {
      const a = await h.submit({ payload: { caption: 'Looks never allowed' } });
      expect((await runAction(h.services.kernel, a.action_id, { verifyInline: false })).status).toBe('unknown');
      for (let i = 0; i < 5; i += 1) {
        h.clock.advance(10 * 60_000);
        await sweepUnknown(h.services.kernel);
      }
      // 50 minutes of held looks: no try counted, not escalated yet.
      const waiting = (await h.services.store.actions.get(a.action_id))!;
      expect(waiting).toMatchObject({ state: 'unknown', verify_tries: 0, escalated_at: null });
      h.clock.advance(15 * 60_000);
      const report = await sweepUnknown(h.services.kernel);
      expect(report.escalated).toEqual([a.action_id]);
      const [open] = await h.services.store.escalations.open();
      expect(open!.reason).toMatch(/^outcome still unknown 6\d min after the attempt, 0 verification tries taken/);
      expect(platform.calls.attempt).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('should not spend verification tries on looks an expired session could not take, also once repeated auth failures left the account read_only', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    // Every look finds the session logged out (chaos --farm seed 7: ten tries spent so, then escalated unseen).
    platform.verify = async () => { throw new AuthExpiredError('the session is logged out'); };
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, escalateAfterMs: 3_600_000, authFailureLimit: 2 } });
    try {
      const a = await h.submit({ payload: { caption: 'Looks on a logged-out session' } });
      expect((await runAction(h.services.kernel, a.action_id, { verifyInline: false })).status).toBe('unknown');
      for (let i = 0; i < 4; i += 1) {
        // The operator logs the account in again (state back to active); the session expires again.
        await h.services.store.accounts.setState(h.account.platform_account_id, 'active', null);
        h.clock.advance(10 * 60_000);
        await sweepUnknown(h.services.kernel);
      }
      // Repeated auth failures: the account is read_only, and no look counted as a try.
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('read_only');
      const waiting = (await h.services.store.actions.get(a.action_id))!;
      expect(waiting).toMatchObject({ state: 'unknown', verify_tries: 0, escalated_at: null });
      const trail = (await h.services.store.audit.forAction(a.action_id)).map((r) => r.event.reason ?? '');
      expect(trail.filter((r) => /not taken as this account \(auth_expired\); the account is read_only/.test(r)).length).toBeGreaterThan(0);
      expect(platform.calls.attempt).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('should count the age from the attempt, not from submission, also when a crash left no attempt end', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    platform.verify = async () => { throw new TransientError('429 too many requests', false, 600_000, 429); };
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3, escalateAfterMs: 3_600_000 } });
    try {
      // Submitted two hours before it ran (a scheduled post); unknown since its attempt.
      const a = await h.submit({ payload: { caption: 'Scheduled long ago' } });
      h.clock.advance(2 * 3_600_000);
      expect((await runAction(h.services.kernel, a.action_id, { verifyInline: false })).status).toBe('unknown');
      // As a crash between the write-ahead record and the attempt's end leaves it: no attempt end.
      const unknown = (await h.services.store.actions.get(a.action_id))!;
      await h.services.store.actions.note({
        action_id: a.action_id, state: 'unknown', fence: unknown.fence, patch: { attempt_ended_at: null },
        event: buildAuditEvent({ ...unknown, attempt_ended_at: null }, { from: 'unknown', to: 'unknown', reason: 'test: attempt end lost in a crash', at: h.clock.now() }),
      });
      h.clock.advance(10 * 60_000);
      expect((await sweepUnknown(h.services.kernel)).escalated).toEqual([]);
      h.clock.advance(55 * 60_000);
      expect((await sweepUnknown(h.services.kernel)).escalated).toEqual([a.action_id]);
    } finally {
      await h.close();
    }
  });
});
