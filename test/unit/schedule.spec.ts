import { test, expect } from '@playwright/test';
import {
  buildAuditEvent, evaluatePolicy, runAction, approveAction, cancelAction, rescheduleAction, editAction, updateQueuedAction, approveQueuedAction, approvalState,
  idempotencyKey, payloadHash, IdempotencyError, PolicyDeniedError, ScheduleConflictError, ValidationError,
} from '../../safety/index.js';
import { Policy } from '../../store/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const policy = Policy.parse({
  policy_id: 'p1', client_id: 'c1', version: 1, created_at: '2026-01-01T00:00:00Z', created_by: 'ops',
  autonomy: 'auto', allowed_actions: { instagram: ['publish'] },
});
const action = { platform: 'instagram' as const, action_type: 'publish' as const, payload: { caption: 'Hello' }, compliance_flags: [], risk: 'normal' as const, created_by: 'ana' };
const account = { state: 'active' as const, timezone: 'UTC' };
const noon = new Date('2026-06-10T12:00:00Z');

test.describe('schedules in the policy gate (GP1)', () => {
  test('should defer an action until it is due, naming the time', () => {
    expect(evaluatePolicy({ action: { ...action, due_at: '2026-06-10T12:00:05.000Z' }, account, policy, approvals: [], now: noon }))
      .toEqual({ ok: false, check: 'not_due', disposition: 'defer', retry_at: '2026-06-10T12:00:05.000Z', reason: 'scheduled for 2026-06-10T12:00:05.000Z' });
    expect(evaluatePolicy({ action: { ...action, due_at: '2026-06-10T12:00:00.000Z' }, account, policy, approvals: [], now: noon })).toEqual({ ok: true });
  });

  test('should block an action whose window has ended instead of running it late, even on a degraded account', () => {
    const late = { ...action, due_at: '2026-06-10T11:00:00.000Z', window_end_at: '2026-06-10T11:30:00.000Z' };
    expect(evaluatePolicy({ action: late, account: { ...account, state: 'needs_human' }, policy, approvals: [], now: noon }))
      .toMatchObject({ ok: false, check: 'window_missed', disposition: 'block' });
    expect(evaluatePolicy({ action: { ...late, window_end_at: '2026-06-10T12:30:00.000Z' }, account, policy, approvals: [], now: noon })).toEqual({ ok: true });
  });

  test('should expire a scheduled action that needs an approval nobody gave by its due time, and keep an unscheduled one waiting', () => {
    const manual = { ...policy, autonomy: 'manual' as const };
    expect(evaluatePolicy({ action: { ...action, due_at: '2026-06-10T11:59:00.000Z' }, account, policy: manual, approvals: [], now: noon }))
      .toMatchObject({ ok: false, check: 'approval_expired', disposition: 'block' });
    expect(evaluatePolicy({ action: { ...action, due_at: '2026-06-10T11:59:00.000Z' }, account, policy: manual, approvals: ['ana'], now: noon }))
      .toMatchObject({ ok: false, check: 'approval_expired' });
    expect(evaluatePolicy({ action: { ...action, due_at: '2026-06-10T11:59:00.000Z' }, account, policy: manual, approvals: ['rev'], now: noon })).toEqual({ ok: true });
    expect(evaluatePolicy({ action, account, policy: manual, approvals: [], now: noon })).toMatchObject({ check: 'awaiting_approval', disposition: 'defer' });
  });
});

test.describe('scheduled actions through the kernel (GP1)', () => {
  test('should not touch the platform before an action is due, record when it may run, then run it once due', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const due = new Date(h.clock.now().getTime() + 2000).toISOString();
      const scheduled = await h.submit({ due_at: due });
      expect(scheduled.due_at).toBe(due);
      const early = await runAction(h.services.kernel, scheduled.action_id);
      expect(early).toMatchObject({ status: 'deferred', retry_at: due });
      expect(platform.calls).toEqual({ identity: 0, precheck: 0, attempt: 0, verify: 0, beforeCommit: 0 });
      expect(platform.effectsFor(h.account.platform_account_id)).toHaveLength(0);
      const waiting = (await h.services.store.actions.get(scheduled.action_id))!;
      expect(waiting).toMatchObject({ state: 'queued', not_before: due });
      // Dispatch does not see it before its time, and does once it has come.
      expect(await h.services.store.actions.dueFor(h.account.platform_account_id, h.clock.now(), 10)).toHaveLength(0);
      h.clock.advance(2000);
      expect((await h.services.store.actions.dueFor(h.account.platform_account_id, h.clock.now(), 10)).map((a) => a.action_id)).toEqual([scheduled.action_id]);
      const ran = await runAction(h.services.kernel, scheduled.action_id);
      expect(ran.status).toBe('confirmed_success');
      expect(platform.effectsFor(h.account.platform_account_id)).toHaveLength(1);
      const trail = (await h.services.store.audit.forAction(scheduled.action_id)).map((r) => r.event.reason ?? '');
      expect(trail).toContain(`deferred: not_due: scheduled for ${due} until ${due}`);
    } finally {
      await h.close();
    }
  });

  test('should block a scheduled action found after its window, with nothing attempted', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const now = h.clock.now().getTime();
      const a = await h.submit({ due_at: new Date(now + 1000).toISOString(), window_end_at: new Date(now + 5000).toISOString() });
      h.clock.advance(6000);
      const out = await runAction(h.services.kernel, a.action_id);
      expect(out.status).toBe('blocked');
      expect(out.reason).toMatch(/^window_missed: /);
      expect(out.action.result.error_code).toBe('window_missed');
      expect(platform.calls.attempt + platform.calls.identity).toBe(0);
    } finally {
      await h.close();
    }
  });

  test('should expire a scheduled action still unapproved when due, and never run it after a late approval', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, policy: { autonomy: 'manual' } });
    try {
      const a = await h.submit({ due_at: new Date(h.clock.now().getTime() + 1000).toISOString() });
      h.clock.advance(1500);
      const out = await runAction(h.services.kernel, a.action_id);
      expect(out).toMatchObject({ status: 'blocked' });
      expect(out.action.result.error_code).toBe('approval_expired');
      await expect(approveAction(h.services.store, a.action_id, 'reviewer@agency')).rejects.toThrow(/only queued actions take approvals/);
      expect(platform.calls.attempt).toBe(0);
    } finally {
      await h.close();
    }
  });

  test('should refuse a window that ends before the action is due, naming the field, and store times in UTC', async () => {
    const h = await createHarness({ performer: new FakePlatform() });
    try {
      await expect(h.submit({ due_at: '2030-01-01T10:00:00Z', window_end_at: '2030-01-01T09:00:00Z' })).rejects.toThrow(ValidationError);
      await expect(h.submit({ due_at: '2030-01-01T10:00:00Z', window_end_at: '2030-01-01T09:00:00Z' })).rejects.toThrow(/window_end_at/);
      await expect(h.submit({ due_at: 'tomorrow at ten' })).rejects.toThrow(/due_at/);
      const a = await h.submit({ due_at: '2030-01-01T11:00:00+01:00' });
      expect(a.due_at).toBe('2030-01-01T10:00:00.000Z');
    } finally {
      await h.close();
    }
  });
});

test.describe('editing and cancelling a scheduled action before it runs (GP1)', () => {
  test('should move a scheduled action\'s due time, audited with the old and new times, and run it at the new time only', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const t = h.clock.now().getTime();
      const iso = (ms: number) => new Date(t + ms).toISOString();
      const a = await h.submit({ due_at: iso(1000), window_end_at: iso(60_000) });
      const moved = await rescheduleAction(h.services.store, a.action_id, { due_at: iso(10_000), by: 'ana@agency' }, h.clock.now());
      expect(moved).toMatchObject({ state: 'queued', due_at: iso(10_000), window_end_at: iso(60_000) });
      h.clock.advance(2000);
      expect(await runAction(h.services.kernel, a.action_id)).toMatchObject({ status: 'deferred', retry_at: iso(10_000) });
      expect(platform.calls.attempt).toBe(0);
      const trail = (await h.services.store.audit.forAction(a.action_id)).map((r) => r.event.reason ?? '');
      expect(trail).toContain(`rescheduled by ana@agency: due ${iso(1000)} → ${iso(10_000)}, window end ${iso(60_000)} → ${iso(60_000)}`);
      await expect(rescheduleAction(h.services.store, a.action_id, { due_at: iso(70_000), by: 'ana@agency' }, h.clock.now())).rejects.toThrow(/window_end_at/);
      h.clock.advance(8000);
      expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
      await expect(rescheduleAction(h.services.store, a.action_id, { due_at: iso(90_000), by: 'ana@agency' })).rejects.toThrow(/only a queued action can be rescheduled/);
    } finally {
      await h.close();
    }
  });

  test('should cancel a scheduled action before it runs, audited with who and why, so that no runner ever attempts it', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const a = await h.submit({ due_at: new Date(h.clock.now().getTime() + 1000).toISOString() });
      const cancelled = await cancelAction(h.services.store, a.action_id, { by: 'ana@agency', reason: 'client pulled the post' });
      expect(cancelled).toMatchObject({ state: 'blocked', result: { error_code: 'cancelled' } });
      h.clock.advance(2000);
      expect(await h.services.store.actions.dueFor(h.account.platform_account_id, h.clock.now(), 10)).toHaveLength(0);
      expect((await runAction(h.services.kernel, a.action_id)).reason).toMatch(/^not_queued/);
      expect(platform.calls.identity + platform.calls.attempt).toBe(0);
      const last = (await h.services.store.audit.forAction(a.action_id)).at(-1)!.event;
      expect(last).toMatchObject({ transition: { from: 'queued', to: 'blocked' }, reason: 'cancelled: by ana@agency (client pulled the post)' });
      await expect(cancelAction(h.services.store, a.action_id, { by: 'ana@agency' })).rejects.toThrow(/only a queued action can be cancelled/);
    } finally {
      await h.close();
    }
  });

  test('should refuse to cancel an action a runner took between the read and the write, and another tenant\'s action as if it did not exist', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const a = await h.submit();
      // A runner takes it the moment after the caller read it as queued.
      const realGet = h.services.store.actions.get.bind(h.services.store.actions);
      let raced = false;
      h.services.store.actions.get = async (id) => {
        const seen = await realGet(id);
        if (!raced && id === a.action_id) {
          raced = true;
          expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
        }
        return seen;
      };
      await expect(cancelAction(h.services.store, a.action_id, { by: 'ana@agency' })).rejects.toThrow(/started meanwhile/);
      h.services.store.actions.get = realGet;
      expect((await realGet(a.action_id))!.state).toBe('postcheck_complete');
      const b = await h.submit({ payload: { caption: 'another' } });
      await expect(cancelAction(h.services.store, b.action_id, { by: 'mallory', client_id: 'some-other-client' })).rejects.toThrow(`no action ${b.action_id}`);
      await expect(rescheduleAction(h.services.store, b.action_id, { due_at: null, by: 'mallory', client_id: 'some-other-client' })).rejects.toThrow(`no action ${b.action_id}`);
      expect((await realGet(b.action_id))!.state).toBe('queued');
    } finally {
      await h.close();
    }
  });
});

test.describe('due work in the store (dispatch reads)', () => {
  test('should list accounts with due work earliest first, and an account\'s due actions in order, leaving deferred and future ones', async () => {
    const h = await createHarness({ performer: new FakePlatform() });
    try {
      const { store } = h.services;
      const t = h.clock.now().getTime();
      const iso = (ms: number) => new Date(t + ms).toISOString();
      const later = await h.submit({ payload: { caption: 'later' }, due_at: iso(60_000) });
      const second = await h.submit({ payload: { caption: 'second' }, due_at: iso(-1000) });
      const first = await h.submit({ payload: { caption: 'first' }, due_at: iso(-5000) });
      const deferred = await h.submit({ payload: { caption: 'deferred' } });
      const event = buildAuditEvent(deferred, { from: 'queued', to: 'queued', reason: 'deferred: budget_exhausted', at: h.clock.now() });
      await store.actions.note({ action_id: deferred.action_id, state: 'queued', patch: { not_before: iso(30_000) }, event });
      const other = await store.accounts.create({ ...h.account, platform_account_id: 'acc-other', fingerprint: { ...h.account.fingerprint, handle: 'other' } });
      const otherAction = await h.submit({ platform_account_id: other.platform_account_id, payload: { caption: 'asap' } });
      const now = h.clock.now();
      expect((await store.actions.dueFor(h.account.platform_account_id, now, 10)).map((a) => a.action_id)).toEqual([first.action_id, second.action_id]);
      expect((await store.actions.dueFor(h.account.platform_account_id, now, 1)).map((a) => a.action_id)).toEqual([first.action_id]);
      const accounts = await store.actions.dueAccounts(now, 10);
      expect(accounts.map((a) => a.platform_account_id)).toEqual([h.account.platform_account_id, other.platform_account_id]);
      expect(accounts[0]!.next_due_at).toBe(first.due_at);
      expect((await store.actions.dueFor(other.platform_account_id, now, 10)).map((a) => a.action_id)).toEqual([otherAction.action_id]);
      expect((await store.actions.dueFor(h.account.platform_account_id, new Date(t + 61_000), 10)).map((a) => a.action_id))
        .toEqual([first.action_id, second.action_id, deferred.action_id, later.action_id]);
    } finally {
      await h.close();
    }
  });
});

test.describe('deferrals without a time of their own', () => {
  test('should look again at an action waiting for approval a little later, and at once when it is approved', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, policy: { autonomy: 'manual' } });
    try {
      const { store } = h.services;
      const a = await h.submit();
      expect(await runAction(h.services.kernel, a.action_id)).toMatchObject({ status: 'deferred' });
      const waiting = (await store.actions.get(a.action_id))!;
      expect(Date.parse(waiting.not_before!) - h.clock.now().getTime()).toBeGreaterThan(20_000);
      expect(await store.actions.dueFor(a.platform_account_id, h.clock.now(), 10)).toHaveLength(0);
      await approveAction(store, a.action_id, 'reviewer@agency');
      expect((await store.actions.dueFor(a.platform_account_id, h.clock.now(), 10)).map((x) => x.action_id)).toEqual([a.action_id]);
      expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
    } finally {
      await h.close();
    }
  });
});

test.describe('editing a scheduled action\'s payload before it is due (GP1)', () => {
  test('should replace the payload with a new hash and key, audited by hashes only, and publish the edited content when due', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const due = new Date(h.clock.now().getTime() + 5000).toISOString();
      const a = await h.submit({ payload: { caption: 'Sourdough at nine' }, due_at: due });
      const payload = { caption: 'Sourdough at ten, with rye' };
      const edited = await editAction(store, a.action_id, { payload, by: 'ana@agency' }, h.clock.now());
      const scope = { client_id: a.client_id, platform: a.platform, platform_account_id: a.platform_account_id, action_type: a.action_type };
      expect(edited).toMatchObject({ state: 'queued', payload, payload_hash: payloadHash(payload), idempotency_key: idempotencyKey({ ...scope, payload }), due_at: due });
      expect(edited.idempotency_key).not.toBe(a.idempotency_key);
      expect(await store.actions.get(a.action_id)).toMatchObject({ payload, payload_hash: payloadHash(payload), idempotency_key: edited.idempotency_key });
      const last = (await store.audit.forAction(a.action_id)).at(-1)!.event;
      expect(last).toMatchObject({ transition: { from: 'queued', to: 'queued' }, reason: `payload edited by ana@agency: hash ${a.payload_hash} → ${edited.payload_hash}`, idempotency_key: edited.idempotency_key, request: { safe_payload_hash: edited.payload_hash } });
      expect(JSON.stringify(last)).not.toContain('rye');
      // The same payload again writes nothing.
      const events = await store.audit.count();
      expect(await editAction(store, a.action_id, { payload: { caption: 'Sourdough at ten, with rye' }, by: 'ana@agency' })).toMatchObject({ payload_hash: edited.payload_hash });
      expect(await store.audit.count()).toBe(events);
      expect(platform.calls.attempt + platform.calls.identity).toBe(0);
      h.clock.advance(5000);
      expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
      expect(platform.effectsFor(a.platform_account_id).map((e) => e.payload_hash)).toEqual([payloadHash(payload)]);
    } finally {
      await h.close();
    }
  });

  test('should refuse a payload its type does not take, an action that left queued, another tenant\'s action, and a caller key used with other content', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const { store } = h.services;
      const a = await h.submit({ due_at: new Date(h.clock.now().getTime() + 60_000).toISOString() });
      await expect(editAction(store, a.action_id, { payload: { caption: '' }, by: 'ana@agency' })).rejects.toThrow(/^payload\.caption: /);
      await expect(editAction(store, a.action_id, { payload: { caption: 'x' }, by: 'mallory', client_id: 'another-client' })).rejects.toThrow(`no action ${a.action_id}`);
      expect((await store.actions.get(a.action_id))!.payload_hash).toBe(a.payload_hash);

      const ran = await h.submit();
      expect((await runAction(h.services.kernel, ran.action_id)).status).toBe('confirmed_success');
      const late = editAction(store, ran.action_id, { payload: { caption: 'too late' }, by: 'ana@agency' });
      await expect(late).rejects.toThrow(ScheduleConflictError);
      await expect(editAction(store, ran.action_id, { payload: { caption: 'too late' }, by: 'ana@agency' })).rejects.toMatchObject({ conflict: 'not_queued', state: 'postcheck_complete' });

      // A caller's key names the request: it stays on edit, and the ledger refuses other content under it.
      const first = await h.submit({ payload: { caption: 'keyed post' }, idempotency_key: 'campaign-42-post' });
      expect((await runAction(h.services.kernel, first.action_id)).status).toBe('confirmed_success');
      const again = await h.submit({ payload: { caption: 'keyed post' }, idempotency_key: 'campaign-42-post', due_at: new Date(h.clock.now().getTime() + 60_000).toISOString() });
      await expect(editAction(store, again.action_id, { payload: { caption: 'other content' }, by: 'ana@agency' })).rejects.toThrow(IdempotencyError);
      expect((await store.actions.get(again.action_id))!.payload_hash).toBe(first.payload_hash);
    } finally {
      await h.close();
    }
  });
});

test.describe('one change of schedule and payload together', () => {
  test('should write a new time and a new payload as one audited note, or neither when one of them is refused', async () => {
    const h = await createHarness({ performer: new FakePlatform() });
    try {
      const { store } = h.services;
      const t = h.clock.now().getTime();
      const iso = (ms: number) => new Date(t + ms).toISOString();
      const a = await h.submit({ payload: { caption: 'first draft' }, due_at: iso(60_000), window_end_at: iso(120_000) });
      const events = await store.audit.count();
      await expect(updateQueuedAction(store, a.action_id, { due_at: iso(200_000), payload: { caption: 'second draft' }, by: 'ana@agency' }, h.clock.now())).rejects.toThrow(/^window_end_at: /);
      await expect(updateQueuedAction(store, a.action_id, { due_at: iso(90_000), payload: { caption: '' }, by: 'ana@agency' }, h.clock.now())).rejects.toThrow(/^payload\.caption: /);
      expect(await store.audit.count()).toBe(events);
      expect(await store.actions.get(a.action_id)).toMatchObject({ due_at: iso(60_000), payload: { caption: 'first draft' } });
      const both = await updateQueuedAction(store, a.action_id, { due_at: iso(90_000), payload: { caption: 'second draft' }, by: 'ana@agency' }, h.clock.now());
      expect(both).toMatchObject({ due_at: iso(90_000), window_end_at: iso(120_000), payload: { caption: 'second draft' }, payload_hash: payloadHash({ caption: 'second draft' }) });
      expect(await store.audit.count()).toBe(events + 1);
      expect((await store.audit.forAction(a.action_id)).at(-1)!.event.reason)
        .toBe(`rescheduled and edited by ana@agency: due ${iso(60_000)} → ${iso(90_000)}, window end ${iso(120_000)} → ${iso(120_000)}; payload hash ${a.payload_hash} → ${both.payload_hash}`);
      expect(await updateQueuedAction(store, a.action_id, { by: 'ana@agency' })).toMatchObject({ payload_hash: both.payload_hash });
      expect(await store.audit.count()).toBe(events + 1);
      // The longest name and both changes still fit the audit reason; a longer name or cancel reason is refused up front.
      const longest = 'n'.repeat(200);
      const wide = await updateQueuedAction(store, a.action_id, { due_at: iso(95_000), window_end_at: iso(125_000), payload: { caption: 'third draft' }, by: longest }, h.clock.now());
      expect((await store.audit.forAction(a.action_id)).at(-1)!.event.reason!.length).toBeLessThanOrEqual(500);
      expect(wide.due_at).toBe(iso(95_000));
      await expect(updateQueuedAction(store, a.action_id, { due_at: iso(96_000), by: `${longest}n` })).rejects.toThrow(ValidationError);
      await expect(cancelAction(store, a.action_id, { by: longest, reason: 'r'.repeat(201) })).rejects.toThrow(/^reason: /);
      expect((await cancelAction(store, a.action_id, { by: longest, reason: 'r'.repeat(200) })).state).toBe('blocked');
    } finally {
      await h.close();
    }
  });
});

test.describe('approvals before the due time (§4.4)', () => {
  const manual = { ...policy, autonomy: 'manual' as const };
  const queued = { ...action, state: 'queued' as const, result: {}, due_at: null };

  test('should say whether an action needs an approval, has one, waits for one or expired, as the gate decides', () => {
    expect(approvalState(queued, policy, [], noon)).toEqual({ status: 'not_needed', why: null, expires_at: null });
    expect(approvalState(queued, manual, [], noon)).toEqual({ status: 'pending', why: 'client autonomy is manual', expires_at: null });
    expect(approvalState(queued, manual, ['ana'], noon)).toMatchObject({ status: 'pending' });
    expect(approvalState(queued, manual, ['rev'], noon)).toMatchObject({ status: 'approved' });
    expect(approvalState({ ...queued, risk: 'high' }, policy, [], noon)).toMatchObject({ status: 'pending', why: 'publish is high-risk' });
    expect(approvalState(queued, { ...policy, high_risk_actions: ['publish'] }, [], noon)).toMatchObject({ status: 'pending', why: 'publish is high-risk' });
    // Other checks (a banned term, quiet hours) do not hide that an approval is needed.
    expect(approvalState({ ...queued, payload: { caption: 'cheap pills' } }, { ...manual, compliance: { banned_terms: ['pills'], allowed_flags: [] } }, [], noon)).toMatchObject({ status: 'pending' });
    expect(approvalState({ ...queued, due_at: '2026-06-10T12:30:00.000Z' }, manual, [], noon)).toEqual({ status: 'pending', why: 'client autonomy is manual', expires_at: '2026-06-10T12:30:00.000Z' });
    expect(approvalState({ ...queued, due_at: '2026-06-10T12:00:00.000Z' }, manual, [], noon)).toMatchObject({ status: 'expired' });
    expect(approvalState({ ...queued, state: 'blocked', result: { error_code: 'approval_expired' }, due_at: '2026-06-10T11:00:00.000Z' }, manual, [], noon)).toMatchObject({ status: 'expired' });
    expect(approvalState({ ...queued, state: 'blocked', result: { error_code: 'cancelled' }, due_at: '2026-06-10T13:00:00.000Z' }, manual, [], noon)).toMatchObject({ status: 'closed' });
  });

  test('should record an approval before the due time with who and when, refuse the author, and refuse a late one with nothing recorded', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, policy: { autonomy: 'manual' } });
    try {
      const { store } = h.services;
      const t = h.clock.now().getTime();
      const onTime = await h.submit({ payload: { caption: 'on time' }, due_at: new Date(t + 1000).toISOString() });
      await expect(approveQueuedAction(store, onTime.action_id, { by: 'ana@agency' })).rejects.toThrow(PolicyDeniedError);
      await expect(approveQueuedAction(store, onTime.action_id, { by: 'rev@agency', client_id: 'another-client' })).rejects.toThrow(`no action ${onTime.action_id}`);
      await approveQueuedAction(store, onTime.action_id, { by: 'rev@agency' }, h.clock.now());
      const [record] = await store.actions.approvalRecords(onTime.action_id);
      expect(record!.approver).toBe('rev@agency');
      expect(Date.parse(record!.approved_at)).toBeGreaterThan(Date.now() - 60_000);
      expect((await store.audit.forAction(onTime.action_id)).at(-1)!.event.reason).toBe('approved by rev@agency');

      const late = await h.submit({ payload: { caption: 'late' }, due_at: new Date(t + 1000).toISOString() });
      h.clock.advance(1500);
      // Due, unapproved, not yet swept by the gate: an approval now would run it late.
      await expect(approveQueuedAction(store, late.action_id, { by: 'rev@agency' }, h.clock.now())).rejects.toMatchObject({ conflict: 'approval_expired', state: 'queued' });
      expect(await store.actions.approvals(late.action_id)).toEqual([]);
      // The author is refused as the author, even when late.
      await expect(approveQueuedAction(store, late.action_id, { by: 'ana@agency' }, h.clock.now())).rejects.toThrow(PolicyDeniedError);
      expect((await runAction(h.services.kernel, late.action_id)).action.result.error_code).toBe('approval_expired');
      await expect(approveQueuedAction(store, late.action_id, { by: 'rev@agency' }, h.clock.now())).rejects.toMatchObject({ conflict: 'approval_expired', state: 'blocked' });
      expect((await runAction(h.services.kernel, onTime.action_id)).status).toBe('confirmed_success');
      expect(platform.effectsFor(h.account.platform_account_id)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
