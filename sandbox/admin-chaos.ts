import type { Response, Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from './context.js';
import { lagSchema, LAG_OFF } from './lag.js';
import { parseInput, type FieldIssue } from './validation.js';
import { WEBHOOK_FAULTS_OFF, webhookFaultsOn, webhookFaultsSchema } from './webhook-faults.js';

const firedQuery = z.object({ since_seq: z.coerce.number().int().min(0).optional() }).strict();

/**
 * Admin routes of the eventual-consistency faults: read-after-write lag, webhook chaos and the
 * counter of every fault that fired.
 */
export function chaosRoutes(router: Router, ctx: SandboxContext, invalid: (res: Response, issues: FieldIssue[]) => unknown): void {
  const { faults, lag, webhooks } = ctx;

  router.get('/__sandbox/faults/fired', (req, res) => {
    const parsed = parseInput(firedQuery, req.query);
    if (!parsed.ok) return invalid(res, parsed.issues);
    res.json(faults.fired.snapshot(parsed.value.since_seq ?? 0));
  });

  const lagView = () => ({ config: lag.config, enabled: lag.enabled, objects: lag.schedule() });
  router.get('/__sandbox/lag', (_req, res) => res.json(lagView()));
  router.post('/__sandbox/lag', (req, res) => {
    const parsed = parseInput(lagSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    lag.configure(parsed.value);
    res.json(lagView());
  });
  router.delete('/__sandbox/lag', (_req, res) => {
    lag.configure(LAG_OFF);
    lag.reset();
    res.json(lagView());
  });

  const webhookView = () => ({ config: webhooks.faults, enabled: webhookFaultsOn(webhooks.faults), events: webhooks.eventLog() });
  router.get('/__sandbox/webhooks/faults', (_req, res) => res.json(webhookView()));
  router.post('/__sandbox/webhooks/faults', (req, res) => {
    const parsed = parseInput(webhookFaultsSchema, req.body ?? {});
    if (!parsed.ok) return invalid(res, parsed.issues);
    webhooks.faults = parsed.value;
    res.json(webhookView());
  });
  router.delete('/__sandbox/webhooks/faults', (_req, res) => {
    webhooks.faults = WEBHOOK_FAULTS_OFF;
    res.json(webhookView());
  });
}
