import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, call, IG, eventually, sha256 } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;

/** The first bytes of an MP4 file: an ISO base media `ftyp` box. */
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(12), Buffer.from('moov-and-more')]);

async function videoServer(): Promise<{ base: string; close: () => void }> {
  const server: Server = await new Promise((ok) => {
    const s = createServer((req, res) => {
      if (req.url === '/reel.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).end(MP4);
      if (req.url === '/not-a-video.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).end('<html>oops</html>');
      res.writeHead(404).end();
    });
    s.listen(0, '127.0.0.1', () => ok(s));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const reel = (base: string, body: Record<string, unknown>) => call(g(base, '/me/media'), { method: 'POST', token, body: { media_type: 'REELS', ...body } });
const status = async (base: string, id: string) => (await call(g(base, `/${id}?fields=status_code,status`), { token })).json;
const publish = (base: string, creation_id: string) => call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id } });

test.describe('sandbox Graph reels', () => {
  test.use({ sandboxOptions: { containerDelayMs: 0, reelDelayMs: 600 } });

  test('should process a reel for its delay, refuse to publish it early, then publish a REELS video with share_to_feed', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const videos = await videoServer();
    try {
      const created = await reel(base, { video_url: `${videos.base}/reel.mp4`, caption: 'Dough in motion', share_to_feed: false });
      expect(created.status).toBe(200);
      const t0 = Date.now();
      expect(await status(base, created.json.id)).toMatchObject({ status_code: 'IN_PROGRESS', status: 'In Progress: Media is still being processed.' });
      expect((await publish(base, created.json.id)).json.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
      await eventually(() => status(base, created.json.id), (s) => s.status_code === 'FINISHED');
      // reelDelayMs, plus a seeded draw of at most half of it.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
      const res = await publish(base, created.json.id);
      expect(res.status).toBe(200);
      const media = (await call(g(base, `/${res.json.id}?fields=caption,media_type,media_product_type,is_shared_to_feed,media_url,thumbnail_url,permalink`), { token })).json;
      expect(media).toMatchObject({ caption: 'Dough in motion', media_type: 'VIDEO', media_product_type: 'REELS', is_shared_to_feed: false });
      expect(Buffer.from(await (await fetch(media.media_url)).arrayBuffer()).equals(MP4)).toBe(true);
      expect((await fetch(media.thumbnail_url)).headers.get('content-type')).toContain('image/png');
      expect(await admin.effects({ kind: 'publish' })).toEqual([
        expect.objectContaining({ object_id: res.json.id, media_type: 'VIDEO', media_product_type: 'REELS', payload_sha256: sha256('Dough in motion') }),
      ]);
    } finally {
      videos.close();
    }
  });

  test('should share reels to the feed by default and list them with the feed posts', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const created = (await call(g(base, '/me/media'), { method: 'POST', token, form: { media_type: 'REELS', video_url: 'https://cdn.example.com/remote.mp4', caption: 'remote' } })).json.id;
    await eventually(() => status(base, created), (s) => s.status_code === 'FINISHED');
    const id = (await publish(base, created)).json.id;
    const listed = (await call(g(base, '/me/media?fields=media_product_type,is_shared_to_feed'), { token })).json.data;
    expect(listed[0]).toEqual({ id, media_product_type: 'REELS', is_shared_to_feed: true });
    // Feed images do not carry the reels-only field.
    expect(listed[1].is_shared_to_feed).toBeUndefined();
  });

  test('should end ERROR with 2207026 for a file that is not a video, and 2207052 for one that cannot be fetched', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const videos = await videoServer();
    try {
      const notVideo = (await reel(base, { video_url: `${videos.base}/not-a-video.mp4` })).json.id;
      const missing = (await reel(base, { video_url: `${videos.base}/gone.mp4` })).json.id;
      expect(await eventually(() => status(base, notVideo), (s) => s.status_code !== 'IN_PROGRESS')).toEqual({
        id: notVideo,
        status_code: 'ERROR',
        status: 'Error: Media upload has failed with error code 2207026',
      });
      expect((await eventually(() => status(base, missing), (s) => s.status_code !== 'IN_PROGRESS')).status).toBe('Error: Media upload has failed with error code 2207052');
      expect((await publish(base, notVideo)).json.error).toMatchObject({ code: 352, error_subcode: 2207026 });
      expect((await publish(base, missing)).json.error).toMatchObject({ code: 9004, error_subcode: 2207052 });
      expect(await admin.effects()).toHaveLength(0);
    } finally {
      videos.close();
    }
  });
});
