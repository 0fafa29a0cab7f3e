import { test, expect } from '@playwright/test';
import { createHybridPerformer, PerformerRegistry } from '../../runners/index.js';
import {
  runAction,
  type ActionContext, type AttemptReceipt, type IdentityProof, type Performer, type Precheck, type Verification,
} from '../../safety/index.js';
import { FakePlatform, type FakePlatformOptions } from '../helpers/fake-platform.js';
import { createHarness, type Harness } from '../helpers/kernel.js';

/**
 * The other lane's eyes on the same platform: it sees the acting fake's effects after its own
 * lag, by content (the browser's grid), and may claim "absent" precisely — a claim the hybrid
 * lane must never take as proof, since only the acting lane knows what its attempt left.
 */
class View implements Performer {
  readonly tool = 'browser_runner' as const;
  readonly toolVersion = '1.0.0';
  readonly calls = { identity: 0, precheck: 0, attempt: 0, verify: 0 };
  private clock: () => number = Date.now;
  constructor(private readonly truth: FakePlatform, private readonly options: { lagMs: number; identity?: IdentityProof; receipts?: boolean }) {}
  useClock(clock: () => number) {
    this.clock = clock;
  }
  async verifyIdentity(): Promise<IdentityProof> {
    this.calls.identity += 1;
    return this.options.identity ?? { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }] };
  }
  async precheck(): Promise<Precheck> {
    this.calls.precheck += 1;
    return { exists: false };
  }
  async attempt(ctx: ActionContext): Promise<AttemptReceipt> {
    this.calls.attempt += 1;
    await ctx.beforeCommit();
    // Acting through this lane lands on the same platform.
    return this.truth.attempt(ctx);
  }
  async verify(ctx: ActionContext): Promise<Verification> {
    this.calls.verify += 1;
    const seen = this.truth.effects.find((e) => e.payload_hash === ctx.action.payload_hash && this.clock() >= e.at + this.options.lagMs);
    return seen
      ? { outcome: 'present', level: 2, surface: 'grid', platform_object_id: seen.object_id }
      : { outcome: 'absent', level: 0, surface: 'grid', precise: true };
  }
}

async function hybrid(api: FakePlatformOptions, view: { lagMs: number; identity?: IdentityProof }, policy = {}): Promise<{ h: Harness; api: FakePlatform; view: View }> {
  const registry = new PerformerRegistry();
  const fake = new FakePlatform(api);
  const eyes = new View(fake, view);
  const h = await createHarness({ overrides: { performers: registry }, policy });
  fake.useClock(() => h.clock.now().getTime());
  eyes.useClock(() => h.clock.now().getTime());
  registry.register('api', 'instagram', fake).register('browser', 'instagram', eyes)
    .register('hybrid', 'instagram', createHybridPerformer({ lanes: { api: registry.resolve, browser: registry.resolve }, policies: h.services.store.policies }));
  return { h, api: fake, view: eyes };
}

test.describe('hybrid lane', () => {
  test('should act on the API, confirm in the browser, and prove identity on both lanes', async () => {
    const { h, api, view } = await hybrid({}, { lagMs: 0 });
    try {
      const outcome = await runAction(h.services.kernel, (await h.submit({ lane: 'hybrid' })).action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(api.effects).toHaveLength(1);
      expect([api.calls.attempt, view.calls.attempt]).toEqual([1, 0]);
      expect(view.calls.identity).toBe(1);
      const events = (await h.services.store.audit.forAction(outcome.action.action_id)).map((r) => r.event);
      expect(events.every((e) => e.lane === 'hybrid')).toBe(true);
      const reasons = events.map((e) => e.reason ?? '').join('\n');
      expect(reasons).toMatch(/identity: .*api:handle.*browser:handle/);
    } finally {
      await h.close();
    }
  });

  test('should act on nothing when the browser session is another account, though the API token is right', async () => {
    const { h, api } = await hybrid({}, { lagMs: 0, identity: { ok: false, signals: [{ name: 'handle', ok: false }, { name: 'avatar_or_name', ok: false }] } });
    try {
      const outcome = await runAction(h.services.kernel, (await h.submit({ lane: 'hybrid' })).action_id);
      expect(outcome.status).toBe('blocked');
      expect(outcome.reason).toMatch(/identity/);
      expect(api.calls.attempt).toBe(0);
      expect(api.effects).toHaveLength(0);
      expect((await h.services.store.accounts.get(h.account.platform_account_id))!.state).toBe('needs_human');
    } finally {
      await h.close();
    }
  });

  test('should never take the verifying lane\'s "absent" as proof: an ambiguous API publish the browser cannot see yet is not published twice', async () => {
    // The publish lands, then the connection drops. The browser's grid shows it only after 60 s
    // and says "absent" (precisely, it claims) until then; the API listing shows it after 1 s.
    const { h, api } = await hybrid({ attempts: ['applied_then_error'], lag: { listMs: 1000 } }, { lagMs: 60_000 });
    try {
      const outcome = await runAction(h.services.kernel, (await h.submit({ lane: 'hybrid' })).action_id);
      expect(api.effects).toHaveLength(1);
      expect(api.calls.attempt).toBe(1);
      expect(outcome.status).toBe('confirmed_success');
      expect(outcome.action.result.platform_object_id).toBe(api.effects[0]!.object_id);
    } finally {
      await h.close();
    }
  });

  test('should take the route from the client policy: act in the browser, verify on the API', async () => {
    const { h, api, view } = await hybrid({}, { lagMs: 0 }, { hybrid_routes: { publish: { act: 'browser', verify: 'api' } } });
    try {
      const outcome = await runAction(h.services.kernel, (await h.submit({ lane: 'hybrid' })).action_id);
      expect(outcome.status).toBe('confirmed_success');
      // The browser fake acts through the same platform (its attempt lands there): one attempt, made by the browser.
      expect(view.calls.attempt).toBe(1);
      expect(api.calls.attempt).toBe(1);
      expect(api.effects).toHaveLength(1);
      expect(h.logLines.some((l) => l.includes('hybrid route') && l.includes('"act":"browser"'))).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('should refuse a policy whose route acts and verifies on the same lane, naming the field', async () => {
    const h = await createHarness();
    try {
      await expect(h.services.store.policies.put({
        client_id: h.client.client_id, created_by: 'ops@agency', autonomy: 'auto', allowed_actions: { instagram: ['publish'] },
        hybrid_routes: { publish: { act: 'api', verify: 'api' } },
      })).rejects.toThrow(/hybrid_routes\.publish\.verify/);
    } finally {
      await h.close();
    }
  });
});
