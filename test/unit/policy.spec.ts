import { test, expect } from '@playwright/test';
import { evaluatePolicy, inQuietHours, quietHoursEnd, runAction, approveAction, PolicyDeniedError } from '../../safety/index.js';
import { Policy } from '../../store/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const basePolicy = Policy.parse({
  policy_id: 'p1', client_id: 'c1', version: 1, created_at: '2026-01-01T00:00:00Z', created_by: 'ops',
  autonomy: 'auto', allowed_actions: { instagram: ['publish', 'like', 'dm_send'] },
});
const baseAction = { platform: 'instagram' as const, action_type: 'publish' as const, payload: { caption: 'Hello' }, compliance_flags: [], risk: 'normal' as const, created_by: 'ana' };
const account = { state: 'active' as const, timezone: 'Europe/Madrid' };
const noon = new Date('2026-06-10T10:00:00Z'); // 12:00 in Madrid (CEST)

test.describe('policy gate (Invariant A)', () => {
  test('should pass a compliant action', () => {
    expect(evaluatePolicy({ action: baseAction, account, policy: basePolicy, approvals: [], now: noon })).toEqual({ ok: true });
  });

  test('should block an account that is not active', () => {
    const verdict = evaluatePolicy({ action: baseAction, account: { ...account, state: 'read_only' }, policy: basePolicy, approvals: [], now: noon });
    expect(verdict).toMatchObject({ ok: false, check: 'account_state', disposition: 'block', reason: 'account is read_only' });
  });

  test('should block an action type the platform policy does not allow', () => {
    const verdict = evaluatePolicy({ action: { ...baseAction, action_type: 'follow' }, account, policy: basePolicy, approvals: [], now: noon });
    expect(verdict).toMatchObject({ ok: false, check: 'action_not_allowed', reason: 'follow is not allowed on instagram for this client' });
    const other = evaluatePolicy({ action: { ...baseAction, platform: 'x' }, account, policy: basePolicy, approvals: [], now: noon });
    expect(other).toMatchObject({ ok: false, check: 'action_not_allowed' });
  });

  test('should block on a compliance flag unless the policy allows it', () => {
    const flagged = { ...baseAction, compliance_flags: ['medical_claim'] };
    expect(evaluatePolicy({ action: flagged, account, policy: basePolicy, approvals: [], now: noon }))
      .toMatchObject({ ok: false, check: 'compliance_flag', reason: 'compliance flags raised: medical_claim' });
    const lenient = { ...basePolicy, compliance: { banned_terms: [], allowed_flags: ['medical_claim'] } };
    expect(evaluatePolicy({ action: flagged, account, policy: lenient, approvals: [], now: noon })).toEqual({ ok: true });
  });

  test('should block banned terms in outgoing text, case-insensitively', () => {
    const policy = { ...basePolicy, compliance: { banned_terms: ['Guaranteed Cure'], allowed_flags: [] } };
    const verdict = evaluatePolicy({ action: { ...baseAction, payload: { caption: 'A guaranteed cure for Mondays' } }, account, policy, approvals: [], now: noon });
    expect(verdict).toMatchObject({ ok: false, check: 'banned_term', reason: 'banned terms present: Guaranteed Cure' });
  });

  test('should hold manual-autonomy and high-risk actions for an approval by someone other than the author', () => {
    const manual = { ...basePolicy, autonomy: 'manual' as const };
    expect(evaluatePolicy({ action: baseAction, account, policy: manual, approvals: [], now: noon }))
      .toMatchObject({ ok: false, check: 'awaiting_approval', disposition: 'defer' });
    expect(evaluatePolicy({ action: baseAction, account, policy: manual, approvals: ['ana'], now: noon }))
      .toMatchObject({ ok: false, check: 'awaiting_approval' });
    expect(evaluatePolicy({ action: baseAction, account, policy: manual, approvals: ['ana', 'rev'], now: noon })).toEqual({ ok: true });
    const highRisk = { ...basePolicy, high_risk_actions: ['dm_send' as const] };
    const dm = { ...baseAction, action_type: 'dm_send' as const, payload: { recipient: 'u1', text: 'hi' } };
    expect(evaluatePolicy({ action: dm, account, policy: highRisk, approvals: [], now: noon }))
      .toMatchObject({ ok: false, check: 'awaiting_approval', reason: expect.stringContaining('dm_send is high-risk') });
    expect(evaluatePolicy({ action: { ...baseAction, risk: 'high' }, account, policy: basePolicy, approvals: [], now: noon }))
      .toMatchObject({ ok: false, check: 'awaiting_approval' });
  });

  test('should defer in quiet hours of the account time zone until they end', () => {
    const policy = { ...basePolicy, quiet_hours: { start: '22:00', end: '07:00' } };
    const lateInMadrid = new Date('2026-06-10T21:30:00Z'); // 23:30 CEST; 21:30 UTC would be outside for a UTC account
    const verdict = evaluatePolicy({ action: baseAction, account, policy, approvals: [], now: lateInMadrid });
    expect(verdict).toMatchObject({ ok: false, check: 'quiet_hours', disposition: 'defer', retry_at: '2026-06-11T05:00:00.000Z' });
    expect(evaluatePolicy({ action: baseAction, account: { ...account, timezone: 'UTC' }, policy, approvals: [], now: lateInMadrid })).toEqual({ ok: true });
  });

  test('should evaluate quiet hours correctly across daylight-saving changes', () => {
    const window = { start: '01:00', end: '04:00' };
    // 2026-03-29: Madrid springs forward at 02:00 CET (01:00 UTC) straight to 03:00 CEST.
    expect(inQuietHours(new Date('2026-03-29T00:30:00Z'), 'Europe/Madrid', window)).toBe(true); // 01:30 CET
    expect(inQuietHours(new Date('2026-03-29T01:30:00Z'), 'Europe/Madrid', window)).toBe(true); // 03:30 CEST
    expect(inQuietHours(new Date('2026-03-29T02:00:00Z'), 'Europe/Madrid', window)).toBe(false); // 04:00 CEST
    // The night is one hour shorter: the window ends at 02:00 UTC, not 03:00 UTC as in winter.
    expect(quietHoursEnd(new Date('2026-03-29T00:10:00Z'), 'Europe/Madrid', window).toISOString()).toBe('2026-03-29T02:00:00.000Z');
    expect(quietHoursEnd(new Date('2026-03-22T00:10:00Z'), 'Europe/Madrid', window).toISOString()).toBe('2026-03-22T03:00:00.000Z');
    // New York falls back on 2026-11-01: 01:00–02:00 happens twice, both inside the window.
    expect(inQuietHours(new Date('2026-11-01T05:30:00Z'), 'America/New_York', window)).toBe(true); // 01:30 EDT
    expect(inQuietHours(new Date('2026-11-01T06:30:00Z'), 'America/New_York', window)).toBe(true); // 01:30 EST
    expect(quietHoursEnd(new Date('2026-11-01T05:30:00Z'), 'America/New_York', window).toISOString()).toBe('2026-11-01T09:00:00.000Z');
  });
});

test.describe('policy gate in runAction', () => {
  test('should block before any tool call and record why', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, policy: { compliance: { banned_terms: ['free money'], allowed_flags: [] } } });
    try {
      const action = await h.submit({ payload: { caption: 'FREE MONEY inside' } });
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome).toMatchObject({ status: 'blocked', reason: 'banned_term: banned terms present: free money' });
      expect(platform.calls).toMatchObject({ identity: 0, attempt: 0 });
      const last = (await h.services.store.audit.forAction(action.action_id)).at(-1)!.event;
      expect(last).toMatchObject({ transition: { from: 'queued', to: 'blocked' }, reason: 'banned_term: banned terms present: free money', result: { status: 'blocked', error_code: 'banned_term' } });
    } finally {
      await h.close();
    }
  });

  test('should keep a manual action queued until a second person approves it', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform, policy: { autonomy: 'manual' } });
    try {
      const action = await h.submit();
      expect(await runAction(h.services.kernel, action.action_id)).toMatchObject({ status: 'deferred', reason: expect.stringMatching(/^awaiting_approval/) });
      await expect(approveAction(h.services.store, action.action_id, 'ana@agency')).rejects.toThrow(PolicyDeniedError);
      await approveAction(h.services.store, action.action_id, 'rev@agency');
      expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should defer when a budget window is full, naming the rule and the next slot', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      await h.services.store.budgets.set({ platform_account_id: h.account.platform_account_id, action_type: 'publish', per_hour: 2, per_day: null, min_spacing_ms: 0 });
      const results = [];
      for (let i = 0; i < 3; i += 1) results.push(await runAction(h.services.kernel, (await h.submit()).action_id));
      expect(results.map((r) => r.status)).toEqual(['confirmed_success', 'confirmed_success', 'deferred']);
      expect(results[2]!.reason).toBe('budget_exhausted: per_hour');
      expect(Date.parse(results[2]!.retry_at!)).toBeGreaterThan(Date.now() + 59 * 60_000);
      expect(platform.effects).toHaveLength(2);
      // Another action type is not limited by the publish budget.
      expect((await runAction(h.services.kernel, (await h.submit({ action_type: 'like', payload: { target: 'm1' } })).action_id)).status).toBe('confirmed_success');
    } finally {
      await h.close();
    }
  });

  test('should enforce per-day caps and minimum spacing, and give back unused reservations', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const id = h.account.platform_account_id;
      await h.services.store.budgets.set({ platform_account_id: id, action_type: '*', per_hour: null, per_day: 5, min_spacing_ms: 60_000 });
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('confirmed_success');
      const spaced = await runAction(h.services.kernel, (await h.submit({ action_type: 'like', payload: { target: 'm9' } })).action_id);
      expect(spaced).toMatchObject({ status: 'deferred', reason: 'budget_exhausted: min_spacing' });
      const budgets = h.services.store.budgets;
      const t0 = new Date(Date.now() + 61_000);
      for (let i = 0; i < 4; i += 1) {
        expect(await budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: `r${i}`, at: new Date(t0.getTime() + i * 61_000) })).toEqual({ ok: true });
      }
      const full = await budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: 'r5', at: new Date(t0.getTime() + 5 * 61_000) });
      expect(full).toMatchObject({ ok: false, rule: 'per_day' });
      await budgets.release('r3');
      expect(await budgets.reserve({ platform_account_id: id, action_type: 'like', action_id: 'r6', at: new Date(t0.getTime() + 6 * 61_000) })).toEqual({ ok: true });
      // A blocked action leaves no reservation behind.
      await h.services.store.accounts.setState(id, 'active', null);
      const identityFail = new FakePlatform({ identity: { ok: false, signals: [] } });
      h.services.performers.register('api', 'instagram', identityFail);
      const before = (await budgets.uses(id, new Date(0), new Date(Date.now() + 86_400_000))).length;
      await h.services.store.budgets.set({ platform_account_id: id, action_type: '*', per_hour: null, per_day: null, min_spacing_ms: 0 });
      expect((await runAction(h.services.kernel, (await h.submit()).action_id)).status).toBe('blocked');
      expect((await budgets.uses(id, new Date(0), new Date(Date.now() + 86_400_000))).length).toBe(before);
    } finally {
      await h.close();
    }
  });

  test('should block an action whose client has no policy', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const other = await h.services.store.clients.create({ client_id: 'no-policy-client', name: 'No Policy', created_at: new Date().toISOString() });
      const acc = await h.services.store.accounts.create({ ...h.account, platform_account_id: 'acc-no-policy', client_id: other.client_id });
      const action = await h.submit({ client_id: other.client_id, platform_account_id: acc.platform_account_id });
      expect(await runAction(h.services.kernel, action.action_id)).toMatchObject({ status: 'blocked', reason: 'no_policy: the client has no policy' });
    } finally {
      await h.close();
    }
  });
});
