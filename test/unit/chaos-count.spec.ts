import { test, expect } from '@playwright/test';
import { countEffects, splitUnknowns, type Counts, type Effect } from '../../cli/chaos/count.js';
import type { Action } from '../../safety/index.js';
import type { Store } from '../../store/index.js';

/** The audit reasons of one action, as the chaos counter reads them. */
function storeWith(reasons: Record<string, string[]>): Store {
  return { audit: { forAction: async (id: string) => (reasons[id] ?? []).map((reason) => ({ event: { reason } })) } } as unknown as Store;
}
const unknownAction = (id: string, escalated = true) => ({ action_id: id, state: 'unknown', escalated_at: escalated ? '2026-11-29T07:53:49.286Z' : null }) as unknown as Action;
const counts = (effects: Record<string, number>): Counts => ({ groupEffects: new Map(Object.entries(effects)) }) as unknown as Counts;

const CONTENT_ONLY = (n: number) => `verification try ${n}: not seen on conversation (content match only); absence not proven: 0 of 2 precise looks (${n} matched by content only, which proves nothing)`;

test.describe('chaos counter: unknowns escalated by design', () => {
  test('should not count a look that was not taken (paused on another account) as evidence either way', async () => {
    // Chaos seed 7 at 300 actions: an X reply whose first look was paused by an account switch,
    // then only content-match looks, was reported unresolved although no look could ever prove it.
    const reasons = ['attempt 1', 'attempt 1: outcome_unknown, no definite answer; looking for the effect',
      'look 1: not taken as this account (identity_mismatch); the account is needs_human, looks paused until it is back',
      CONTENT_ONLY(1), CONTENT_ONLY(2)];
    const split = await splitUnknowns(storeWith({ a: reasons }), [unknownAction('a')], counts({ a: 0 }));
    expect(split.escalated.map((a) => a.action_id)).toEqual(['a']);
    expect(split.unresolved).toEqual([]);
  });

  test('should count as unresolved an unknown whose effect is live, or that was never escalated, or that no look reached', async () => {
    const reasons = ['attempt 1', CONTENT_ONLY(1)];
    const paused = ['attempt 1', 'look 1: not taken as this account (identity_mismatch); the account is needs_human, looks paused until it is back'];
    const split = await splitUnknowns(storeWith({ live: reasons, open: reasons, paused }),
      [unknownAction('live'), unknownAction('open', false), unknownAction('paused')], counts({ live: 1, open: 0, paused: 0 }));
    expect(split.unresolved.map((a) => a.action_id)).toEqual(['live', 'open', 'paused']);
    expect(split.escalated).toEqual([]);
  });
});

test.describe('chaos counter: toggles', () => {
  const account = { id: 'acc-1', client_id: 'c-1', platform: 'instagram' as const, user_id: '17841400000000001', handle: 'northwind.bakery', password: 'x' };
  const like = { action_id: 'a-like', idempotency_key: 'k-like', platform: 'instagram', platform_account_id: 'acc-1', action_type: 'like', payload: { target: '/p/SEED1aBc/' }, state: 'postcheck_complete', attempt_count: 1, result: { verification_level: 3 }, depends_on: null } as unknown as Action;
  const effect = (seq: number, kind: string): Effect => ({ seq, platform: 'instagram', account: { id: account.user_id, handle: account.handle }, kind, object_id: '17900000000000001', target_id: '17900000000000001', payload_sha256: 'x', at: '2026-12-05T00:00:00.000Z', via: 'ui', reverted: false }) as unknown as Effect;

  test('should count an unlike as unexpected (a misread heart clicked again), and a like after it as a duplicate', () => {
    const once = countEffects([like], [account], [effect(1, 'like')]);
    expect({ unexpected: once.unexpected, duplicates: once.duplicates, lost: once.lost }).toEqual({ unexpected: 0, duplicates: 0, lost: 0 });
    const toggled = countEffects([like], [account], [effect(1, 'like'), effect(2, 'unlike')]);
    expect(toggled.unexpected).toBe(1);
    const relike = countEffects([like], [account], [effect(1, 'like'), effect(2, 'unlike'), effect(3, 'like')]);
    expect(relike.unexpected + relike.duplicates).toBe(2);
  });
});
