import { AuthExpiredError, CheckpointError, IdentityMismatchError, WrongAccountEffectError } from '../safety/index.js';
import type { ActionContext, AttemptReceipt, IdentityProof, Performer, PerformerResolver, PlatformHold, Precheck, Verification, VerifyLook } from '../safety/index.js';
import type { Action, HybridRoute, PolicyRepository } from '../store/index.js';

/** The route an action type takes when its client's policy names none: act on the API, verify in the browser. */
export const DEFAULT_HYBRID_ROUTE: HybridRoute = { act: 'api', verify: 'browser' };

export interface HybridOptions {
  /** The API and browser performers, by platform (the registry's resolve for lanes `api` and `browser`). */
  lanes: { api: PerformerResolver; browser: PerformerResolver };
  /** Where the action's policy snapshot is read: the route is the one the kernel's gate saw. */
  policies: Pick<PolicyRepository, 'get'>;
}

/**
 * The hybrid lane (issue 9): one lane acts, the other verifies, per client policy and action type
 * (`policy.hybrid_routes`; default: act on the API, verify in the browser).
 *
 * - identity must hold on **both** lanes: the API token and the browser session must belong to
 *   the same stored account, or nothing happens (a token of one account beside the session of
 *   another is exactly the wrong-account hazard);
 * - the pre-check asks the acting lane, then the verifying one; an object either finds exists;
 * - the attempt and any platform hold are the acting lane's;
 * - verification asks the verifying lane first (the crossed confirmation); when it does not see
 *   the object, the acting lane's own knowledge is asked (its receipt, its intermediate state).
 *   Absence is the acting lane's to prove — only it knows what its attempt left behind (an
 *   Instagram container, a receipt): the verifying lane's "absent" is never taken as proof, and
 *   the absence rule is the acting lane's.
 */
export function createHybridPerformer(options: HybridOptions): Performer {
  const routeCache = new Map<string, HybridRoute>();

  async function routeOf(action: Action): Promise<HybridRoute> {
    const snapshot = action.policy_snapshot_id;
    const key = `${snapshot ?? '-'}|${action.action_type}`;
    const cached = routeCache.get(key);
    if (cached) return cached;
    const policy = snapshot ? await options.policies.get(snapshot) : null;
    const route = policy?.hybrid_routes?.[action.action_type] ?? DEFAULT_HYBRID_ROUTE;
    routeCache.set(key, route);
    return route;
  }
  async function lanesOf(ctx: ActionContext): Promise<{ act: Performer; verify: Performer; route: HybridRoute }> {
    const route = await routeOf(ctx.action);
    const as = (lane: 'api' | 'browser') => options.lanes[lane]({ ...ctx.action, lane });
    return { act: as(route.act), verify: as(route.verify), route };
  }
  const tagged = (v: Verification, lane: string): Verification => ({ ...v, surface: `${lane}:${v.surface ?? 'look'}` });

  return {
    tool: 'connector',
    toolVersion: '1.0.0',

    async verifyIdentity(ctx): Promise<IdentityProof> {
      const { act, verify, route } = await lanesOf(ctx);
      const acting = await act.verifyIdentity(ctx);
      // The second lane is asked even when the first failed: the proof shows both.
      const verifying = await verify.verifyIdentity(ctx);
      return {
        ok: acting.ok && verifying.ok,
        signals: [
          ...acting.signals.map((s) => ({ ...s, name: `${route.act}:${s.name}` })),
          ...verifying.signals.map((s) => ({ ...s, name: `${route.verify}:${s.name}` })),
        ],
        proofs: [...(acting.proofs ?? []), ...(verifying.proofs ?? [])],
      };
    },

    async hold(ctx): Promise<PlatformHold | null> {
      const { act } = await lanesOf(ctx);
      return act.hold ? act.hold(ctx) : null;
    },

    async precheck(ctx): Promise<Precheck> {
      const { act, verify } = await lanesOf(ctx);
      const acting = await act.precheck(ctx);
      return acting.exists ? acting : verify.precheck(ctx);
    },

    async attempt(ctx): Promise<AttemptReceipt> {
      const { act, route } = await lanesOf(ctx);
      ctx.log('hybrid route', { act: route.act, verify: route.verify });
      return act.attempt(ctx);
    },

    async verify(ctx, receipt?: AttemptReceipt, look?: VerifyLook): Promise<Verification> {
      const { act, verify, route } = await lanesOf(ctx);
      const crossed = await verify.verify(ctx, receipt).catch((error: unknown) => {
        // The look ran as another account, a logged-out session or into a checkpoint, or found the
        // effect made as another account: the kernel degrades the account and pauses looks (or
        // escalates). Anything else: the acting lane still answers.
        if (error instanceof IdentityMismatchError || error instanceof AuthExpiredError || error instanceof CheckpointError || error instanceof WrongAccountEffectError) throw error;
        ctx.log('hybrid verify lane failed', { lane: route.verify, error: (error as Error)?.message?.split('\n')[0] });
        return undefined;
      });
      if (crossed?.outcome === 'present') {
        // The acting lane's ids stay canonical (its later looks and a delete use them); the other lane confirms.
        const id = receipt?.platform_object_id ?? ctx.action.result.platform_object_id ?? crossed.platform_object_id;
        return tagged({ ...crossed, ...(id ? { platform_object_id: id } : {}) }, route.verify);
      }
      const own = await act.verify(ctx, receipt, look);
      if (own.outcome === 'present') return tagged(own, route.act);
      // "Absent" is proven by the acting lane alone; the verifying lane's absence is a claim.
      return own.outcome === 'absent' ? tagged(own, route.act) : tagged({ ...own, outcome: 'inconclusive' }, route.act);
    },

    async release(action) {
      // Both lanes may hold something for the episode (the browser its context).
      for (const lane of ['api', 'browser'] as const) {
        try {
          await options.lanes[lane]({ ...action, lane }).release?.({ ...action, lane });
        } catch {
          // a lane not registered for the platform holds nothing
        }
      }
    },

    absenceRule(actionType, platform) {
      // The acting lane's rule; the lane is not known here without an action, so the API's
      // (the default acting lane) is merged with the browser's: the longer window, more looks.
      const api = options.lanes.api({ lane: 'api', platform, action_type: actionType } as Action).absenceRule?.(actionType, platform);
      const browser = options.lanes.browser({ lane: 'browser', platform, action_type: actionType } as Action).absenceRule?.(actionType, platform);
      if (!api && !browser) return undefined;
      return {
        ...(api?.windowMs !== undefined || browser?.windowMs !== undefined ? { windowMs: Math.max(api?.windowMs ?? 0, browser?.windowMs ?? 0) } : {}),
        ...(api?.looks !== undefined || browser?.looks !== undefined ? { looks: Math.max(api?.looks ?? 0, browser?.looks ?? 0) } : {}),
        // Surfaces are lane-specific names; the acting lane answers every look, so any surface.
        surfaces: [],
      };
    },
  };
}
