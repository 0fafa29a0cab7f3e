import { randomUUID } from 'node:crypto';
import type { Action } from '../../safety/index.js';
import { test, expect, X, type AdminClient } from '../sandbox/fixtures.js';
import { xLane, type Lane } from './x-lane.js';

const LUMEN_POST = '/lumenstudio/status/1860000000000000002';

/** When each POST /2/tweets reached the sandbox: a zero-latency rule fires (and is logged) on every one. */
async function probeTweets(admin: AdminClient): Promise<() => Promise<number[]>> {
  await admin.fault({ kind: 'latency', platform: 'x', lane: 'api', ms: 0, rate: 1, match: { method: 'POST', path_prefix: '/2/tweets' } });
  return async () => {
    const res = await admin.request('GET', '/__sandbox/faults/fired');
    return (res.json.events as { kind: string; at: string }[]).filter((e) => e.kind === 'latency').map((e) => Date.parse(e.at));
  };
}

const trailOf = async (lane: Lane, a: Action) => (await lane.h.services.store.audit.forAction(a.action_id)).map((r) => r.event.reason ?? '');

test.describe('X on the API lane through the kernel', () => {
  test('GP2 publish on the X API lane is verified by a read-only fetch, and resubmitting the same action posts nothing more', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      const text = `Rye is back ${randomUUID()}`;
      const key = `gp2-x-${randomUUID()}`;
      const first = await lane.run(await lane.submit('publish', { text }, { key }));
      expect(first.status, first.reason).toBe('confirmed_success');
      expect(first.action.result.verification_level).toBeGreaterThanOrEqual(2);
      const effects = await admin.effects({ platform: 'x', kind: 'publish' });
      expect(effects).toHaveLength(1);
      const id = effects[0]!.object_id;
      expect(first.action.result.platform_object_id).toBe(id);
      expect(first.action.result.permalink).toBe(`${sandbox.platforms.x}/${X.northwind.handle}/status/${id}`);
      expect(first.action.result.request_id).toMatch(/^[0-9a-f]{16}$/);
      expect(first.action.result.lane_refs?.since_id).toMatch(/^\d+$/);
      const again = await lane.run(await lane.submit('publish', { text }, { key }));
      expect(again.status).toBe('confirmed_success');
      expect(again.action.result.duplicate_of ?? again.duplicate_of).toBe(first.action.action_id);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  for (const kind of ['error_after_commit', 'ack_lost', 'phantom_failure'] as const) {
    test(`should reconcile ${kind} on the post into one confirmed post, never a second create`, async ({ sandbox, admin }) => {
      const lane = await xLane(sandbox.platforms.x);
      try {
        await admin.fault({ kind, platform: 'x', lane: 'api', action: 'publish' });
        const out = await lane.run(await lane.submit('publish', { text: `Landed before the error ${randomUUID()}` }));
        expect(out.status, out.reason).toBe('confirmed_success');
        expect(out.action.attempt_count).toBe(1);
        await admin.quiesce();
        const effects = await admin.effects({ platform: 'x', kind: 'publish' });
        expect(effects).toHaveLength(1);
        expect(out.action.result.platform_object_id).toBe(effects[0]!.object_id);
      } finally {
        await lane.close();
      }
    });
  }

  test('should fail the same text under another key as X refuses it (duplicate content), the one post standing', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      const text = `Same words twice ${randomUUID()}`;
      // Two caller keys on purpose (a derived key would make the second a ledger duplicate).
      expect((await lane.run(await lane.submit('publish', { text }, { key: `a-${randomUUID()}` }))).status).toBe('confirmed_success');
      const second = await lane.run(await lane.submit('publish', { text }, { key: `b-${randomUUID()}` }));
      expect(second.status).toBe('confirmed_failed');
      expect(second.action.attempt_count).toBe(1);
      expect(second.reason).toMatch(/^platform_refused/);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should prove a server error before the post left nothing, then post once', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      await admin.fault({ kind: '5xx_before_commit', platform: 'x', lane: 'api', action: 'publish', count: 1 });
      const out = await lane.run(await lane.submit('publish', { text: `Second time lucky ${randomUUID()}` }));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(2);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
      const trail = await trailOf(lane, out.action);
      expect(trail.some((r) => /absence proven/.test(r))).toBe(true);
      expect(trail.filter((r) => r.startsWith('kept since_id'))).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test.describe('with read-after-write lag on the timeline', () => {
    test.use({ sandboxOptions: { lag: { api_list: { baseMs: 1_000 } } } });
    test('should wait out the lag after a lost answer and confirm the one post, not post again', async ({ sandbox, admin }) => {
      const lane = await xLane(sandbox.platforms.x, { visibilityWindowMs: 3_000 });
      try {
        await admin.fault({ kind: 'ack_lost', platform: 'x', lane: 'api', action: 'publish' });
        const out = await lane.run(await lane.submit('publish', { text: `Seen late ${randomUUID()}` }));
        expect(out.status, out.reason).toBe('confirmed_success');
        expect(out.action.attempt_count).toBe(1);
        await admin.quiesce();
        expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
      } finally {
        await lane.close();
      }
    });
  });

  test('should send nothing before a 429\'s x-rate-limit-reset, then post once', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      const arrivals = await probeTweets(admin);
      const seen: { endpoint: string; resetAt?: number; remaining?: number }[] = [];
      const observe = lane.performer.limits.observe.bind(lane.performer.limits);
      lane.performer.limits.observe = (caller, endpoint, limits) => {
        seen.push({ endpoint, resetAt: limits.window?.resetAt, remaining: limits.window?.remaining });
        observe(caller, endpoint, limits);
      };
      await admin.fault({ kind: 'rate_limit', platform: 'x', lane: 'api', action: 'publish', retry_after_s: 2 });
      const out = await lane.run(await lane.submit('publish', { text: `After the reset ${randomUUID()}` }));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(2);
      const limited = seen.find((s) => s.endpoint === 'POST /2/tweets' && s.remaining === 0)!;
      const [first, second, ...more] = await arrivals();
      expect(more).toHaveLength(0);
      expect(second!).toBeGreaterThanOrEqual(limited.resetAt!);
      expect(limited.resetAt! - first!).toBeGreaterThanOrEqual(2_000);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should end an action refused, nothing sent, when the reset lies beyond its deadline, and hold the next one', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      const arrivals = await probeTweets(admin);
      await admin.fault({ kind: 'rate_limit', platform: 'x', lane: 'api', action: 'publish', retry_after_s: 600 });
      const before = Date.now();
      const out = await lane.run(await lane.submit('publish', { text: `Far reset ${randomUUID()}` }));
      expect(out.status).toBe('confirmed_failed');
      expect(out.action.attempt_count).toBe(1);
      const held = await lane.run(await lane.submit('publish', { text: `Next one ${randomUUID()}` }));
      expect(held.status).toBe('deferred');
      expect(held.reason).toBe('platform_hold: x 15 min limit of POST /2/tweets used up (100)');
      expect(Date.parse(held.retry_at!)).toBeGreaterThanOrEqual(before + 595_000);
      await admin.quiesce();
      expect(await arrivals()).toHaveLength(1);
      expect(await admin.effects({ platform: 'x' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });

  test.describe('with a 15-minute limit of three requests per endpoint', () => {
    test.use({ sandboxOptions: { xRateLimit: 3 } });
    test('should hold the account once X says its window is used up: deferred to the reset, nothing sent', async ({ sandbox, admin }) => {
      const lane = await xLane(sandbox.platforms.x);
      try {
        for (const n of [1, 2, 3]) expect((await lane.run(await lane.submit('publish', { text: `Post ${n} ${randomUUID()}` }))).status).toBe('confirmed_success');
        const arrivals = await probeTweets(admin);
        const before = Date.now();
        const held = await lane.run(await lane.submit('publish', { text: `One too many ${randomUUID()}` }));
        expect(held.status).toBe('deferred');
        expect(held.reason).toMatch(/^platform_hold: x 15 min limit of (POST|GET) \/2\/\S+ used up \(3\)$/);
        expect(Date.parse(held.retry_at!)).toBeGreaterThan(before + 14 * 60_000);
        expect(held.action.attempt_count).toBe(0);
        // The other account's window is its own.
        expect((await lane.run(await lane.submit('publish', { text: `Studio ${randomUUID()}` }, { who: 'lumen' }))).status).toBe('confirmed_success');
        await admin.quiesce();
        expect(await arrivals()).toHaveLength(1);
        expect(await admin.effects({ platform: 'x', kind: 'publish', account: X.northwind.id })).toHaveLength(3);
      } finally {
        await lane.close();
      }
    });
  });

  test.describe('with 24-hour posting caps of one post per user and two per app', () => {
    test.use({ sandboxOptions: { xPostCaps24h: { user: 1, app: 2 } } });
    test('should hold posting to the 24-hour reset once a cap is used up, the app cap for every account', async ({ sandbox, admin }) => {
      const lane = await xLane(sandbox.platforms.x);
      try {
        expect((await lane.run(await lane.submit('publish', { text: `Today's post ${randomUUID()}` }))).status).toBe('confirmed_success');
        const before = Date.now();
        const held = await lane.run(await lane.submit('comment_reply', { target: LUMEN_POST, text: `Congrats ${randomUUID()}` }));
        expect(held.status).toBe('deferred');
        expect(held.reason).toBe('platform_hold: x user 24 h limit of POST /2/tweets used up (1)');
        expect(Date.parse(held.retry_at!)).toBeGreaterThan(before + 23 * 3_600_000);
        // A like is another endpoint: not held.
        expect((await lane.run(await lane.submit('like', { target: LUMEN_POST }))).status).toBe('confirmed_success');
        // Lumen's post uses the app's last one: then Lumen is held by the app cap, too.
        expect((await lane.run(await lane.submit('publish', { text: `Studio ${randomUUID()}` }, { who: 'lumen' }))).status).toBe('confirmed_success');
        const app = await lane.run(await lane.submit('publish', { text: `Studio again ${randomUUID()}` }, { who: 'lumen' }));
        expect(app.status).toBe('deferred');
        expect(app.reason).toMatch(/^platform_hold: x (app|user) 24 h limit of POST \/2\/tweets used up/);
        await admin.quiesce();
        expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(2);
        expect(await admin.effects({ platform: 'x', kind: 'reply' })).toHaveLength(0);
      } finally {
        await lane.close();
      }
    });
  });

  test('should put the account in reconnect_required on an expired token, with no retry', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      await admin.fault({ kind: 'token_expired', platform: 'x', lane: 'api', action: 'publish' });
      const out = await lane.run(await lane.submit('publish', { text: `Expired ${randomUUID()}` }));
      expect(out.status).toBe('confirmed_failed');
      expect(out.action.attempt_count).toBe(1);
      const account = (await lane.h.services.store.accounts.get(lane.account().platform_account_id))!;
      expect(account.state).toBe('reconnect_required');
      expect(account.state_reason).toMatch(/auth_expired/);
      // Nothing more runs on it until it is reconnected.
      const next = await lane.run(await lane.submit('publish', { text: `Next ${randomUUID()}` }));
      expect(next.status).toBe('blocked');
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });

  test('should reply, like and DM each with exactly one effect, confirmed by read-only looks', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      const reply = await lane.run(await lane.submit('comment_reply', { target: LUMEN_POST, text: `Lovely light ${randomUUID()}` }));
      expect(reply.status, reply.reason).toBe('confirmed_success');
      const replies = await admin.effects({ platform: 'x', kind: 'reply' });
      expect(replies).toHaveLength(1);
      expect(replies[0]!.target_id).toBe('1860000000000000002');
      expect(reply.action.result.platform_object_id).toBe(replies[0]!.object_id);

      const like = await lane.run(await lane.submit('like', { target: `https://x.com${LUMEN_POST}` }));
      expect(like.status, like.reason).toBe('confirmed_success');
      expect(like.action.result.permalink).toBe(`${sandbox.platforms.x}${LUMEN_POST}`);
      // The same like again under another key: the pre-check finds it, nothing is sent.
      const again = await lane.run(await lane.submit('like', { target: '1860000000000000002', target_handle: 'lumenstudio' }));
      expect(again.status).toBe('confirmed_success');
      expect(again.reason).toBe('already_exists');

      const dm = await lane.run(await lane.submit('dm_send', { recipient: X.ana.handle, text: `Your cake is ready ${randomUUID()}` }));
      expect(dm.status, dm.reason).toBe('confirmed_success');
      expect(dm.action.result.lane_refs?.recipient_id).toBe(X.ana.id);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'like' })).toHaveLength(1);
      const dms = await admin.effects({ platform: 'x', kind: 'dm_send' });
      expect(dms).toHaveLength(1);
      expect(dm.action.result.platform_object_id).toBe(dms[0]!.object_id);
    } finally {
      await lane.close();
    }
  });

  test('should reconcile a DM whose answer was lost into one confirmed message', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      await admin.fault({ kind: 'ack_lost', platform: 'x', lane: 'api', action: 'dm_send' });
      const out = await lane.run(await lane.submit('dm_send', { recipient: X.ana.id, text: `See you Sunday ${randomUUID()}` }));
      expect(out.status, out.reason).toBe('confirmed_success');
      await admin.quiesce();
      const dms = await admin.effects({ platform: 'x', kind: 'dm_send' });
      expect(dms).toHaveLength(1);
      expect(out.action.result.platform_object_id).toBe(dms[0]!.object_id);
    } finally {
      await lane.close();
    }
  });

  test('should delete the post a publish made, after it, and confirm it gone', async ({ sandbox, admin }) => {
    const lane = await xLane(sandbox.platforms.x);
    try {
      const post = await lane.run(await lane.submit('publish', { text: `Short-lived ${randomUUID()}` }));
      expect(post.status).toBe('confirmed_success');
      await admin.fault({ kind: 'error_after_commit', platform: 'x', lane: 'api', action: 'delete' });
      const del = await lane.run(await lane.submit('delete', { target: post.action.result.permalink }, { depends_on: post.action.action_id }));
      expect(del.status, del.reason).toBe('confirmed_success');
      expect(del.action.result.platform_object_id).toBe(post.action.result.platform_object_id);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'delete' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });
});
