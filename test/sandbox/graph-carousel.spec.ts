import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, call, IG, eventually, sha256 } from './fixtures.js';

const g = (base: string, path: string) => `${base}/v21.0${path}`;
const token = IG.northwind.token;

const create = (base: string, form: Record<string, string>) => call(g(base, '/me/media'), { method: 'POST', token, form });
async function item(base: string, n: number): Promise<string> {
  const res = await create(base, { image_url: `https://cdn.example.com/item-${n}.jpg`, is_carousel_item: 'true' });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.id;
}
const status = async (base: string, id: string) => (await call(g(base, `/${id}?fields=status_code,status`), { token })).json;
const publish = (base: string, creation_id: string) => call(g(base, '/me/media_publish'), { method: 'POST', token, body: { creation_id } });

test.describe('sandbox Graph carousels', () => {
  test.use({ sandboxOptions: { containerDelayMs: 50, reelDelayMs: 1500 } });

  test('should publish a CAROUSEL of item containers as one CAROUSEL_ALBUM post and one effect', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const items = [await item(base, 1), await item(base, 2), await item(base, 3)];
    const carousel = await create(base, { media_type: 'CAROUSEL', children: items.join(','), caption: 'Three loaves' });
    expect(carousel.status).toBe(200);
    await eventually(() => status(base, carousel.json.id), (s) => s.status_code === 'FINISHED');
    // An item is published only through its carousel.
    const alone = await publish(base, items[0]!);
    expect(alone.json.error.code).toBe(100);
    expect(alone.json.error.message).toContain('creation_id');
    const res = await publish(base, carousel.json.id);
    expect(res.status).toBe(200);
    const album = (await call(g(base, `/${res.json.id}?fields=caption,media_type,media_product_type,media_url,children{id,media_type,media_url,permalink}`), { token })).json;
    expect(album).toMatchObject({ id: res.json.id, caption: 'Three loaves', media_type: 'CAROUSEL_ALBUM', media_product_type: 'FEED' });
    expect(album.children.data).toHaveLength(3);
    for (const child of album.children.data) {
      expect(child).toMatchObject({ media_type: 'IMAGE', permalink: expect.stringMatching(/\/p\/[\w-]+\/$/) });
      expect((await fetch(child.media_url)).headers.get('content-type')).toContain('image/png');
      expect((await call(g(base, `/${child.id}?fields=media_type`), { token })).json).toEqual({ id: child.id, media_type: 'IMAGE' });
    }
    expect((await call(g(base, `/${res.json.id}?fields=children`), { token })).json.children.data.map((c: { id: string }) => Object.keys(c))).toEqual([['id'], ['id'], ['id']]);
    for (const id of [...items, carousel.json.id]) expect((await status(base, id)).status_code).toBe('PUBLISHED');
    // The album lists once; its items do not list on their own.
    const listed = (await call(g(base, '/me/media?fields=id,media_type'), { token })).json.data;
    expect(listed.filter((m: { media_type: string }) => m.media_type === 'CAROUSEL_ALBUM')).toEqual([{ id: res.json.id, media_type: 'CAROUSEL_ALBUM' }]);
    expect(listed).toHaveLength(2);
    expect(await admin.effects({ kind: 'publish' })).toEqual([
      expect.objectContaining({ object_id: res.json.id, media_type: 'CAROUSEL_ALBUM', media_product_type: 'FEED', payload_sha256: sha256('Three loaves'), via: 'api' }),
    ]);
    expect((await call(g(base, `/${IG.northwind.id}/content_publishing_limit`), { token })).json).toEqual({ data: [{ quota_usage: 1 }] });
    expect((await publish(base, carousel.json.id)).json.error.code).toBe(506);
  });

  test('should keep the carousel IN_PROGRESS until every item is FINISHED and refuse to publish it before', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const image = await item(base, 1);
    const video = await create(base, { media_type: 'VIDEO', video_url: 'https://cdn.example.com/clip.mp4', is_carousel_item: 'true' });
    expect(video.status).toBe(200);
    await eventually(() => status(base, image), (s) => s.status_code === 'FINISHED');
    const carousel = (await call(g(base, '/me/media'), { method: 'POST', token, body: { media_type: 'CAROUSEL', children: [image, video.json.id], caption: 'mixed' } })).json.id;
    expect((await status(base, video.json.id)).status_code).toBe('IN_PROGRESS');
    expect((await status(base, carousel)).status_code).toBe('IN_PROGRESS');
    expect((await publish(base, carousel)).json.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
    expect(await admin.effects()).toHaveLength(0);
    await eventually(() => status(base, carousel), (s) => s.status_code === 'FINISHED', 8000);
    expect((await status(base, video.json.id)).status_code).toBe('FINISHED');
    const res = await publish(base, carousel);
    expect(res.status).toBe(200);
    const album = (await call(g(base, `/${res.json.id}?fields=children{media_type,thumbnail_url}`), { token })).json;
    expect(album.children.data.map((c: { media_type: string }) => c.media_type)).toEqual(['IMAGE', 'VIDEO']);
    expect(album.children.data[0].thumbnail_url).toBeUndefined();
    expect(album.children.data[1].thumbnail_url).toMatch(/\/media\/\w+\.png$/);
  });

  test('should fail the carousel with its failed item', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const server: Server = await new Promise((ok) => {
      const s = createServer((_req, res) => res.writeHead(404).end());
      s.listen(0, '127.0.0.1', () => ok(s));
    });
    try {
      const good = await item(base, 1);
      const bad = (await create(base, { image_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.jpg`, is_carousel_item: 'true' })).json.id;
      const carousel = (await create(base, { media_type: 'CAROUSEL', children: `${good},${bad}` })).json.id;
      const failed = await eventually(() => status(base, carousel), (s) => s.status_code !== 'IN_PROGRESS');
      expect(failed).toEqual({ id: carousel, status_code: 'ERROR', status: 'Error: Media upload has failed with error code 2207052' });
      expect((await publish(base, carousel)).json.error).toMatchObject({ code: 9004, error_subcode: 2207052 });
      expect(await admin.effects()).toHaveLength(0);
    } finally {
      server.close();
    }
  });

  test('should refuse carousels outside 2–10 items, unknown items and items not made for carousels', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const one = await item(base, 1);
    const small = await create(base, { media_type: 'CAROUSEL', children: one });
    expect(small.json.error).toMatchObject({ code: 100, error_subcode: 2207028 });
    const eleven = await create(base, { media_type: 'CAROUSEL', children: Array(11).fill(one).join(',') });
    expect(eleven.json.error).toMatchObject({ code: 100, error_subcode: 2207028 });
    const unknown = await create(base, { media_type: 'CAROUSEL', children: `${one},17800999999999` });
    expect(unknown.json.error).toMatchObject({ code: 24, error_subcode: 2207008 });
    const single = (await create(base, { image_url: 'https://cdn.example.com/single.jpg' })).json.id;
    const notItem = await create(base, { media_type: 'CAROUSEL', children: `${one},${single}` });
    expect(notItem.json.error.code).toBe(100);
    expect(notItem.json.error.message).toContain('children');
    const junk = await create(base, { media_type: 'CAROUSEL', children: 'a,b' });
    expect(junk.json.error.message).toContain('children');
    const missing = await create(base, { media_type: 'CAROUSEL' });
    expect(missing.json.error.message).toContain('children is required');
  });
});
