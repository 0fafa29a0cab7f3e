import { test, expect } from '@playwright/test';
import {
  backoffDelay, retryDelay, parseRetryAfter, classify, canRetry, TransientError, PlatformRefusalError,
  KillSwitchError, AuthExpiredError, CheckpointError, IdentityMismatchError, BudgetExhaustedError, OutcomeUnknownError,
  IdempotencyError, DriftError, PolicyDeniedError, sleep,
} from '../../safety/index.js';

const options = { baseMs: 100, capMs: 5000 };

test.describe('retry (spec 000 §5.2, §8.3)', () => {
  test('should draw full jitter within [0, min(cap, base·2^n))', () => {
    for (let n = 0; n < 12; n += 1) {
      const ceiling = Math.min(5000, 100 * 2 ** n);
      expect(backoffDelay(n, options, () => 0)).toBe(0);
      expect(backoffDelay(n, options, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
      expect(backoffDelay(n, options, () => 0.999999)).toBeLessThan(ceiling);
    }
    // The cap holds however many retries came before.
    expect(backoffDelay(40, options, () => 0.999999)).toBeLessThan(5000);
    // With a real RNG every draw stays in bounds and they are not all equal.
    const draws = Array.from({ length: 2000 }, () => backoffDelay(3, options));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(800);
    expect(new Set(draws).size).toBeGreaterThan(100);
  });

  test('should never retry before Retry-After, even above the cap', () => {
    expect(retryDelay(0, options, 3000, () => 0.5)).toBe(3000);
    expect(retryDelay(0, options, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelay(5, options, 10, () => 0.5)).toBe(1600);
    expect(retryDelay(2, options, undefined, () => 0.5)).toBe(200);
  });

  test('should parse Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  test('should classify errors in one place: transient-only retries, ambiguity to verification', () => {
    expect(classify(new TransientError('refused', false))).toEqual({ kind: 'retry', code: 'transient_not_sent', retryAfterMs: undefined });
    expect(classify(new TransientError('429', false, 2000, 429))).toEqual({ kind: 'retry', code: 'rate_limited', retryAfterMs: 2000 });
    expect(classify(new TransientError('503', true, undefined, 503))).toMatchObject({ kind: 'verify', code: 'http_503' });
    expect(classify(new Error('socket hang up'))).toMatchObject({ kind: 'verify', code: 'unclassified_error' });
    expect(classify(new OutcomeUnknownError('no receipt'))).toMatchObject({ kind: 'verify', code: 'outcome_unknown' });
    expect(classify(new PlatformRefusalError('bad media', 400))).toEqual({ kind: 'failed', code: 'platform_refused' });
    expect(classify(new KillSwitchError('global', '*', 'before_commit'))).toEqual({ kind: 'failed', code: 'kill_switch' });
    expect(classify(new AuthExpiredError('190'))).toEqual({ kind: 'failed', code: 'auth_expired', degrade: 'reconnect_required' });
    expect(classify(new CheckpointError('captcha'))).toEqual({ kind: 'failed', code: 'checkpoint', degrade: 'read_only' });
    expect(classify(new DriftError('unknown layout'))).toEqual({ kind: 'failed', code: 'drift', degrade: 'read_only' });
    expect(classify(new IdentityMismatchError(['handle']))).toEqual({ kind: 'failed', code: 'identity_mismatch', degrade: 'needs_human' });
    expect(classify(new IdempotencyError('k'))).toEqual({ kind: 'failed', code: 'idempotency_error' });
    expect(classify(new PolicyDeniedError('quiet_hours'))).toEqual({ kind: 'failed', code: 'policy_denied' });
    expect(classify(new BudgetExhaustedError('per_hour', '2026-01-01T00:00:00Z'))).toEqual({ kind: 'failed', code: 'budget_exhausted' });
    expect(canRetry(new TransientError('x', false))).toBe(true);
    expect(canRetry(new TransientError('x', true))).toBe(false);
    expect(canRetry(new Error('x'))).toBe(false);
  });

  test('should give every error class a stable code', () => {
    const codes = [
      new PolicyDeniedError('r'), new KillSwitchError('client', 'c', 'before_preflight'), new IdentityMismatchError([]),
      new BudgetExhaustedError('per_day', 'x'), new OutcomeUnknownError('x'), new IdempotencyError('k'), new DriftError('x'),
      new CheckpointError('x'), new AuthExpiredError('x'), new PlatformRefusalError('x'), new TransientError('x', false),
    ].map((e) => [e.name, e.code]);
    expect(codes).toEqual([
      ['PolicyDeniedError', 'policy_denied'], ['KillSwitchError', 'kill_switch'], ['IdentityMismatchError', 'identity_mismatch'],
      ['BudgetExhaustedError', 'budget_exhausted'], ['OutcomeUnknownError', 'outcome_unknown'], ['IdempotencyError', 'idempotency_error'],
      ['DriftError', 'drift'], ['CheckpointError', 'checkpoint'], ['AuthExpiredError', 'auth_expired'],
      ['PlatformRefusalError', 'platform_refused'], ['TransientError', 'transient'],
    ]);
  });

  test('should cut a backoff sleep short when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('kill switch')), 20);
    await expect(sleep(10_000, controller.signal)).rejects.toThrow('kill switch');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
