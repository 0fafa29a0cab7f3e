import { randomUUID } from 'node:crypto';
import { createInstagramApiPerformer } from '../../runners/index.js';
import { runAction, type Action, type RunOutcome } from '../../safety/index.js';
import type { PlatformAccount, Vault } from '../../store/index.js';
import { createHarness, type Harness } from '../helpers/kernel.js';
import { test, expect, IG } from '../sandbox/fixtures.js';

/** The real kernel with the Instagram API performer against the sandbox, the account connected by its (sealed) token. */
async function apiLane(base: string): Promise<{ h: Harness; account: PlatformAccount; submit(caption: string, key?: string): Promise<Action>; run(a: Action): Promise<RunOutcome>; close(): Promise<void> }> {
  let vault: Vault | undefined;
  const performer = createInstagramApiPerformer({ baseUrl: base, vault: { open: (...a) => vault!.open(...a) }, pollMs: 50 });
  const h = await createHarness({ performer, realSleep: true });
  vault = h.services.vault;
  const now = new Date().toISOString();
  const account = await h.services.store.accounts.create({
    platform_account_id: randomUUID(), client_id: h.client.client_id, platform: 'instagram',
    fingerprint: { platform_user_id: IG.northwind.id, handle: IG.northwind.handle, display_name: 'Northwind Bakery', extra: {} },
    timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
  });
  await vault.seal(account.platform_account_id, 'access_token', IG.northwind.token, { scopes: ['instagram_business_content_publish'] });
  return {
    h, account,
    submit: (caption, key) => h.submit({ platform_account_id: account.platform_account_id, lane: 'api', payload: { caption, media: [{ source: 'https://cdn.example.com/rye.jpg', kind: 'image' }] }, ...(key ? { idempotency_key: key } : {}) }),
    run: (a) => runAction(h.services.kernel, a.action_id),
    async close() {
      await performer.close();
      await h.close();
    },
  };
}

test.describe('Instagram on the API lane through the kernel', () => {
  test('GP2 publish on the API lane is verified by a read-only fetch, and resubmitting the same action posts nothing more', async ({ sandbox, admin }) => {
    const lane = await apiLane(sandbox.platforms.instagram);
    try {
      const caption = `Rye is back ${randomUUID()}`;
      const key = `gp2-${randomUUID()}`;
      const first = await lane.run(await lane.submit(caption, key));
      expect(first.status, first.reason).toBe('confirmed_success');
      expect(first.action.result.verification_level).toBe(3);
      expect(first.action.result.permalink).toMatch(/\/p\/[A-Za-z0-9_-]+\/?$/);
      expect(first.action.result.lane_refs?.container_id).toMatch(/^\d+$/);
      const effects = await admin.effects({ platform: 'instagram', kind: 'publish' });
      expect(effects).toHaveLength(1);
      expect(first.action.result.platform_object_id).toBe(effects[0]!.object_id);
      // The same action again (same caller key): the ledger answers, nothing is sent.
      const again = await lane.run(await lane.submit(caption, key));
      expect(again.status).toBe('confirmed_success');
      expect(again.action.result.duplicate_of ?? again.duplicate_of).toBe(first.action.action_id);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'publish' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should reconcile an error that arrives after the post went live into one confirmed post, never a second publish', async ({ sandbox, admin }) => {
    const lane = await apiLane(sandbox.platforms.instagram);
    try {
      await admin.fault({ kind: 'error_after_commit', platform: 'instagram', lane: 'api', action: 'publish' });
      const out = await lane.run(await lane.submit(`Landed before the error ${randomUUID()}`));
      expect(out.status, out.reason).toBe('confirmed_success');
      const effects = await admin.effects({ platform: 'instagram', kind: 'publish' });
      expect(effects).toHaveLength(1);
      expect(out.action.result.platform_object_id).toBe(effects[0]!.object_id);
      // "We restrict certain activity": the account stops for a human, the post is still recorded.
      expect((await lane.h.services.store.accounts.get(lane.account.platform_account_id))!.state).toBe('read_only');
    } finally {
      await lane.close();
    }
  });

  test('should prove a server error before the publish left nothing, then publish once with the same container', async ({ sandbox, admin }) => {
    const lane = await apiLane(sandbox.platforms.instagram);
    try {
      await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', lane: 'api', action: 'publish', count: 1 });
      const out = await lane.run(await lane.submit(`Second time lucky ${randomUUID()}`));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(2);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'publish' })).toHaveLength(1);
      const trail = (await lane.h.services.store.audit.forAction(out.action.action_id)).map((r) => r.event.reason ?? '');
      expect(trail.filter((r) => r.startsWith('kept container_id'))).toHaveLength(1);
      expect(trail.some((r) => /absence proven/.test(r))).toBe(true);
    } finally {
      await lane.close();
    }
  });

  test.describe('with a publishing quota of one post a day', () => {
    test.use({ sandboxOptions: { containerDelayMs: 100, igPublishQuota: 1 } });
    test('should hold publishing while the content publishing quota is used up: deferred with its retry_at, not attempted', async ({ sandbox, admin }) => {
      const lane = await apiLane(sandbox.platforms.instagram);
      try {
        expect((await lane.run(await lane.submit(`Today's post ${randomUUID()}`))).status).toBe('confirmed_success');
        const before = Date.now();
        const held = await lane.run(await lane.submit(`One too many ${randomUUID()}`));
        expect(held.status).toBe('deferred');
        expect(held.reason).toBe('platform_hold: content_publishing_limit 1/1 in 24 h');
        expect(Date.parse(held.retry_at!)).toBeGreaterThanOrEqual(before + 3_600_000 - 5_000);
        expect(held.action.state).toBe('queued');
        expect(held.action.attempt_count).toBe(0);
        await admin.quiesce();
        expect(await admin.effects({ platform: 'instagram', kind: 'publish' })).toHaveLength(1);
      } finally {
        await lane.close();
      }
    });
  });
});
