import { test, expect, IG } from '../sandbox/fixtures.js';
import { caption, igLane, image, publishPayload } from './ig-harness.js';

// Issue 9 items 1 and 4: comment replies, DMs and deletes on the Instagram API lane, through the
// real kernel and the sandbox, each with its terminal state and its count in the ground truth.

/** Northwind's seeded post and Ana's comment on it. */
const SEEDED = { code: 'SEED1aBc', comment: '18000000000000001' };
const replyTo = (text: string) => ({ action_type: 'comment_reply' as const, payload: { target: SEEDED.code, comment_id: SEEDED.comment, text } });
const dm = (recipient: string, text: string) => ({ action_type: 'dm_send' as const, payload: { recipient, text } });

test.describe('Instagram API lane: replies, DMs, deletes', () => {
  test('should reply to a comment and confirm the reply by its id', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      const text = caption('We do ship!');
      const out = await lane.run(await lane.submit(replyTo(text)));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.result.verification_level).toBe(2);
      const effects = await admin.effects({ platform: 'instagram', kind: 'reply' });
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({ object_id: out.action.result.platform_object_id, target_id: SEEDED.comment, text, via: 'api' });
    } finally {
      await lane.close();
    }
  });

  test('should reconcile a reply whose acknowledgement was lost from the replies listing: confirmed_success, replied once', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      await admin.fault({ kind: 'ack_lost', platform: 'instagram', lane: 'api', action: 'reply' });
      const text = caption('Lost on the way');
      const input = { ...replyTo(text), idempotency_key: `ig-reply-${Date.now()}` };
      const out = await lane.run(await lane.submit(input));
      // No id came back: the replies listing, matched by author, text and time, finds the one reply.
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(1);
      expect(out.action.result.verification_level).toBe(2);
      const effects = await admin.effects({ platform: 'instagram', kind: 'reply' });
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({ object_id: out.action.result.platform_object_id, target_id: SEEDED.comment, text, via: 'api' });
      // The same reply again: the ledger's result, never a second reply.
      const again = await lane.run(await lane.submit(input));
      expect(again.action.attempt_count).toBe(0);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'reply' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should refuse a DM outside the 24 h window after the user\'s last message: confirmed_failed, nothing sent', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      // Ana's only message to Northwind is the seeded, old one.
      const out = await lane.run(await lane.submit(dm(IG.ana.id, caption('Still there?'))));
      expect(out.status).toBe('confirmed_failed');
      expect(out.reason).toMatch(/^platform_refused/);
      expect(out.action.attempt_count).toBe(1);
      expect(lane.h.logLines.some((l) => l.includes('outside the 24 h messaging window'))).toBe(true);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'dm_send' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });

  test('should send a DM inside the 24 h window once and confirm it by the message id the send answered', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      await admin.dm(IG.marco.handle, IG.northwind.handle, 'Open on Sunday?');
      const input = { ...dm(IG.marco.id, caption('Yes, 8 to 12!')), idempotency_key: `ig-dm-${Date.now()}` };
      const out = await lane.run(await lane.submit(input));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.result.verification_level).toBe(2);
      expect((await lane.trail(out.action)).some((r) => r.includes('on api_get'))).toBe(true);
      const effects = await admin.effects({ platform: 'instagram', kind: 'dm_send' });
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({ target_id: IG.marco.id, object_id: out.action.result.platform_object_id, via: 'api' });
      // The same DM again: the ledger's result, never a second send.
      const again = await lane.run(await lane.submit(input));
      expect(again.action.attempt_count).toBe(0);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'dm_send' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should find a DM whose acknowledgement was lost in the conversation with the recipient: confirmed_success, sent once', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      await admin.dm(IG.marco.handle, IG.northwind.handle, 'Gluten free?');
      await admin.fault({ kind: 'ack_lost', platform: 'instagram', lane: 'api', action: 'dm_send' });
      const out = await lane.run(await lane.submit(dm(IG.marco.id, caption('Two kinds, yes'))));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(1);
      await admin.quiesce();
      const effects = await admin.effects({ platform: 'instagram', kind: 'dm_send' });
      expect(effects).toHaveLength(1);
      expect(effects[0]!.object_id).toBe(out.action.result.platform_object_id);
    } finally {
      await lane.close();
    }
  });

  test('should leave a DM the platform only pretended to send unknown: its id is not there and the conversation has no such message', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      await admin.dm(IG.marco.handle, IG.northwind.handle, 'Still open?');
      await admin.fault({ kind: 'phantom_success', platform: 'instagram', lane: 'api', action: 'dm_send' });
      const out = await lane.run(await lane.submit(dm(IG.marco.id, caption('Until 6'))));
      // A 100/33 by id and a content miss prove nothing absent: a human decides, nothing is re-sent.
      expect(out.status).toBe('unknown');
      expect(out.action.attempt_count).toBe(1);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'dm_send' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });

  test('should delete the post a publish made, found through the publish it depends on, and confirm it gone by id', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      const post = await lane.run(await lane.submit({ action_type: 'publish', payload: publishPayload(caption('Short-lived'), [image('gone')]) }));
      expect(post.status, post.reason).toBe('confirmed_success');
      const out = await lane.run(await lane.submit({ action_type: 'delete', payload: { target: post.action.result.permalink! }, depends_on: post.action.action_id }));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.result.platform_object_id).toBe(post.action.result.platform_object_id);
      expect(out.action.result.lane_refs?.media_id).toBe(post.action.result.platform_object_id);
      await admin.quiesce();
      const deletes = await admin.effects({ platform: 'instagram', kind: 'delete' });
      expect(deletes).toHaveLength(1);
      expect(deletes[0]!.object_id).toBe(post.action.result.platform_object_id);
      expect(await admin.effects({ platform: 'instagram', kind: 'publish' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should confirm a delete whose acknowledgement was lost by reading the post by id (100/33), deleting once', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      const post = await lane.run(await lane.submit({ action_type: 'publish', payload: publishPayload(caption('Gone quietly'), [image('quiet')]) }));
      expect(post.status, post.reason).toBe('confirmed_success');
      await admin.fault({ kind: 'ack_lost', platform: 'instagram', lane: 'api', action: 'delete' });
      // The media id as target (no dependency to read it from).
      const out = await lane.run(await lane.submit({ action_type: 'delete', payload: { target: post.action.result.platform_object_id! } }));
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(1);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'delete' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });

  test('should refuse likes on the API lane (the Graph API has no such endpoint) before any attempt', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      const out = await lane.run(await lane.submit({ action_type: 'like', payload: { target: SEEDED.code } }));
      expect(out.status).toBe('blocked');
      expect(out.reason).toMatch(/^precheck_failed: platform_refused/);
      expect(out.action.attempt_count).toBe(0);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });
});

test.describe('Instagram API lane: a lost reply acknowledgement while the replies listing lags', () => {
  test.use({ sandboxOptions: { containerDelayMs: 100, lag: { comments: { baseMs: 120_000 } } } });

  test('should leave the reply unknown (a listing that does not show it proves nothing), never replying twice', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      await admin.fault({ kind: 'ack_lost', platform: 'instagram', lane: 'api', action: 'reply' });
      const input = { ...replyTo(caption('Slow to show')), idempotency_key: `ig-reply-lag-${Date.now()}` };
      const out = await lane.run(await lane.submit(input));
      expect(out.status).toBe('unknown');
      const again = await lane.run(await lane.submit(input));
      expect(again.status).toBe('blocked');
      expect(again.reason).toMatch(/^duplicate_pending/);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'reply' })).toHaveLength(1);
    } finally {
      await lane.close();
    }
  });
});
