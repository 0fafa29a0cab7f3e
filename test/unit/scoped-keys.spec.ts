import { test, expect } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { runAction, submitAction, ValidationError } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

test.describe('defect 3: caller-supplied idempotency keys were not scoped', () => {
  test("should never return another tenant's result for the same caller key and payload", async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      // Client B: another tenant with its own account and policy on the same store.
      const now = new Date().toISOString();
      const b = await h.services.store.clients.create({ client_id: randomUUID(), name: 'Bravo Cafe', created_at: now });
      const bAccount = await h.services.store.accounts.create({
        platform_account_id: randomUUID(), client_id: b.client_id, platform: 'instagram',
        fingerprint: { platform_user_id: '17841400000000002', handle: 'bravo.cafe', display_name: 'Bravo Cafe', extra: {} },
        timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
      });
      await h.services.store.policies.put({ client_id: b.client_id, created_by: 'ops@agency', autonomy: 'auto', allowed_actions: { instagram: ['publish'] } });

      const payload = { caption: 'Opening hours: 8-16' };
      const a1 = await h.submit({ payload, idempotency_key: 'order-000123' });
      expect((await runAction(h.services.kernel, a1.action_id)).status).toBe('confirmed_success');
      const b1 = await submitAction(h.services.store, {
        client_id: b.client_id, platform_account_id: bAccount.platform_account_id, lane: 'api', action_type: 'publish',
        payload, idempotency_key: 'order-000123', created_by: 'ben@agency',
      });
      expect(b1.idempotency_key).not.toBe(a1.idempotency_key);
      const outcome = await runAction(h.services.kernel, b1.action_id);
      expect(outcome.status).toBe('confirmed_success');
      expect(outcome.duplicate_of).toBeUndefined();
      // B's post exists, on B's account, with B's own object id.
      expect(platform.effectsFor(bAccount.platform_account_id)).toHaveLength(1);
      expect(outcome.action.result.platform_object_id).toBe(platform.effectsFor(bAccount.platform_account_id)[0]!.object_id);
      expect(outcome.action.result.platform_object_id).not.toBe((await h.services.store.actions.get(a1.action_id))!.result.platform_object_id);
    } finally {
      await h.close();
    }
  });

  test('should still dedupe the same caller key within one tenant, account and action type', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const first = await h.submit({ payload: { caption: 'Once' }, idempotency_key: 'order-000777' });
      await runAction(h.services.kernel, first.action_id);
      const again = await h.submit({ payload: { caption: 'Once' }, idempotency_key: 'order-000777' });
      expect(again.idempotency_key).toBe(first.idempotency_key);
      expect(await runAction(h.services.kernel, again.action_id)).toMatchObject({ status: 'confirmed_success', duplicate_of: first.action_id });
      expect(platform.effects).toHaveLength(1);
      // The same key for another action type is another key.
      const like = await h.submit({ action_type: 'like', payload: { target: 'https://instagram.example/p/ABC/' }, idempotency_key: 'order-000777' });
      expect(like.idempotency_key).not.toBe(first.idempotency_key);
    } finally {
      await h.close();
    }
  });

  test("should refuse a dependency on another tenant's action", async () => {
    const h = await createHarness();
    try {
      await expect(h.submit({ depends_on: randomUUID() })).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await h.close();
    }
  });
});
