import { test, expect } from '@playwright/test';
import { runAction, sweepUnknown } from '../../safety/index.js';
import { claimLook, lookLeaseMs } from '../../safety/look-claim.js';
import { createServices, PerformerRegistry } from '../../runners/index.js';
import { createHarness, type Harness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

/** A second host's kernel on the same store and clock (its own owner id, another machine's name). */
function otherHost(h: Harness, platform: FakePlatform, ownerId: string) {
  return createServices(h.services.config, {
    performers: new PerformerRegistry().register('api', 'instagram', platform),
    log: { destination: { write: () => undefined } }, now: () => h.clock.now(), sleep: async (ms) => h.clock.advance(ms), ownerId,
  });
}

const claimCount = async (h: Harness, actionId: string) =>
  (await h.services.store.audit.forAction(actionId)).filter((r) => (r.event.reason ?? '').startsWith('look claimed')).length;

test.describe('one host looks at an unknown outcome at a time (issue 14)', () => {
  test('should leave the looks to the host that claimed them while its claim holds and its owner lives, then take them over with a raised fence', async () => {
    // Nothing applied, and the content-only listing can never prove that: the action stays unknown.
    const platform = new FakePlatform({ attempts: ['error_before_commit'], lag: { listMs: 0 } });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 50, foreignOwnerStaleMs: 5000 } });
    const b = otherHost(h, platform, 'host-b.example/4242/0/lookerb1');
    let closed = false;
    try {
      const s = h.services.config;
      const action = await h.submit({ payload: { caption: 'Looked at by one host' } });
      expect((await runAction(h.services.kernel, action.action_id, { verifyInline: false })).status).toBe('unknown');
      // Host A's sweep claims the look and looks.
      h.clock.advance(s.verifyCapMs);
      const first = await sweepUnknown(h.services.kernel);
      expect(first).toMatchObject({ checked: 1, held: 0 });
      const claimed = (await h.services.store.actions.get(action.action_id))!;
      expect(claimed).toMatchObject({ owner_id: h.services.kernel.ownerId, fence: 1 });
      const looks = platform.calls.verify;

      // Host B, while A's claim holds and A's heartbeat is fresh: no look, nothing written.
      h.clock.advance(s.verifyCapMs);
      await h.services.store.owners.heartbeat(h.services.kernel.ownerId, h.clock.now());
      const heldAt = (await h.services.store.actions.get(action.action_id))!.updated_at;
      const held = await sweepUnknown(b.kernel);
      expect(held).toMatchObject({ checked: 0, held: 1 });
      expect(platform.calls.verify).toBe(looks);
      expect((await h.services.store.actions.get(action.action_id))!.updated_at).toBe(heldAt);

      // A looks again under its own claim, no new claim written.
      const a2 = await sweepUnknown(h.services.kernel);
      expect(a2.checked).toBe(1);
      expect(platform.calls.verify).toBe(looks + 1);
      expect(await claimCount(h, action.action_id)).toBe(1);

      // A's claim runs out (A still alive): B claims the looks, raising the fence, and looks.
      h.clock.advance(s.verifyCapMs + s.actionDeadlineMs + 1);
      await h.services.store.owners.heartbeat(h.services.kernel.ownerId, h.clock.now());
      const taken = await sweepUnknown(b.kernel);
      expect(taken).toMatchObject({ checked: 1, held: 0 });
      expect(platform.calls.verify).toBe(looks + 2);
      expect((await h.services.store.actions.get(action.action_id))!).toMatchObject({ owner_id: b.kernel.ownerId, fence: 2, state: 'unknown' });
      // Now A leaves it to B.
      h.clock.advance(s.verifyCapMs);
      expect(await sweepUnknown(h.services.kernel)).toMatchObject({ checked: 0, held: 1 });
      expect(platform.calls.verify).toBe(looks + 2);

      // B dies (its heartbeat goes stale) with its claim still unexpired (the claim outlasts the
      // staleness bound here): A takes the looks back.
      await b.close();
      closed = true;
      h.clock.advance(s.foreignOwnerStaleMs + 1);
      expect(Date.parse((await h.services.store.actions.get(action.action_id))!.lease_expires_at!)).toBeGreaterThan(h.clock.now().getTime());
      await h.services.store.owners.heartbeat(h.services.kernel.ownerId, h.clock.now());
      const back = await sweepUnknown(h.services.kernel);
      expect(back.checked).toBe(1);
      expect((await h.services.store.actions.get(action.action_id))!).toMatchObject({ owner_id: h.services.kernel.ownerId, fence: 3 });
      expect(await claimCount(h, action.action_id)).toBe(3);
      expect(platform.effects).toHaveLength(0);
      expect(platform.calls.attempt).toBe(1);
    } finally {
      if (!closed) await b.close();
      await h.close();
    }
  });

  test('should refuse a claim made from a read taken before the owner renewed its claim (every written claim raises the fence) — chaos --farm seed 7 on PostgreSQL', async () => {
    // Seen in the run: host A renewed its expired claim; host B, whose sweep had listed the action
    // (owner A, claim expired) a moment before, claimed over it 0.7 s later with that read, and
    // both looked. The claim is a compare-and-set on the fence, so the renewal must move it too.
    const platform = new FakePlatform({ attempts: ['error_before_commit'], lag: { listMs: 0 } });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 50, foreignOwnerStaleMs: 5000 } });
    const b = otherHost(h, platform, 'host-b.example/4242/0/lookerb2');
    try {
      const s = h.services.config;
      const action = await h.submit({ payload: { caption: 'Claimed from a stale read' } });
      expect((await runAction(h.services.kernel, action.action_id, { verifyInline: false })).status).toBe('unknown');
      h.clock.advance(s.verifyCapMs);
      expect(await sweepUnknown(h.services.kernel)).toMatchObject({ checked: 1 });
      // A's claim runs out, A alive. B reads the action (its sweep's list) …
      h.clock.advance(lookLeaseMs(s) + 1);
      await h.services.store.owners.heartbeat(h.services.kernel.ownerId, h.clock.now());
      const readByB = (await b.store.actions.get(action.action_id))!;
      expect(readByB.owner_id).toBe(h.services.kernel.ownerId);
      // … A renews its claim before B writes …
      const renewed = (await claimLook(h.services.kernel, (await h.services.store.actions.get(action.action_id))!, h.clock.now()))!;
      expect(renewed).toMatchObject({ owner_id: h.services.kernel.ownerId, fence: readByB.fence + 1 });
      // … and B's claim from its earlier read is refused: A keeps the looks.
      expect(await claimLook(b.kernel, readByB, h.clock.now())).toBeNull();
      expect((await h.services.store.actions.get(action.action_id))!).toMatchObject({ owner_id: h.services.kernel.ownerId, fence: renewed.fence, lease_expires_at: renewed.lease_expires_at });
      // B's next sweep reads the renewed claim and holds off.
      h.clock.advance(s.verifyCapMs);
      await h.services.store.owners.heartbeat(h.services.kernel.ownerId, h.clock.now());
      expect(await sweepUnknown(b.kernel)).toMatchObject({ checked: 0, held: 1 });
    } finally {
      await b.close();
      await h.close();
    }
  });

  test('should make exactly one of several hosts sweeping at once look at an unknown outcome', async () => {
    const platform = new FakePlatform({ attempts: ['error_before_commit'], lag: { listMs: 0 } });
    const h = await createHarness({ performer: platform, config: { verifyMaxTries: 50 } });
    const hosts = ['b', 'c', 'd'].map((n) => otherHost(h, platform, `host-${n}.example/42${n.charCodeAt(0)}/0/looker${n}1`));
    try {
      const action = await h.submit({ payload: { caption: 'Swept by four hosts at once' } });
      expect((await runAction(h.services.kernel, action.action_id, { verifyInline: false })).status).toBe('unknown');
      // The runner's process is gone: its heartbeat is stale, the action has no live claim.
      h.clock.advance(h.services.config.foreignOwnerStaleMs + 1);
      const before = platform.calls.verify;
      const reports = await Promise.all(hosts.map((x) => sweepUnknown(x.kernel)));
      // The others found the claim held, or (their list read after it was written) not due yet.
      expect(reports.map((r) => r.checked).reduce((a, b) => a + b, 0)).toBe(1);
      expect(platform.calls.verify - before).toBe(1);
      expect(await claimCount(h, action.action_id)).toBe(1);
      // Once the next look is due, the claim (unexpired, its owner alive) holds both others off.
      const winner = hosts[reports.findIndex((r) => r.checked === 1)]!;
      h.clock.advance(h.services.config.verifyCapMs);
      await h.services.store.owners.heartbeat(winner.kernel.ownerId, h.clock.now());
      const later = await Promise.all(hosts.filter((x) => x !== winner).map((x) => sweepUnknown(x.kernel)));
      expect(later.map((r) => [r.checked, r.held])).toEqual([[0, 1], [0, 1]]);
      expect(platform.calls.verify - before).toBe(1);
    } finally {
      for (const x of hosts) await x.close();
      await h.close();
    }
  });

  test('should leave a run\'s own looks after an unknown attempt to that run: other hosts hold off while its inline verification goes on', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let looks = 0;
    let held = false;
    // The run's looks right after its attempt find nothing (inconclusive), so it ends unknown and
    // verifies inline; its first look as `unknown` hangs until released. Meanwhile another host sweeps.
    const platform = new FakePlatform({ attempts: ['applied_then_error'], lag: { listMs: 0 }, inconclusiveVerifies: 3 });
    const verify = platform.verify.bind(platform);
    let actionId = '';
    platform.verify = async (...args: Parameters<FakePlatform['verify']>) => {
      if (!held && (await h.services.store.actions.get(actionId))?.state === 'unknown') {
        held = true;
        looks += 1;
        await gate;
      }
      return verify(...args);
    };
    const h = await createHarness({ performer: platform, realSleep: true, config: { verifyBaseMs: 10, verifyCapMs: 20, verifyMaxTries: 3, absenceWindowMs: 100 } });
    const b = otherHost(h, platform, 'host-b.example/4242/0/lookerb2');
    try {
      const action = await h.submit({ payload: { caption: 'Verified inline' } });
      actionId = action.action_id;
      const running = runAction(h.services.kernel, action.action_id);
      await expect.poll(() => looks, { timeout: 60_000 }).toBe(1);
      expect((await h.services.store.actions.get(action.action_id))!.state).toBe('unknown');
      await new Promise((r) => setTimeout(r, 50));
      const calls = platform.calls.verify;
      expect(await sweepUnknown(b.kernel)).toMatchObject({ checked: 0, held: 1 });
      expect(platform.calls.verify).toBe(calls);
      release();
      expect((await running).status).toBe('confirmed_success');
      expect(platform.effects).toHaveLength(1);
    } finally {
      release();
      await b.close();
      await h.close();
    }
  });
});
