import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, call, IG, eventually } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;

async function container(base: string, body: Record<string, unknown>): Promise<string> {
  const created = await call(g(base, '/me/media'), { method: 'POST', token, body });
  expect(created.status, JSON.stringify(created.json)).toBe(200);
  return created.json.id;
}
const statusOf = async (base: string, id: string) => (await call(g(base, `/${id}?fields=status_code,status`), { token })).json;
const untilNot = (base: string, id: string, code = 'IN_PROGRESS') => eventually(() => statusOf(base, id), (s) => s.status_code !== code);
const publish = (base: string, creation_id: string) => call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id } });

/** A loopback server that answers 404 for everything. */
async function missingMedia(): Promise<{ url: string; close: () => void }> {
  const server: Server = await new Promise((ok) => {
    const s = createServer((_req, res) => res.writeHead(404).end());
    s.listen(0, '127.0.0.1', () => ok(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gone.jpg`, close: () => server.close() };
}

test.describe('sandbox Graph publish outcomes (Meta error table)', () => {
  test.describe('with slow processing', () => {
    test.use({ sandboxOptions: { containerDelayMs: 5000 } });
    test('should answer 9007/2207027 with the documented user message while IN_PROGRESS, and apply nothing', async ({ sandbox, admin }) => {
      const base = sandbox.platforms.instagram;
      const id = await container(base, { image_url: 'https://cdn.example.com/a.jpg', caption: 'early' });
      expect(await statusOf(base, id)).toEqual({ id, status_code: 'IN_PROGRESS', status: 'In Progress: Media is still being processed.' });
      const early = await publish(base, id);
      expect(early.status).toBe(400);
      expect(early.json.error).toMatchObject({
        code: 9007,
        error_subcode: 2207027,
        type: 'OAuthException',
        error_user_msg: 'The media is not ready for publishing, please wait for a moment',
      });
      expect(typeof early.json.error.fbtrace_id).toBe('string');
      expect(early.headers.get('x-fb-trace-id')).toBe(early.json.error.fbtrace_id);
      expect(await admin.effects()).toHaveLength(0);
    });
  });

  test.describe('with a tiny TTL', () => {
    test.use({ sandboxOptions: { containerDelayMs: 0, containerTtlMs: 200 } });
    test('should report EXPIRED and answer 24/2207008 for an expired container', async ({ sandbox, admin }) => {
      const base = sandbox.platforms.instagram;
      const id = await container(base, { image_url: 'https://cdn.example.com/a.jpg', caption: 'late' });
      const expired = await eventually(() => statusOf(base, id), (s) => s.status_code === 'EXPIRED');
      expect(expired).toEqual({ id, status_code: 'EXPIRED', status: 'Expired: The container was not published within 24 hours and has expired.' });
      const res = await publish(base, id);
      expect(res.json.error).toMatchObject({ code: 24, error_subcode: 2207008 });
      expect(res.json.error.message).toBe(`The media builder with creation id = ${id} does not exist or has been expired.`);
      expect(await admin.effects()).toHaveLength(0);
    });
  });

  test('should answer 24/2207008 for a container that does not exist or is another account\'s', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    expect((await publish(base, '17800999999999')).json.error).toMatchObject({ code: 24, error_subcode: 2207008 });
    const theirs = (await call(g(base, '/me/media'), { method: 'POST', token: IG.lumen.token, body: { image_url: 'https://cdn.example.com/l.jpg' } })).json.id;
    expect((await publish(base, theirs)).json.error).toMatchObject({ code: 24, error_subcode: 2207008 });
  });

  test('should answer 506 Duplicate Post for an already published container and keep one effect', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const id = await container(base, { image_url: 'https://cdn.example.com/a.jpg', caption: 'once' });
    expect((await untilNot(base, id)).status_code).toBe('FINISHED');
    const first = await publish(base, id);
    expect(first.status).toBe(200);
    expect(await statusOf(base, id)).toEqual({ id, status_code: 'PUBLISHED', status: 'Published: Media has been published.' });
    const again = await publish(base, id);
    expect(again.status).toBe(400);
    expect(again.json.error).toMatchObject({ code: 506, type: 'OAuthException', error_user_title: 'Duplicate Post' });
    expect(again.json.error.error_subcode).toBeUndefined();
    expect(await admin.effects({ kind: 'publish' })).toEqual([expect.objectContaining({ object_id: first.json.id, media_type: 'IMAGE', media_product_type: 'FEED' })]);
  });

  test.describe('with a quota of one', () => {
    test.use({ sandboxOptions: { containerDelayMs: 0, igPublishQuota: 1 } });
    test('should answer 9/2207042 past content_publishing_limit and report the quota as Meta does', async ({ sandbox, admin }) => {
      const base = sandbox.platforms.instagram;
      const one = await container(base, { image_url: 'https://cdn.example.com/1.jpg', caption: 'one' });
      const two = await container(base, { image_url: 'https://cdn.example.com/2.jpg', caption: 'two' });
      await untilNot(base, one);
      await untilNot(base, two);
      expect((await publish(base, one)).status).toBe(200);
      const over = await publish(base, two);
      expect(over.json.error).toMatchObject({ code: 9, error_subcode: 2207042, error_user_msg: 'You reached maximum number of posts that is allowed to be published by Content Publishing API.' });
      expect((await statusOf(base, two)).status_code).toBe('FINISHED');
      expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);
      // quota_usage only when no fields are asked; config on request.
      expect((await call(g(base, `/${IG.northwind.id}/content_publishing_limit`), { token })).json).toEqual({ data: [{ quota_usage: 1 }] });
      const both = await call(g(base, `/${IG.northwind.id}/content_publishing_limit?fields=quota_usage,config`), { token });
      expect(both.json).toEqual({ data: [{ quota_usage: 1, config: { quota_total: 1, quota_duration: 86400 } }] });
      const since = await call(g(base, `/${IG.northwind.id}/content_publishing_limit?since=${Math.ceil(Date.now() / 1000) + 5}`), { token });
      expect(since.json).toEqual({ data: [{ quota_usage: 0 }] });
      const bad = await call(g(base, `/${IG.northwind.id}/content_publishing_limit?fields=quota_left`), { token });
      expect(bad.json.error.code).toBe(100);
      expect(bad.json.error.message).toContain('(quota_left)');
    });
  });

  test('should answer a failed container with its table row: 9004/2207052 when the image cannot be fetched', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const media = await missingMedia();
    try {
      const id = await container(base, { image_url: media.url, caption: 'broken' });
      const failed = await untilNot(base, id);
      expect(failed).toEqual({ id, status_code: 'ERROR', status: 'Error: Media upload has failed with error code 2207052' });
      const res = await publish(base, id);
      expect(res.json.error).toMatchObject({ code: 9004, error_subcode: 2207052 });
      expect(await admin.effects()).toHaveLength(0);
    } finally {
      media.close();
    }
  });

  test('should leave a container_stuck fault for the next valid container, not spend it on a refused one', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    await admin.fault({ kind: 'container_stuck', platform: 'instagram', count: 1 });
    const refused = await call(g(base, '/me/media'), { method: 'POST', token, body: { caption: 'no image' } });
    expect(refused.json.error.code).toBe(100);
    const stuck = await container(base, { image_url: 'https://cdn.example.com/s.jpg' });
    const free = await container(base, { image_url: 'https://cdn.example.com/f.jpg' });
    await untilNot(base, free);
    expect((await statusOf(base, free)).status_code).toBe('FINISHED');
    expect((await statusOf(base, stuck)).status_code).toBe('IN_PROGRESS');
    expect((await publish(base, stuck)).json.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
  });

  test('should refuse unknown media types and bad parameters with code 100 naming the field', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const create = (body: Record<string, unknown>) => call(g(base, '/me/media'), { method: 'POST', token, body });
    const stories = await create({ media_type: 'HOLOGRAM', image_url: 'https://cdn.example.com/a.jpg' });
    expect(stories.json.error).toMatchObject({ code: 100, error_subcode: 2207023, error_user_msg: 'The media type HOLOGRAM is unknown.' });
    const reel = await create({ media_type: 'REELS', caption: 'no video' });
    expect(reel.json.error.code).toBe(100);
    expect(reel.json.error.message).toContain('video_url is required');
    const share = await create({ media_type: 'REELS', video_url: 'https://cdn.example.com/v.mp4', share_to_feed: 'maybe' });
    expect(share.json.error.message).toContain('share_to_feed');
    const video = await create({ media_type: 'VIDEO', video_url: 'https://cdn.example.com/v.mp4' });
    expect(video.json.error.message).toContain('media_type');
    const caption = await create({ image_url: 'https://cdn.example.com/a.jpg', caption: 'x'.repeat(2201) });
    expect(caption.json.error.message).toContain('caption');
    const id = await publish(base, 'abc');
    expect(id.json.error.message).toContain('creation_id');
  });
});
