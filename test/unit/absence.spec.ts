import { test, expect } from '@playwright/test';
import fc from 'fast-check';
import { absenceProof, runAction, resolveUnknown, type AbsenceRule } from '../../safety/index.js';
import type { AbsenceLook } from '../../store/index.js';
import { createHarness, auditTrail } from '../helpers/kernel.js';
import { FakePlatform, type AttemptScript } from '../helpers/fake-platform.js';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const look = (ms: number, surface: string | null, precise = true): AbsenceLook => ({ at: at(ms), surface, precise });

test.describe('defect 1: one "absent" look permitted a second attempt', () => {
  test('should end with one effect and confirmed_success when the new object shows 200 ms after it landed', async () => {
    // The platform commits, the answer is lost, and its listing shows the post 200 ms later.
    const platform = new FakePlatform({ attempts: ['applied_then_error', 'applied_then_error', 'applied_then_error'], lag: { listMs: 200 } });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit({ payload: { caption: 'Lagging grid' } });
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      expect(await auditTrail(h.services, action.action_id)).toEqual(['queued', 'preflight_passed', 'identity_verified', 'attempted', 'unknown', 'confirmed_success', 'postcheck_complete']);
    } finally {
      await h.close();
    }
  });

  test('should never attempt again on "not seen" looks that match by content only: unknown, then escalated', async () => {
    // The listing hides new posts for longer than every look; the lane can only match captions.
    const platform = new FakePlatform({ attempts: ['applied_then_error', 'ok', 'ok'], lag: { listMs: 3_600_000 } });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit({ payload: { caption: 'Invisible for an hour' } });
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('unknown');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
      const settled = (await h.services.store.actions.get(action.action_id))!;
      expect(settled.escalated_at).not.toBeNull();
      expect((await h.services.store.ledger.get(action.idempotency_key))!.status).toBe('unknown');
      const reasons = (await h.services.store.audit.forAction(action.action_id)).map((r) => r.event.reason ?? '');
      expect(reasons.some((r) => /content match only.*which proves nothing/.test(r))).toBe(true);
      // Once the platform shows it, the sweep settles it as the success it was.
      h.clock.advance(3_600_000);
      const later = await resolveUnknown(h.services.kernel, action.action_id, { maxTries: 1 });
      expect(later).toMatchObject({ state: 'unknown' }); // tries are spent: a human settles it now
    } finally {
      await h.close();
    }
  });

  test('should free the key only after precise looks spanning the visibility window', async () => {
    // Phantom failure the other way round: a 503 and nothing landed. Precise looks (by token)
    // prove absence, but only once the window has passed: then, and only then, one retry.
    const platform = new FakePlatform({ attempts: ['error_before_commit', 'ok'], listingPrecise: true, absence: { windowMs: 20_000, looks: 3 } });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 6 } });
    try {
      const action = await h.submit({ payload: { caption: 'Never landed' } });
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(2);
      expect(platform.effects).toHaveLength(1);
      const events = await h.services.store.audit.forAction(action.action_id);
      const retry = events.find((r) => r.event.reason === 'retry: attempt 2')!;
      const ended = events.find((r) => /attempt 1: http_503, no definite answer/.test(r.event.reason ?? ''))!;
      expect(Date.parse(retry.event.timestamp) - Date.parse(ended.event.timestamp)).toBeGreaterThanOrEqual(20_000);
      expect(events.filter((r) => /not seen on listing \(precise\)/.test(r.event.reason ?? '')).length).toBeGreaterThanOrEqual(3);
    } finally {
      await h.close();
    }
  });

  test('should retry once after a phantom success (a receipt, nothing applied) is proven absent by id', async () => {
    const platform = new FakePlatform({ attempts: ['phantom_success', 'ok'] });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit({ payload: { caption: 'Said done, was not' } });
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(2);
      expect(platform.effects).toHaveLength(1);
      expect(outcome.action.result.platform_object_id).toBe(platform.effects[0]!.object_id);
    } finally {
      await h.close();
    }
  });

  test('should keep a receipt from the first audited look on (a crash after it still reads the object\'s own page), and drop it when a new attempt starts', async () => {
    const platform = new FakePlatform({ attempts: ['phantom_success', 'ok'] });
    const h = await createHarness({ performer: platform });
    const stored: { at: string; object: string | undefined }[] = [];
    const read = async (at: string, id: string) => void stored.push({ at, object: (await h.services.store.actions.get(id))!.result.platform_object_id });
    const verify = platform.verify.bind(platform);
    const attempt = platform.attempt.bind(platform);
    platform.verify = async (ctx, receipt, look) => {
      await read(`verify ${platform.calls.verify + 1}`, ctx.action.action_id);
      return verify(ctx, receipt, look);
    };
    platform.attempt = async (ctx) => {
      await read(`attempt ${platform.calls.attempt + 1}`, ctx.action.action_id);
      return attempt(ctx);
    };
    try {
      const action = await h.submit({ payload: { caption: 'Said done, was not' } });
      expect((await runAction(h.services.kernel, action.action_id)).status).toBe('confirmed_success');
      // Look 1 right after the phantom receipt; from look 2 on the store holds it; attempt 2 starts without it.
      expect(stored.slice(0, 4)).toEqual([
        { at: 'attempt 1', object: undefined }, { at: 'verify 1', object: undefined },
        { at: 'verify 2', object: 'obj_phantom_1' }, { at: 'attempt 2', object: undefined },
      ]);
    } finally {
      await h.close();
    }
  });

  test('should record a phantom failure (a 500, the effect applied) as the success it was, without a retry', async () => {
    const platform = new FakePlatform({ attempts: ['phantom_failure', 'ok'], lag: { listMs: 5_000 } });
    const h = await createHarness({ performer: platform });
    try {
      const action = await h.submit({ payload: { caption: 'Said failed, was not' } });
      const outcome = await runAction(h.services.kernel, action.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should never produce a second effect for one key, whatever the lag, precision and lies (property)', async () => {
    const scripts: AttemptScript[] = ['ok', 'applied_then_error', 'error_before_commit', 'phantom_success', 'phantom_failure', 'no_receipt', 'not_sent', 'refused'];
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(...scripts), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 25_000 }),
      fc.integer({ min: 0, max: 2_000 }),
      fc.boolean(),
      async (attempts, listMs, byIdMs, listingPrecise) => {
        // The window (30 s by default) is longer than any lag the platform has here.
        const platform = new FakePlatform({ attempts, lag: { listMs, byIdMs }, listingPrecise });
        const h = await createHarness({ performer: platform, config: { logLevel: 'silent', verifyMaxTries: 5 } });
        try {
          const action = await h.submit({ payload: { caption: 'Property' } });
          const outcome = await runAction(h.services.kernel, action.action_id);
          expect(platform.effects.length).toBeLessThanOrEqual(1);
          const landed = platform.effects.length === 1;
          // The record never contradicts the platform: success means it landed, failure means it did not.
          if (outcome.status === 'confirmed_success') expect(landed).toBe(true);
          if (outcome.status === 'confirmed_failed') expect(landed).toBe(false);
          if (outcome.status === 'unknown') expect(outcome.action.escalated_at).not.toBeNull();
        } finally {
          await h.close();
        }
      },
    ), { numRuns: 60, seed: 8 });
  });
});

test.describe('absence proof (the rule)', () => {
  const rule: AbsenceRule = { windowMs: 30_000, looks: 2, surfaces: ['grid', 'permalink'] };

  test('should not count looks that matched by content only', () => {
    const looks = [look(0, 'grid', false), look(31_000, 'grid', false), look(32_000, 'permalink', false)];
    expect(absenceProof(rule, looks, at(0))).toMatchObject({ proven: false, missing: expect.stringMatching(/0 of 2 precise looks \(3 matched by content only/) });
  });

  test('should not be proven by looks inside the visibility window, however many', () => {
    const looks = Array.from({ length: 10 }, (_, i) => look(i * 1000, i % 2 ? 'grid' : 'permalink'));
    expect(absenceProof(rule, looks, at(0))).toMatchObject({ proven: false, missing: expect.stringMatching(/no look after the 30000 ms visibility window/) });
  });

  test('should need every named surface after the window', () => {
    expect(absenceProof(rule, [look(1000, 'grid'), look(30_000, 'grid')], at(0))).toMatchObject({ proven: false, missing: 'surfaces not read after the window: permalink' });
    expect(absenceProof(rule, [look(30_000, 'grid'), look(30_500, 'permalink')], at(0))).toEqual({ proven: true });
  });

  test('should ignore looks from before the attempt ended', () => {
    expect(absenceProof(rule, [look(-60_000, 'grid'), look(31_000, 'grid'), look(31_000, 'permalink')], at(0))).toEqual({ proven: true });
    expect(absenceProof({ ...rule, looks: 3 }, [look(-60_000, 'grid'), look(31_000, 'grid'), look(31_000, 'permalink')], at(0)).proven).toBe(false);
  });
});
