import type { Faults } from './faults.js';
import { deriveSeed, mulberry32 } from './rng.js';
import type { Effect } from './types.js';
import type { World } from './world.js';

/** Default delay of a revert when its rule gives no `ms`. */
export const REVERT_DEFAULT_MS = 1000;

/**
 * Revert faults: an effect matching a `revert` rule is applied as usual, then taken back by the
 * platform after `ms + [0, jitter_ms]` (seeded by the rule's seed and the effect's seq).
 */
export class Reverter {
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly world: World, private readonly faults: Faults) {}

  onEffect(effect: Effect): void {
    const rule = this.faults.take('revert', { platform: effect.platform, lane: effect.via, account: effect.account.id, action: effect.kind });
    if (!rule) return;
    const jitter = rule.jitter_ms ?? 0;
    const delay = (rule.ms ?? REVERT_DEFAULT_MS) + Math.floor(mulberry32(deriveSeed(rule.seed, 'revert', effect.seq))() * (jitter + 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (effect.reverted) return;
      this.faults.fired.record('revert_applied', { rule_id: rule.id, platform: effect.platform, account: effect.account.id, lane: effect.via, action: effect.kind, ref: effect.object_id });
      void this.world.revert(effect).catch(() => undefined);
    }, delay);
    this.timers.add(timer);
  }

  /** Pending reverts are dropped (reset, close). */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
