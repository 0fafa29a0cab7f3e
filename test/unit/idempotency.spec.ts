import { test, expect } from '@playwright/test';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/index.js';
import { idempotencyKey, payloadHash, runAction, IdempotencyError } from '../../safety/index.js';
import { createHarness, tempDir } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

test.describe('idempotency (spec 000 §5.1, Invariant C)', () => {
  test('should derive the same key whatever the payload field order, and another for other content', () => {
    const parts = { client_id: 'c1', platform: 'instagram', platform_account_id: 'a1', action_type: 'publish' };
    const a = idempotencyKey({ ...parts, payload: { caption: 'Hi', media: [{ source: 'x.png', kind: 'image' }] } });
    const b = idempotencyKey({ ...parts, payload: { media: [{ kind: 'image', source: 'x.png' }], caption: 'Hi' } });
    expect(a).toBe(b);
    expect(a).toMatch(/^ik1_[0-9a-f]{64}$/);
    expect(idempotencyKey({ ...parts, payload: { caption: 'Hi!' } })).not.toBe(a);
    expect(idempotencyKey({ ...parts, platform_account_id: 'a2', payload: { caption: 'Hi' } })).not.toBe(idempotencyKey({ ...parts, payload: { caption: 'Hi' } }));
    expect(payloadHash({ b: 1, a: 2 })).toBe(payloadHash({ a: 2, b: 1 }));
  });

  test('should let exactly one of many concurrent claims of a key win across 4 worker threads', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'claims.db');
    createSqliteStore({ file }).close(); // migrate once up front
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    const workers = Array.from({ length: 4 }, (_, worker) => new Worker(new URL('../helpers/ts-worker.mjs', import.meta.url), {
      workerData: {
        entry: new URL('../helpers/claim-worker.ts', import.meta.url).href,
        // Each thread starts at a different key and walks the ring, so every key is contended.
        file, keys: [...keys.slice(worker * 75), ...keys.slice(0, worker * 75)], worker, payloadHash: 'b'.repeat(64),
      },
    }));
    try {
      await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      })));
      const results = workers.map((w) => new Promise<{ worker: number; won: string[] }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }));
      for (const w of workers) w.postMessage('go');
      const reports = await Promise.all(results);
      const allWins = reports.flatMap((r) => r.won);
      expect(allWins.length).toBe(keys.length);
      expect(new Set(allWins).size).toBe(keys.length);
      // Contention was real: more than one thread won something.
      expect(reports.filter((r) => r.won.length > 0).length).toBeGreaterThan(1);
      const store = createSqliteStore({ file });
      for (const key of keys.slice(0, 20)) {
        const entry = (await store.ledger.get(key))!;
        const winner = reports.find((r) => r.won.includes(key))!;
        expect(entry.action_id).toBe(`w${winner.worker}-${key}`);
      }
      await store.close();
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
      dir.remove();
    }
  });

  test('should return the stored result of a key that already succeeded, without a side effect', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const first = await h.submit({ payload: { caption: 'Launch day' } });
      const firstOutcome = await runAction(h.services.kernel, first.action_id);
      const retry = await h.submit({ payload: { caption: 'Launch day' } });
      expect(retry.idempotency_key).toBe(first.idempotency_key);
      const outcome = await runAction(h.services.kernel, retry.action_id);
      expect(outcome).toMatchObject({ status: 'confirmed_success', duplicate_of: first.action_id });
      expect(outcome.action.result.platform_object_id).toBe(firstOutcome.action.result.platform_object_id);
      expect(platform.calls.attempt).toBe(1);
      expect(platform.calls.precheck).toBe(1);
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should refuse the same key with a different payload (idempotency_error)', async () => {
    const platform = new FakePlatform();
    const h = await createHarness({ performer: platform });
    try {
      const first = await h.submit({ payload: { caption: 'Version A' }, idempotency_key: 'post-2026-11-21-001' });
      await runAction(h.services.kernel, first.action_id);
      await expect(h.submit({ payload: { caption: 'Version B' }, idempotency_key: 'post-2026-11-21-001' })).rejects.toThrow(IdempotencyError);
      await expect(h.submit({ payload: { caption: 'Version B' }, idempotency_key: 'post-2026-11-21-001' })).rejects.toMatchObject({ code: 'idempotency_error' });
      // Two submitted before either ran: the race is caught at the claim.
      const a = await h.submit({ payload: { caption: 'Race A' }, idempotency_key: 'post-2026-11-21-002' });
      const b = await h.submit({ payload: { caption: 'Race B' }, idempotency_key: 'post-2026-11-21-002' });
      expect((await runAction(h.services.kernel, a.action_id)).status).toBe('confirmed_success');
      const refused = await runAction(h.services.kernel, b.action_id);
      expect(refused.status).toBe('blocked');
      expect(refused.reason).toMatch(/^idempotency_error/);
      expect(platform.effects).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  test('should never attempt a key whose outcome is unknown: it goes to verification', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'], inconclusiveVerifies: 1000 });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 5 } });
    try {
      const first = await h.submit({ payload: { caption: 'Ambiguous' } });
      expect((await runAction(h.services.kernel, first.action_id, { verifyInline: false })).status).toBe('unknown');
      expect((await h.services.store.ledger.get(first.idempotency_key))!.status).toBe('unknown');
      // A retry of the same request while the outcome is unknown: verification, not attempt.
      const retry1 = await h.submit({ payload: { caption: 'Ambiguous' } });
      const r1 = await runAction(h.services.kernel, retry1.action_id);
      expect(r1).toMatchObject({ status: 'blocked', duplicate_of: first.action_id });
      expect(r1.reason).toMatch(/^duplicate_pending: key is unknown/);
      expect(platform.calls.attempt).toBe(1);
      // Verification eventually sees the effect; the next retry gets the stored result.
      platform['inconclusiveLeft'] = 0;
      const retry2 = await h.submit({ payload: { caption: 'Ambiguous' } });
      const r2 = await runAction(h.services.kernel, retry2.action_id);
      expect(r2).toMatchObject({ status: 'confirmed_success', duplicate_of: first.action_id });
      expect((await h.services.store.actions.get(first.action_id))!.state).toBe('postcheck_complete');
      expect(platform.calls.attempt).toBe(1);
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('should let a key whose effect provably did not happen be claimed again', async () => {
    const platform = new FakePlatform({ attempts: ['refused', 'ok'] });
    const h = await createHarness({ performer: platform });
    try {
      const first = await h.submit({ payload: { caption: 'Try again' } });
      expect((await runAction(h.services.kernel, first.action_id)).status).toBe('confirmed_failed');
      const second = await h.submit({ payload: { caption: 'Try again' } });
      expect((await runAction(h.services.kernel, second.action_id)).status).toBe('confirmed_success');
      expect((await h.services.store.ledger.get(second.idempotency_key))!.action_id).toBe(second.action_id);
      expect(platform.effects).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
