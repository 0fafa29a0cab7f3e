import { test, expect } from '@playwright/test';
import { ACTION_STATES } from '../../store/index.js';
import { TRANSITIONS, assertTransition, IllegalTransitionError } from '../../safety/index.js';
import { ActionTracker } from '../../safety/tracker.js';
import { createHarness } from '../helpers/kernel.js';

const LEGAL: [string, string][] = [
  ['queued', 'preflight_passed'], ['queued', 'blocked'],
  ['preflight_passed', 'identity_verified'], ['preflight_passed', 'blocked'],
  // The identity read failed in passing (rate limit, 5xx): back to the queue, nothing attempted.
  ['preflight_passed', 'queued'],
  ['identity_verified', 'attempted'], ['identity_verified', 'confirmed_success'], ['identity_verified', 'blocked'],
  // The dedupe pre-check's read failed in passing: the same, the key's claim let go.
  ['identity_verified', 'queued'],
  ['attempted', 'confirmed_success'], ['attempted', 'confirmed_failed'], ['attempted', 'unknown'],
  ['unknown', 'confirmed_success'], ['unknown', 'confirmed_failed'],
  ['confirmed_success', 'postcheck_complete'], ['confirmed_failed', 'postcheck_complete'],
];

test.describe('state machine (spec 000 §3)', () => {
  test('should have exactly the legal edges of the spec', () => {
    const table = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to]));
    expect(table.sort()).toEqual([...LEGAL].sort());
  });

  for (const from of ACTION_STATES) {
    for (const to of ACTION_STATES) {
      const legal = LEGAL.some(([f, t]) => f === from && t === to);
      test(`should ${legal ? 'accept' : 'refuse'} ${from} → ${to}`, () => {
        if (legal) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
      });
    }
  }

  test('should never persist an illegal or skipping transition, nor audit it', async () => {
    const h = await createHarness();
    try {
      const action = await h.submit();
      const auditBefore = await h.services.store.audit.count();
      const tracker = new ActionTracker(h.services.store, action, () => new Date());
      // queued → attempted skips preflight and identity.
      await expect(tracker.move('attempted')).rejects.toThrow(IllegalTransitionError);
      await expect(tracker.move('confirmed_success')).rejects.toThrow(/illegal transition queued → confirmed_success/);
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('queued');
      expect(await h.services.store.audit.count()).toBe(auditBefore);
    } finally {
      await h.close();
    }
  });

  test('should append an AuditEvent for every transition it takes', async () => {
    const h = await createHarness();
    try {
      const action = await h.submit();
      const tracker = new ActionTracker(h.services.store, action, () => new Date());
      await tracker.move('preflight_passed');
      await tracker.move('identity_verified');
      await tracker.move('attempted');
      await tracker.move('unknown');
      await tracker.move('confirmed_success');
      await tracker.move('postcheck_complete');
      const events = await h.services.store.audit.forAction(action.action_id);
      expect(events.map((e) => [e.event.transition.from, e.event.transition.to])).toEqual([
        [null, 'queued'], ['queued', 'preflight_passed'], ['preflight_passed', 'identity_verified'],
        ['identity_verified', 'attempted'], ['attempted', 'unknown'], ['unknown', 'confirmed_success'],
        ['confirmed_success', 'postcheck_complete'],
      ]);
    } finally {
      await h.close();
    }
  });

  test('should refuse a stale transition when another worker moved the action first', async () => {
    const h = await createHarness();
    try {
      const action = await h.submit();
      const first = new ActionTracker(h.services.store, action, () => new Date());
      const second = new ActionTracker(h.services.store, action, () => new Date());
      await first.move('preflight_passed');
      await expect(second.move('blocked')).rejects.toThrow(/expected queued/);
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('preflight_passed');
    } finally {
      await h.close();
    }
  });
});
