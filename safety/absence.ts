import type { AbsenceLook, ActionType, Platform } from '../store/index.js';
import type { AbsenceRule, Performer, Verification } from './performer.js';

/** The kernel's rule when a performer declares none (settings `absenceWindowMs`, `absenceLooks`). */
export function absenceRuleFor(performer: Performer, action: { action_type: ActionType; platform: Platform }, defaults: { windowMs: number; looks: number }): AbsenceRule {
  const declared = performer.absenceRule?.(action.action_type, action.platform) ?? {};
  return {
    windowMs: Math.max(0, declared.windowMs ?? defaults.windowMs),
    looks: Math.max(1, declared.looks ?? defaults.looks),
    surfaces: declared.surfaces ?? [],
  };
}

export type AbsenceVerdict = { proven: true } | { proven: false; missing: string };

/**
 * Whether the looks prove that the effect did not happen (DESIGN.md "Absence is proven, never
 * observed once"): at least `looks` precise looks, all after the attempt ended; at least one of
 * them after the visibility window; every surface the rule names read after the window.
 * A look that matched by content only (`precise: false`) never counts.
 */
export function absenceProof(rule: AbsenceRule, looks: readonly AbsenceLook[], endedAt: string | null): AbsenceVerdict {
  if (!endedAt) return { proven: false, missing: 'no attempt end recorded' };
  const since = Date.parse(endedAt);
  const windowEnd = since + rule.windowMs;
  const precise = looks.filter((l) => l.precise && Date.parse(l.at) >= since);
  if (precise.length < rule.looks) {
    const imprecise = looks.length - precise.length;
    return { proven: false, missing: `${precise.length} of ${rule.looks} precise looks${imprecise ? ` (${imprecise} matched by content only, which proves nothing)` : ''}` };
  }
  const after = precise.filter((l) => Date.parse(l.at) >= windowEnd);
  if (after.length === 0) return { proven: false, missing: `no look after the ${rule.windowMs} ms visibility window (ends ${new Date(windowEnd).toISOString()})` };
  const unread = rule.surfaces.filter((s) => !after.some((l) => l.surface === s));
  if (unread.length) return { proven: false, missing: `surfaces not read after the window: ${unread.join(', ')}` };
  return { proven: true };
}

/** One "not there" look as the kernel keeps it. */
export function lookOf(v: Verification, at: Date): AbsenceLook {
  return { at: at.toISOString(), surface: v.surface ?? null, precise: v.precise === true };
}

/**
 * When and where to look next so that the remaining tries can still complete a proof: the
 * surface the proof lacks first, and a delay that spreads the tries left over what remains of
 * the window (never shorter than the backoff the caller computed).
 */
export function nextLook(rule: AbsenceRule, looks: readonly AbsenceLook[], endedAt: string | null, now: Date, triesLeft: number, backoffMs: number): { delayMs: number; surface?: string } {
  const since = endedAt ? Date.parse(endedAt) : now.getTime();
  const windowEnd = since + rule.windowMs;
  const after = looks.filter((l) => l.precise && Date.parse(l.at) >= windowEnd);
  const missing = rule.surfaces.find((s) => !after.some((l) => l.surface === s));
  const counted = looks.filter((l) => l.surface !== null && l.precise).length;
  const surface = missing ?? (rule.surfaces.length ? rule.surfaces[counted % rule.surfaces.length] : undefined);
  const untilWindow = windowEnd - now.getTime();
  if (untilWindow <= 0) return { delayMs: backoffMs, ...(surface ? { surface } : {}) };
  // Spend at most half of the tries left inside the window: the looks that prove absence come
  // after it, and some of them may fail (a page that does not load is no look at all).
  const needAfter = Math.max(1, rule.surfaces.length);
  const before = Math.max(1, Math.floor((triesLeft - needAfter) / 2));
  const spread = untilWindow / before;
  return { delayMs: Math.ceil(Math.max(backoffMs, spread)), ...(surface ? { surface } : {}) };
}
