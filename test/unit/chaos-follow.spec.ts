import { test, expect } from '@playwright/test';
import { followDelete } from '../../cli/chaos/farm-run.js';
import type { Action } from '../../safety/index.js';

/** The latest action of a publish's episode, as the farm harness reads it. */
const publish = (state: Action['state'], result: Record<string, unknown> = {}, escalated_at: string | null = null) =>
  ({ state, result, escalated_at }) as unknown as Action;

test.describe('chaos farm harness: a planned delete follows its publish', () => {
  test('should submit the delete once the publish succeeded with a link to the post', () => {
    expect(followDelete(publish('postcheck_complete', { permalink: 'https://x.test/p/1' }))).toBe('submit');
    expect(followDelete(publish('confirmed_success', { platform_object_id: '17' }))).toBe('submit');
    // Succeeded but nothing to aim the delete at yet: wait rather than delete blindly.
    expect(followDelete(publish('confirmed_success'))).toBe('wait');
  });

  test('should wait while the publish may still go live', () => {
    for (const state of ['queued', 'preflight_passed', 'identity_verified', 'attempted'] as const) expect(followDelete(publish(state))).toBe('wait');
    // Unknown and still being looked for by the farm.
    expect(followDelete(publish('unknown'))).toBe('wait');
    // Released by recovery before an attempt: the farm queues it again, and that copy is the next latest.
    expect(followDelete(publish('blocked', { error_code: 'interrupted' }))).toBe('wait');
  });

  test('should skip the delete when its post never will be live, or is a person\'s to settle', () => {
    expect(followDelete(undefined)).toBe('skip');
    expect(followDelete(publish('blocked', { error_code: 'precheck_failed' }))).toBe('skip');
    expect(followDelete(publish('confirmed_failed', { error_code: 'rejected' }))).toBe('skip');
    // Chaos seed 7 (session 22): a publish released four times was left to a person; the run idled four hours on its delete.
    expect(followDelete(publish('blocked', { error_code: 'interrupted', requeue_exhausted: true }))).toBe('skip');
    expect(followDelete(publish('unknown', {}, '2026-12-01T08:13:00.000Z'))).toBe('skip');
  });
});
