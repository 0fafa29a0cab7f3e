import { test, expect } from '@playwright/test';
import { createDmService } from '../../dm/index.js';
import type { Store } from '../../store/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

/** A store whose event appends fail while `failing` is set: a disk or database failing for a while. */
function flakyStore(store: Store, state: { failing: boolean }): Store {
  const dmEvents = new Proxy(store.dmEvents, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (...args: Parameters<Store['dmEvents']['append']>) => {
          if (state.failing) throw new Error('SQLITE_IOERR: disk I/O error');
          return target.append(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return new Proxy(store, { get: (target, prop, receiver) => (prop === 'dmEvents' ? dmEvents : Reflect.get(target, prop, receiver)) });
}

test.describe('the DM inbox: a failed delivery is retried with backoff, never spent in one pass', () => {
  let h: ApiHarness;
  test.beforeEach(async () => {
    h = await startApiHarness();
  });
  test.afterEach(async () => h.close());

  test('should wait 5 s, then 10 s … between attempts, process the delivery once the store recovers, and stop after maxAttempts', async () => {
    let clock = Date.parse('2026-12-05T10:00:00Z');
    const state = { failing: true };
    const dm = createDmService({ store: flakyStore(h.services.store, state), dataDir: h.dir, now: () => new Date(clock), maxAttempts: 4 });
    try {
      const ig = h.a.accounts.find((a) => a.platform === 'instagram')!.fingerprint.platform_user_id;
      const body = JSON.stringify({ object: 'instagram', entry: [{ id: ig, time: clock, messaging: [{ sender: { id: '7001' }, recipient: { id: ig }, timestamp: clock, message: { mid: 'm_retry_1', text: 'hi, the booking link?' } }] }] });
      const id = await dm.receive(Buffer.from(body));
      const inbox = () => h.services.store.dmInbox.get(id);

      expect(await dm.processPending()).toMatchObject({ failed: 1, deliveries: 0 });
      // One attempt in the pass, not all four: the next is due 5 s later.
      expect(await inbox()).toMatchObject({ state: 'failed', attempts: 1, retry_at: '2026-12-05T10:00:05.000Z' });
      expect(await dm.processPending()).toMatchObject({ failed: 0, deliveries: 0 });
      expect((await inbox())!.attempts).toBe(1);

      clock += 5_000;
      expect(await dm.processPending()).toMatchObject({ failed: 1 });
      expect(await inbox()).toMatchObject({ attempts: 2, retry_at: '2026-12-05T10:00:15.000Z' });
      clock += 9_000;
      expect(await dm.processPending()).toMatchObject({ failed: 0 });
      clock += 1_000;
      // The store is back: the delivery is processed once, its DM decided once.
      state.failing = false;
      expect(await dm.processPending()).toMatchObject({ deliveries: 1, decisions: 1, failed: 0 });
      expect(await inbox()).toMatchObject({ state: 'done', attempts: 3, retry_at: null });
      expect((await h.services.store.dmDecisions.queue({ client_ids: [h.a.client_id], limit: 10 })).filter((d) => d.mid === 'm_retry_1')).toHaveLength(1);

      // A delivery that keeps failing stays `failed` after maxAttempts, with nothing more scheduled.
      state.failing = true;
      const other = await dm.receive(Buffer.from(body.replace('m_retry_1', 'm_retry_2')));
      for (let i = 0; i < 6; i += 1) {
        await dm.processPending();
        clock += 10 * 60_000;
      }
      expect(await h.services.store.dmInbox.get(other)).toMatchObject({ state: 'failed', attempts: 4 });
      expect(await h.services.store.dmInbox.nextRetry(4)).toBeNull();
    } finally {
      await dm.close();
    }
  });

  test('should process each delivery on one of several processors sharing the inbox, and take over the deliveries of one that died holding them', async () => {
    let clock = Date.parse('2026-12-05T10:00:00Z');
    const now = () => new Date(clock);
    const ig = h.a.accounts.find((a) => a.platform === 'instagram')!.fingerprint.platform_user_id;
    const body = (mid: string) => Buffer.from(JSON.stringify({ object: 'instagram', entry: [{ id: ig, time: clock, messaging: [{ sender: { id: '7002' }, recipient: { id: ig }, timestamp: clock, message: { mid, text: 'is the shop open on sunday?' } }] }] }));
    // Three hosts' assistants on one store; a fourth claims and then dies (its claims are never marked).
    const hosts = ['host-a', 'host-b', 'host-c'].map((owner) => createDmService({ store: h.services.store, dataDir: h.dir, now, owner, claimMs: 60_000 }));
    const dead = createDmService({ store: h.services.store, dataDir: h.dir, now, owner: 'host-dead', claimMs: 60_000 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) ids.push(await hosts[i % 3]!.receive(body(`m_shared_${i}`)));
      const held = await h.services.store.dmInbox.claim('host-dead', 4, 5, now(), new Date(clock + 60_000));
      expect(held).toHaveLength(4);
      const reports = await Promise.all(hosts.map((dm) => dm.processPending()));
      expect(reports.reduce((n, r) => n + r.deliveries, 0)).toBe(20);
      for (const id of held.map((e) => e.delivery_id)) expect(await h.services.store.dmInbox.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
      // Its claims run out: the others take them over.
      clock += 60_000;
      const after = await Promise.all(hosts.map((dm) => dm.processPending()));
      expect(after.reduce((n, r) => n + r.deliveries, 0)).toBe(4);
      for (const id of ids) expect(await h.services.store.dmInbox.get(id)).toMatchObject({ state: 'done', attempts: 1 });
      const decided = (await h.services.store.dmDecisions.queue({ client_ids: [h.a.client_id], limit: 100 })).filter((d) => d.mid.startsWith('m_shared_'));
      expect(decided).toHaveLength(24);
    } finally {
      await Promise.all([...hosts, dead].map((dm) => dm.close()));
    }
  });
});
