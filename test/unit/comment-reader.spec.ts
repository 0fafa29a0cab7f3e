import { test, expect } from '@playwright/test';
import { browserCommentReader } from '../../runners/index.js';
import { OwnershipLostError } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';

type ReadArgs = { sinceMs: number; signal?: AbortSignal };
const OWNER = 'comment-poll:test';

/** Resolves when `signal` aborts; fails the test if it never does. */
function aborted(signal: AbortSignal | undefined, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!signal) return reject(new Error('the reader passed no signal'));
    const timer = setTimeout(() => reject(new Error('the read was never aborted')), ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

test.describe('browser comment reader: the read holds the account\'s runner lease (issue 12 review)', () => {
  test('should read under the lease and release it after', async () => {
    const h = await createHarness();
    try {
      const acc = h.account.platform_account_id;
      let heldDuringRead: string | undefined;
      const reader = browserCommentReader(h.services.store, {
        readComments: async () => {
          heldDuringRead = (await h.services.store.leases.get(acc))?.owner_id;
          return [{ id: '1789', post: 'Cabc', username: 'fan', text: 'price?', timestamp_ms: 1 }];
        },
      }, { ownerId: OWNER });
      expect(await reader(h.account, { sinceMs: 0 })).toEqual([{ id: '1789', text: 'price?', from_id: '', username: 'fan', media_id: 'Cabc', timestamp_ms: 1 }]);
      expect(heldDuringRead).toBe(OWNER);
      expect(await h.services.store.leases.active(new Date())).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('should stop the read as soon as the lease is taken over, and leave the new holder\'s lease alone', async () => {
    const h = await createHarness();
    try {
      const { leases } = h.services.store;
      const acc = h.account.platform_account_id;
      const reader = browserCommentReader(h.services.store, {
        readComments: async (_account, read: ReadArgs) => {
          // This process stalls past its lease (paused, say); a runner takes the account over.
          const mine = await leases.get(acc);
          await leases.release(acc, OWNER, mine!.fence);
          expect(await leases.acquire(acc, 'runner-b', 60_000, new Date())).not.toBeNull();
          await aborted(read.signal);
          return [{ id: '1789', post: 'Cabc', username: 'fan', text: 'price?', timestamp_ms: 1 }];
        },
      }, { ownerId: OWNER, leaseTtlMs: 4000 });
      const error = await reader(h.account, { sinceMs: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OwnershipLostError);
      expect((await leases.get(acc))?.owner_id).toBe('runner-b');
      expect((await leases.active(new Date())).map((l) => l.owner_id)).toEqual(['runner-b']);
    } finally {
      await h.close();
    }
  });

  test('should stop the read when a renewal cannot be made (the store is unreachable)', async () => {
    const h = await createHarness();
    try {
      const store = h.services.store;
      const failing = Object.create(store) as typeof store;
      const leases = Object.create(store.leases) as typeof store.leases;
      leases.acquire = store.leases.acquire.bind(store.leases);
      leases.release = store.leases.release.bind(store.leases);
      leases.renew = async () => { throw new Error('database is locked'); };
      Object.defineProperty(failing, 'leases', { value: leases });
      let signalled = false;
      const reader = browserCommentReader(failing, {
        readComments: async (_account, read: ReadArgs) => {
          await aborted(read.signal);
          signalled = true;
          return [];
        },
      }, { ownerId: OWNER, leaseTtlMs: 4000 });
      await expect(reader(h.account, { sinceMs: 0 })).rejects.toBeInstanceOf(OwnershipLostError);
      expect(signalled).toBe(true);
    } finally {
      await h.close();
    }
  });
});
