import { test, expect, IG } from '../sandbox/fixtures.js';
import { caption, igLane, image, publishPayload, video } from './ig-harness.js';

// Issue 9 item 1: carousels and reels on the API lane, through the real kernel and the sandbox's
// Graph API, each counted against the ground truth (0 or 1 post, never 2).

test.describe('Instagram API lane: carousels and reels', () => {
  test.use({ sandboxOptions: { containerDelayMs: 100, reelDelayMs: 1200 } });

  test('should publish a carousel of two images and a video as one CAROUSEL_ALBUM post, each container made once and kept', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      const text = caption('Three loaves');
      const a = await lane.submit({ action_type: 'publish', payload: publishPayload(text, [image('rye'), image('spelt'), video('crumb')]) });
      const out = await lane.run(a);
      expect(out.status, out.reason).toBe('confirmed_success');
      const effects = await admin.effects({ platform: 'instagram', kind: 'publish' });
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({ media_type: 'CAROUSEL_ALBUM', media_product_type: 'FEED', text, object_id: out.action.result.platform_object_id });
      expect(out.action.result.verification_level).toBe(3);
      const refs = out.action.result.lane_refs!;
      expect(Object.keys(refs).sort()).toEqual(['carousel_item_0', 'carousel_item_1', 'carousel_item_2', 'container_id']);
      expect((await lane.trail(a)).filter((r) => r.startsWith('kept '))).toHaveLength(4);
      // §6.1: Meta's request id and the created object's id on the commit, the permalink beside them.
      const proofs = await lane.proofs(a);
      expect(proofs.some((p) => new RegExp(`/media_publish → 200; fbtrace_id \\S+; id ${out.action.result.platform_object_id}$`).test(p))).toBe(true);
      expect(proofs).toContain(out.action.result.permalink);
      expect(out.action.result.request_id).toBeTruthy();
    } finally {
      await lane.close();
    }
  });

  test('should publish a reel once its processing (seconds) has finished', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      const started = Date.now();
      const out = await lane.run(await lane.submit({ action_type: 'publish', payload: publishPayload(caption('Dough in motion'), [video('reel')]) }));
      expect(out.status, out.reason).toBe('confirmed_success');
      // reelDelayMs 1200 at least: media_publish waited for FINISHED.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
      const effects = await admin.effects({ platform: 'instagram', kind: 'publish' });
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({ media_type: 'VIDEO', media_product_type: 'REELS', object_id: out.action.result.platform_object_id });
      expect(out.action.result.permalink).toBeTruthy();
    } finally {
      await lane.close();
    }
  });

  test('should end a reel whose processing fails (ERROR) confirmed_failed, with nothing published', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      // A loopback URL the sandbox fetches: a PNG, not a video → ERROR 2207026.
      const notVideo = { source: `${sandbox.platforms.instagram}/static/avatars/${IG.northwind.id}.png`, kind: 'video' as const };
      const out = await lane.run(await lane.submit({ action_type: 'publish', payload: publishPayload(caption('Not a video'), [notVideo]) }));
      expect(out.status).toBe('confirmed_failed');
      expect(out.reason).toMatch(/platform_refused/);
      expect(out.action.attempt_count).toBe(1);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'publish' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });

  test('should never publish a container stuck IN_PROGRESS: the action fails without calling media_publish', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox, { processingTimeoutMs: 1_500 });
    try {
      await admin.fault({ kind: 'container_stuck', platform: 'instagram', lane: 'api' });
      const a = await lane.submit({ action_type: 'publish', payload: publishPayload(caption('Stuck'), [image('stuck')]) });
      const out = await lane.run(a);
      expect(out.status).toBe('confirmed_failed');
      expect(out.reason).toMatch(/^platform_refused/);
      // The container was made and kept; no media_publish request was ever made.
      const proofs = await lane.proofs(a);
      expect(proofs.some((p) => /^POST \/v21\.0\/\d+\/media → 200; fbtrace_id \S+; id \d+$/.test(p))).toBe(true);
      expect(proofs.filter((p) => /media_publish/.test(p))).toEqual([]);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram', kind: 'publish' })).toHaveLength(0);
    } finally {
      await lane.close();
    }
  });

  test('should reuse the whole carousel set after a server error on the publish was proven to have left nothing', async ({ sandbox, admin }) => {
    const lane = await igLane(sandbox);
    try {
      await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', lane: 'api', action: 'publish', count: 1 });
      const a = await lane.submit({ action_type: 'publish', payload: publishPayload(caption('Twice tried'), [image('a'), image('b')]) });
      const out = await lane.run(a);
      expect(out.status, out.reason).toBe('confirmed_success');
      expect(out.action.attempt_count).toBe(2);
      const trail = await lane.trail(a);
      expect(trail.some((r) => /absence proven/.test(r))).toBe(true);
      // Two items and one carousel, kept once each: the retry made no second set.
      expect(trail.filter((r) => r.startsWith('kept '))).toHaveLength(3);
      await admin.quiesce();
      const effects = await admin.effects({ platform: 'instagram', kind: 'publish' });
      expect(effects).toHaveLength(1);
      expect(effects[0]!.media_type).toBe('CAROUSEL_ALBUM');
    } finally {
      await lane.close();
    }
  });
});
