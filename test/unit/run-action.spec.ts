import { test, expect } from '@playwright/test';
import { runAction, resolveUnknown, resolveEscalation, TransientError, IdentityMismatchError } from '../../safety/index.js';
import { createHarness, auditTrail } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

test.describe('runAction', () => {
  test('should walk the whole state machine in order and leave one effect', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(outcome.action.state).toBe('postcheck_complete');
      expect(outcome.action.result).toMatchObject({ platform_object_id: 'obj_1', verification_level: 2 });
      expect(await auditTrail(h.services, action.action_id)).toEqual([
        'queued', 'preflight_passed', 'identity_verified', 'attempted', 'confirmed_success', 'postcheck_complete',
      ]);
      expect(platform.effects).toHaveLength(1);
      expect(platform.calls).toMatchObject({ identity: 1, precheck: 1, attempt: 1, verify: 1 });
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('succeeded');
      // The run is over: the lane was told once, after the last phase.
      expect(platform.released).toEqual([action.action_id]);
    } finally {
      await h.close();
    }
  });

  test('should write ahead durably and let only its other run-time moves be acknowledged before a flush (lazy), never a submission', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    const writes: { to: string; durable?: boolean; lazy?: boolean }[] = [];
    const repo = h.services.store.actions;
    const { transition, transitionMany, note, create } = repo;
    repo.transition = (w) => (writes.push({ to: w.to, durable: w.durable, lazy: w.lazy }), transition.call(repo, w));
    repo.transitionMany = (ws) => (ws.forEach((w) => writes.push({ to: w.to, durable: w.durable, lazy: w.lazy })), transitionMany.call(repo, ws));
    repo.note = (w) => (writes.push({ to: `note ${w.state}`, durable: w.durable, lazy: w.lazy }), note.call(repo, w));
    repo.create = (a, e, ep) => (writes.push({ to: 'created' }), create.call(repo, a, e, ep));
    try {
      const action = await h.submit();
      expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_success');
      expect(writes[0]).toEqual({ to: 'created' });
      const attempted = writes.filter((w) => w.to === 'attempted');
      expect(attempted).toEqual([{ to: 'attempted', durable: true, lazy: undefined }]);
      const others = writes.slice(1).filter((w) => w.to !== 'attempted');
      expect(others.length).toBeGreaterThanOrEqual(4);
      for (const w of others) expect(w, w.to).toMatchObject({ lazy: true });
    } finally {
      await h.close();
    }
  });

  test('should defer, not block, when the identity read is rate-limited: back to queued with the reset as retry_at, budget slot given back, then run normally', async () => {
    const limited = new TransientError('GET /me answered 429', false, 60_000, 429);
    const platform = new FakePlatform({ identity: limited });
    const h = await createHarness({ performer: platform });
    try {
      await h.services.store.budgets.set({ platform_account_id: h.account.platform_account_id, action_type: 'publish', per_hour: 1, per_day: null, min_spacing_ms: 0 });
      const action = await h.submit();
      const first = await runAction(h.services.kernel, action.action_id);
      expect(first.status).toBe('deferred');
      expect(first.reason).toBe('identity_unreadable: rate_limited');
      expect(Date.parse(first.retry_at!) - h.clock.now().getTime()).toBe(60_000);
      const waiting = (await h.services.store.actions.get(action.action_id))!;
      expect(waiting.state).toBe('queued');
      expect(waiting.owner_id).toBeNull();
      expect(platform.calls).toMatchObject({ identity: 1, attempt: 0 });
      expect(await h.services.store.budgets.uses(h.account.platform_account_id, new Date(0), new Date(Date.now() + 86_400_000))).toEqual([]);
      // The one hourly slot was given back: the run after the reset can take it.
      h.clock.advance(60_000);
      (platform as unknown as { options: { identity?: unknown } }).options.identity = undefined;
      const second = await runAction(h.services.kernel, action.action_id);
      expect(second.status, second.reason).toBe('confirmed_success');
      expect(await auditTrail(h.services, action.action_id)).toEqual([
        'queued', 'preflight_passed', 'queued', 'preflight_passed', 'identity_verified', 'attempted', 'confirmed_success', 'postcheck_complete',
      ]);
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should defer, not block, when the pre-check read fails in passing: key let go, nothing attempted, then one effect; blocked after the retry cap', async () => {
    const platform = new FakePlatform({ precheckTransient: 1 });
    const h = await createHarness({ performer: platform, config: { retryMaxAttempts: 2 } });
    try {
      const action = await h.submit();
      const first = await runAction(h.services.kernel, action.action_id);
      expect(first).toMatchObject({ status: 'deferred', reason: 'precheck_unreadable: http_503' });
      expect(first.action).toMatchObject({ state: 'queued', owner_id: null });
      expect(first.action.not_before).not.toBeNull();
      expect(platform.calls.attempt).toBe(0);
      // The key's claim is let go: nothing happened under it.
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
      expect(await h.services.store.budgets.uses(h.account.platform_account_id, new Date(0), new Date(Date.now() + 3_600_000))).toEqual([]);
      const second = await runAction(h.services.kernel, action.action_id);
      expect(second.status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
      expect(await auditTrail(h.services, action.action_id)).toEqual([
        'queued', 'preflight_passed', 'identity_verified', 'queued', 'preflight_passed', 'identity_verified', 'attempted', 'confirmed_success', 'postcheck_complete',
      ]);
    } finally {
      await h.close();
    }
    // A listing that keeps failing: deferred up to the retry cap, then blocked — never attempted blind.
    const flaky = new FakePlatform({ precheckTransient: 99 });
    const h2 = await createHarness({ performer: flaky, config: { retryMaxAttempts: 2 } });
    try {
      const action = await h2.submit();
      expect((await runAction(h2.services.kernel, action.action_id)).status).toBe('deferred');
      expect((await runAction(h2.services.kernel, action.action_id)).status).toBe('deferred');
      const last = await runAction(h2.services.kernel, action.action_id);
      expect(last).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/^precheck_failed: transient/) });
      expect(flaky.calls.attempt).toBe(0);
      expect(flaky.effects).toHaveLength(0);
    } finally {
      await h2.close();
    }
  });

  test('should still block when the identity read shows another account (no deferral of a mismatch)', async () => {
    const platform = new FakePlatform({ identity: new IdentityMismatchError(['handle']) });
    const h = await createHarness({ performer: platform });
    try {
      const outcome = await runAction(h.services.kernel, (await h.submit()).action_id);
      expect(outcome.status).toBe('blocked');
      expect(outcome.reason).toBe('identity_error: identity_mismatch');
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
    } finally {
      await h.close();
    }
  });

  test('should record attempted durably before calling attempt (write-ahead)', async () => {
    let stateDuringAttempt = '';
    const h = await createHarness();
    const platform = new FakePlatform({
      onBeforeCommit: async () => {
        stateDuringAttempt = (await h.services.store.actions.get(action.action_id))!.state;
      },
    });
    h.services.performers.register('api', 'instagram', platform);
    const action = await h.submit();
    try {
      await runAction(h.services.kernel, action.action_id);
      expect(stateDuringAttempt).toBe('attempted');
    } finally {
      await h.close();
    }
  });

  test('should return the existing object without attempting when the pre-check finds it', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const first = await h.submit({ payload: { caption: 'Hello' } });
      await runAction(h.services.kernel, first.action_id);
      // The listing the pre-check reads shows new objects after its lag, as on a real platform.
      h.clock.advance(1000);
      // A new key over the same content (a caller's own key): the ledger has not seen it, the platform has.
      const second = await h.submit({ payload: { caption: 'Hello' }, idempotency_key: 'caller-key-0001' });
      const outcome = await runAction(h.services.kernel, second.action_id);
      expect(outcome).toMatchObject({ status: 'confirmed_success', reason: 'already_exists' });
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      expect(await auditTrail(h.services, second.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'confirmed_success', 'postcheck_complete']);
    } finally {
      await h.close();
    }
  });

  test('should retry a transient failure that never reached the platform, honouring Retry-After', async () => {
    const platform = new FakePlatform({ attempts: ['rate_limited', 'not_sent', 'ok'], retryAfterMs: 1500 });
    const h = await createHarness({ performer: platform, overrides: { random: () => 0.5 } });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(3);
      expect(platform.effects).toHaveLength(1);
      // First wait: Retry-After (1500) beats the jitter (0.5 · min(2000, 100·2^0) = 50).
      // Second: plain full jitter, 0.5 · min(2000, 100·2^1) = 100.
      expect(h.sleeps).toEqual([1500, 100]);
      expect(outcome.action.attempt_count).toBe(3);
    } finally {
      await h.close();
    }
  });

  test('should end a not-sent attempt whose Retry-After lies past the deadline as failed, not sleep into the deadline and leave it attempted', async () => {
    // A rate limit resetting in an hour, met inside an attempt with two minutes left: the wait
    // would be aborted by the deadline and runAction would throw with the action `attempted`.
    const platform = new FakePlatform({ attempts: ['rate_limited', 'ok'], retryAfterMs: 3_600_000 });
    const h = await createHarness({ performer: platform, config: { actionDeadlineMs: 120_000 } });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_failed');
      expect(outcome.reason).toMatch(/^rate_limited: attempt 2 would start past the action's deadline \(the platform's reset is 3600 s away\)/);
      expect(outcome.action.state).toBe('postcheck_complete');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(0);
      expect(h.sleeps).toEqual([]);
      // Nothing is live: the key is free for the same action submitted again later.
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
    } finally {
      await h.close();
    }
  });

  test('should stop at the hard cap of attempts and count it a failure with no effect', async () => {
    const platform = new FakePlatform({ attempts: ['not_sent', 'not_sent', 'not_sent', 'ok'] });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_failed');
      expect(outcome.reason).toMatch(/retries_exhausted/);
      expect(platform.calls.attempt).toBe(3);
      expect(platform.effects).toHaveLength(0);
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('failed');
    } finally {
      await h.close();
    }
  });

  test('should verify after an ambiguous error and find the effect instead of attempting again', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error', 'ok'] });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      // The answer was lost: the audit shows the outcome was unknown until verification saw it.
      expect(await auditTrail(h.services, action.action_id)).toEqual([
        'queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_success', 'postcheck_complete',
      ]);
    } finally {
      await h.close();
    }
  });

  test('should retry an ambiguous error only once verification proved absence', async () => {
    const platform = new FakePlatform({ attempts: ['error_before_commit', 'ok'], listingPrecise: true });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(2);
      expect(platform.effects).toHaveLength(1);
      // The retry came only after precise looks that spanned the visibility window.
      const reasons = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      const proven = reasons.findIndex((r) => /absence proven/.test(r));
      expect(proven).toBeGreaterThan(0);
      expect(reasons.findIndex((r) => r === 'retry: attempt 2')).toBeGreaterThan(proven);
      expect(h.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(h.services.config.absenceWindowMs);
    } finally {
      await h.close();
    }
  });

  test('should fail a definite refusal without retrying', async () => {
    const platform = new FakePlatform({ attempts: ['refused'] });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_failed');
      expect(outcome.action.result.error_code).toBe('platform_refused');
      // The platform's words reach the operator with the refusal.
      expect(outcome.reason).toBe('platform_refused: attempt 1 refused (400 invalid media)');
      expect(platform.calls.attempt).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('should resolve a missing receipt to success through verification, never a second attempt', async () => {
    const platform = new FakePlatform({ attempts: ['no_receipt'], inconclusiveVerifies: 2 });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      expect(await auditTrail(h.services, action.action_id)).toEqual([
        'queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_success', 'postcheck_complete',
      ]);
    } finally {
      await h.close();
    }
  });

  test('should escalate an outcome still unknown after N verification tries', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'], inconclusiveVerifies: 100 });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 3 } });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      expect(outcome.action.verify_tries).toBe(3);
      expect(outcome.action.escalated_at).not.toBeNull();
      const escalations = await h.services.store.escalations.open();
      expect(escalations.map((e) => e.action_id)).toEqual([action.action_id]);
      expect(platform.calls.attempt).toBe(1);
      // The sweep later finds it: still read-only.
      platform['inconclusiveLeft'] = 0;
      const again = await resolveUnknown(h.services.kernel, action.action_id);
      expect(again!.state).toBe('unknown');
      expect(platform.calls.attempt).toBe(1);
      // A reviewer checks the platform and settles it; the escalation closes.
      const settled = await resolveEscalation(h.services.kernel, escalations[0]!.escalation_id, { outcome: 'present', by: 'rev@agency', platform_object_id: 'obj_1' });
      expect(settled.state).toBe('postcheck_complete');
      expect(settled.result.platform_object_id).toBe('obj_1');
      expect(await h.services.store.escalations.open()).toEqual([]);
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('succeeded');
      const last = (await h.services.store.audit.forAction(action.action_id)).find((e) => e.event.transition.to === 'confirmed_success')!;
      expect(last.event.reason).toBe('resolved by rev@agency: present on the platform');
    } finally {
      await h.close();
    }
  });

  test('should never run a dependent step while its dependency is unknown', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'], inconclusiveVerifies: 100 });
    const h = await createHarness({ performer: platform });
    try {
      const publish = await h.submit();
      const first = await runAction(h.services.kernel, publish.action_id, { verifyInline: false });
      expect(first.status).toBe('unknown');
      const reply = await h.submit({ action_type: 'comment_reply', payload: { target: 'c1', text: 'Thanks!' }, depends_on: publish.action_id });
      const outcome = await runAction(h.services.kernel, reply.action_id);
      expect(outcome.status).toBe('deferred');
      expect(outcome.reason).toMatch(/^dependency_pending/);
      expect(platform.calls.attempt).toBe(1);
      expect((await h.services.store.actions.get(reply.action_id))!.state).toBe('queued');
    } finally {
      await h.close();
    }
  });

  test('should block and put the account in needs_human on an identity mismatch', async () => {
    const platform = new FakePlatform({
      identity: { ok: false, signals: [{ name: 'handle', ok: false }, { name: 'avatar_or_name', ok: false }, { name: 'switcher', ok: true }] },
    });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('blocked');
      expect(outcome.reason).toMatch(/^identity_mismatch: handle, avatar_or_name/);
      expect(platform.calls.attempt).toBe(0);
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
      const next = await h.submit();
      expect((await runAction(h.services.kernel, next.action_id)).reason).toMatch(/^account_state: account is needs_human/);
      const events = await h.services.store.audit.forAction(action.action_id);
      expect(events.at(-1)!.event.identity_fingerprint_ok).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('should degrade the account to read_only on a checkpoint and to reconnect_required on an expired token', async () => {
    for (const [script, state] of [['checkpoint', 'read_only'], ['auth_expired', 'reconnect_required']] as const) {
      const platform = new FakePlatform({ attempts: [script] });
      const h = await createHarness({ performer: platform });
      try {
        const action = await h.submit();
        const outcome = await runAction(h.services.kernel, action.action_id);
        expect(outcome.status).toBe('confirmed_failed');
        expect(platform.calls.attempt).toBe(1);
        expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe(state);
      } finally {
        await h.close();
      }
    }
  });

  test('should degrade the account and still verify when friction shows after the commit click', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_checkpoint'] });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      // The effect landed before the checkpoint: verification finds it, no retry, the account stops.
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_success', 'postcheck_complete']);
      const account = (await h.services.store.accounts.get(h.account.platform_account_id))!;
      expect(account.state).toBe('read_only');
      expect(account.state_reason).toMatch(/^attempt: friction after the commit \(outcome_unknown\)/);
    } finally {
      await h.close();
    }
  });

  test('should make the account read_only, not reconnect_required, on repeated auth failures (§8.4)', async () => {
    const platform = new FakePlatform({ attempts: ['auth_expired', 'auth_expired', 'auth_expired'] });
    const h = await createHarness({ performer: platform, config: { authFailureLimit: 3 } });
    try {
      const accounts = h.services.store.accounts;
      const id = h.account.platform_account_id;
      const states: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const action = await h.submit({ payload: { caption: `auth ${i}` } });
        expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_failed');
        const account = (await accounts.get(id))!;
        states.push(account.state);
        // An operator reconnects the account after each expiry; the third failure in the window still stops it.
        if (account.state === 'reconnect_required') await accounts.setState(id, 'active', 'reconnected by an operator');
      }
      expect(states).toEqual(['reconnect_required', 'reconnect_required', 'read_only']);
      expect((await accounts.get(id))!.state_reason).toMatch(/^repeated auth failures \(3 within 24 h/);
      // Read-only: nothing more runs on the account until a human clears it.
      const next = await h.submit({ payload: { caption: 'after' } });
      expect((await runAction(h.services.kernel, next.action_id)).status).toBe('blocked');
      expect(platform.calls.attempt).toBe(3);
      // Failures outside the window do not count.
      expect(await accounts.recordAuthFailure(id, { at: new Date(Date.now() + 2 * 86_400_000), windowMs: 86_400_000 })).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('should block when the pre-check cannot prove the object is absent', async () => {
    const platform = new FakePlatform({ precheckThrows: true });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome).toMatchObject({ status: 'blocked' });
      expect(outcome.reason).toMatch(/^precheck_failed/);
      expect(platform.calls.attempt).toBe(0);
    } finally {
      await h.close();
    }
  });

  test('should run an action delivered twice at once exactly once, the second delivery standing aside', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit();
      const [a, b] = await Promise.all([runAction(h.services.kernel, action.action_id), runAction(h.services.kernel, action.action_id)]);
      expect([a.status, b.status].sort()).toEqual(['blocked', 'confirmed_success']);
      expect([a, b].find((o) => o.status === 'blocked')!.reason).toMatch(/^not_queued/);
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('postcheck_complete');
    } finally {
      await h.close();
    }
  });

  test('should stop waiting for a lane call that hangs past the deadline, and treat the attempt as ambiguous, never as absent', async () => {
    const platform = new FakePlatform({ onAttempt: () => new Promise<void>(() => undefined) });
    const h = await createHarness({ performer: platform, realSleep: true, config: { actionDeadlineMs: 400, absenceWindowMs: 100, verifyBaseMs: 10, verifyCapMs: 50, verifyMaxTries: 2 } });
    try {
      const action = await h.submit();
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      expect(outcome.reason).toMatch(/^outcome_unknown: outcome unknown after attempt 1/);
      expect(platform.calls.attempt).toBe(1);
      expect(outcome.action.escalated_at).not.toBeNull();
    } finally {
      await h.close();
    }
  });
});

