import type { Response, Router } from 'express';
import type { SandboxContext } from './context.js';
import { applyChurnInput, churnInputSchema } from './ui/churn-http.js';
import { parseInput, type FieldIssue } from './validation.js';

/** Admin routes of the browser pages' churn and locale (sandbox/README.md, "Churn and locale"). */
export function churnRoutes(router: Router, ctx: SandboxContext, invalid: (res: Response, issues: FieldIssue[]) => unknown): void {
  const view = () => ({ config: { seed: ctx.churn.seed ?? null, locale: ctx.churn.locale, interstitialRate: ctx.churn.interstitialRate, slowRate: ctx.churn.slowRate, hangRate: ctx.churn.hangRate }, enabled: ctx.churn.seed !== undefined });
  router.get('/__sandbox/churn', (_req, res) => res.json(view()));
  router.post('/__sandbox/churn', (req, res) => {
    const parsed = parseInput(churnInputSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    applyChurnInput(ctx.churn, parsed.value);
    res.json(view());
  });
}
