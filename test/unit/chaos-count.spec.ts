import { test, expect } from '@playwright/test';
import { splitUnknowns, type Counts } from '../../cli/chaos/count.js';
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
