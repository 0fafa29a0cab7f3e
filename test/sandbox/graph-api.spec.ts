import { test, expect, call, IG, sha256, samplePng, eventually } from './fixtures.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

test.describe('sandbox Instagram Graph API', () => {
  const g = (base: string, path: string) => `${base}/v21.0${path}`;

  async function publish(base: string, token: string, caption: string, imageUrl = 'https://cdn.example.com/photo.jpg') {
    const created = await call(g(base, '/me/media'), { method: 'POST', token, form: { image_url: imageUrl, caption } });
    expect(created.status).toBe(200);
    const status = await eventually(() => call(g(base, `/${created.json.id}?fields=status_code`), { token }), (r) => r.json.status_code !== 'IN_PROGRESS');
    expect(status.json.status_code).toBe('FINISHED');
    const published = await call(g(base, `/${IG.northwind.id}/media_publish`), { method: 'POST', token, body: { creation_id: created.json.id } });
    return { container: created.json.id as string, published };
  }

  test('should answer /me with the token owner and accept access_token as a query parameter', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const me = await call(g(base, '/me?fields=id,username,name,profile_picture_url'), { token: IG.northwind.token });
    expect(me.json).toMatchObject({ id: IG.northwind.id, username: IG.northwind.handle, name: 'Northwind Bakery' });
    const avatar = await fetch(me.json.profile_picture_url);
    expect(avatar.headers.get('content-type')).toContain('image/png');
    const viaQuery = await call(g(base, `/me?access_token=${IG.lumen.token}`));
    expect(viaQuery.json).toMatchObject({ id: IG.lumen.id, username: IG.lumen.handle });
  });

  test('should refuse bad tokens with Meta error bodies', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const none = await call(g(base, '/me'));
    expect(none.status).toBe(400);
    expect(none.json.error).toMatchObject({ code: 104, type: 'OAuthException' });
    const bad = await call(g(base, '/me'), { token: 'nope' });
    expect(bad.json.error).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(typeof bad.json.error.fbtrace_id).toBe('string');
  });

  test('should publish through container → status_code → media_publish → permalink and log one publish effect', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const caption = 'Croissants are back ☕';
    const { container, published } = await publish(base, IG.northwind.token, caption);
    expect(published.status).toBe(200);
    const mediaId = published.json.id;
    const media = await call(g(base, `/${mediaId}?fields=id,caption,permalink,timestamp`), { token: IG.northwind.token });
    expect(media.json).toMatchObject({ id: mediaId, caption });
    expect(media.json.permalink).toMatch(new RegExp(`^${base}/p/[\\w-]+/$`));
    expect(media.json.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect((await call(g(base, `/${container}?fields=status_code`), { token: IG.northwind.token })).json.status_code).toBe('PUBLISHED');
    const page = await fetch(media.json.permalink, { redirect: 'manual' });
    expect(page.status).toBe(303); // the permalink exists; browsing it needs a login
    const effects = await admin.effects({ platform: 'instagram', kind: 'publish' });
    expect(effects).toEqual([expect.objectContaining({ kind: 'publish', object_id: mediaId, via: 'api', account: { id: IG.northwind.id, handle: IG.northwind.handle }, payload_sha256: sha256(caption) })]);
    const again = await call(g(base, `/${IG.northwind.id}/media_publish`), { method: 'POST', token: IG.northwind.token, body: { creation_id: container } });
    // Already published: Graph's documented 506 "Duplicate Post", not a not-ready or expired code.
    expect(again.status).toBe(400);
    expect(again.json.error).toMatchObject({ code: 506, error_user_title: 'Duplicate Post' });
    expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);
  });

  test.describe('with a slow container', () => {
    test.use({ sandboxOptions: { containerDelayMs: 5000 } });
    test('should keep a container IN_PROGRESS until the delay passes and refuse to publish it early', async ({ sandbox }) => {
      const base = sandbox.platforms.instagram;
      const created = await call(g(base, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { image_url: 'https://cdn.example.com/a.jpg', caption: 'early' } });
      const status = await call(g(base, `/${created.json.id}?fields=status_code,status`), { token: IG.northwind.token });
      expect(status.json.status_code).toBe('IN_PROGRESS');
      const early = await call(g(base, `/me/media_publish`), { method: 'POST', token: IG.northwind.token, body: { creation_id: created.json.id } });
      expect(early.json.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
    });
  });

  test.describe('with a tiny TTL', () => {
    test.use({ sandboxOptions: { containerDelayMs: 0, containerTtlMs: 150 } });
    test('should expire containers that are not published in time', async ({ sandbox }) => {
      const base = sandbox.platforms.instagram;
      const created = await call(g(base, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { image_url: 'https://cdn.example.com/a.jpg', caption: 'late' } });
      await new Promise((r) => setTimeout(r, 250));
      expect((await call(g(base, `/${created.json.id}?fields=status_code`), { token: IG.northwind.token })).json.status_code).toBe('EXPIRED');
    });
  });

  test('should fetch loopback image URLs and report ERROR when the image cannot be fetched', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const png = await samplePng();
    const server: Server = await new Promise((ok) => {
      const s = createServer((req, res) => (req.url === '/ok.png' ? res.writeHead(200, { 'content-type': 'image/png' }).end(png) : res.writeHead(404).end()));
      s.listen(0, '127.0.0.1', () => ok(s));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const good = await call(g(base, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { image_url: `http://127.0.0.1:${port}/ok.png`, caption: 'real bytes' } });
      const bad = await call(g(base, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { image_url: `http://127.0.0.1:${port}/missing.png`, caption: 'x' } });
      const goodStatus = await eventually(() => call(g(base, `/${good.json.id}?fields=status_code`), { token: IG.northwind.token }), (r) => r.json.status_code !== 'IN_PROGRESS');
      const badStatus = await eventually(() => call(g(base, `/${bad.json.id}?fields=status_code`), { token: IG.northwind.token }), (r) => r.json.status_code !== 'IN_PROGRESS');
      expect(goodStatus.json.status_code).toBe('FINISHED');
      expect(badStatus.json.status_code).toBe('ERROR');
      const pub = await call(g(base, '/me/media_publish'), { method: 'POST', token: IG.northwind.token, body: { creation_id: good.json.id } });
      const media = await call(g(base, `/${pub.json.id}?fields=media_url`), { token: IG.northwind.token });
      expect(Buffer.from(await (await fetch(media.json.media_url)).arrayBuffer()).equals(png)).toBe(true);
    } finally {
      server.close();
    }
  });

  test('should validate inputs and name the field', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    const missing = await call(g(base, '/me/media'), { method: 'POST', token: IG.northwind.token, body: { caption: 'no image' } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe(100);
    expect(missing.json.error.message).toContain('image_url is required');
    const notUrl = await call(g(base, '/me/media_publish'), { method: 'POST', token: IG.northwind.token, body: { creation_id: 'abc' } });
    expect(notUrl.json.error.message).toContain('creation_id');
    const other = await call(g(base, `/${IG.lumen.id}/media`), { token: IG.northwind.token });
    expect(other.json.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  test('should list media newest first and delete media', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const { published } = await publish(base, IG.northwind.token, 'second post');
    const list = await call(g(base, `/${IG.northwind.id}/media?fields=id,caption,permalink,timestamp&limit=5`), { token: IG.northwind.token });
    expect(list.json.data[0]).toMatchObject({ id: published.json.id, caption: 'second post' });
    expect(list.json.data).toHaveLength(2); // the seeded post and this one
    const del = await call(g(base, `/${published.json.id}`), { method: 'DELETE', token: IG.northwind.token });
    expect(del.json).toEqual({ success: true });
    const gone = await call(g(base, `/${published.json.id}?fields=id`), { token: IG.northwind.token });
    expect(gone.json.error).toMatchObject({ code: 100, error_subcode: 33 });
    const effects = await admin.effects({ kind: 'delete' });
    expect(effects).toEqual([expect.objectContaining({ object_id: published.json.id, payload_sha256: sha256(published.json.id), via: 'api' })]);
  });

  test('should report the content publishing limit', async ({ sandbox }) => {
    const base = sandbox.platforms.instagram;
    await publish(base, IG.northwind.token, 'one');
    const limit = await call(g(base, `/${IG.northwind.id}/content_publishing_limit?fields=quota_usage,config`), { token: IG.northwind.token });
    expect(limit.json).toEqual({ data: [{ quota_usage: 1, config: { quota_total: 100, quota_duration: 86400 } }] });
  });

  test.describe('with a quota of one', () => {
    test.use({ sandboxOptions: { containerDelayMs: 0, igPublishQuota: 1 } });
    test('should refuse to publish past the quota', async ({ sandbox, admin }) => {
      const base = sandbox.platforms.instagram;
      await publish(base, IG.northwind.token, 'one');
      const { published } = await publish(base, IG.northwind.token, 'two');
      expect(published.json.error).toMatchObject({ code: 9, error_subcode: 2207042 });
      expect(await admin.effects({ kind: 'publish' })).toHaveLength(1);
    });
  });

  test('should send DMs inside the 24 h window only and log dm_send', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const body = { recipient: { id: IG.marco.id }, message: { text: 'Thanks for writing!' } };
    const outside = await call(g(base, `/${IG.northwind.id}/messages`), { method: 'POST', token: IG.northwind.token, body });
    expect(outside.json.error).toMatchObject({ code: 10, error_subcode: 2534022 });
    await admin.dm(IG.marco.handle, IG.northwind.handle, 'Hello?');
    const sent = await call(g(base, `/${IG.northwind.id}/messages`), { method: 'POST', token: IG.northwind.token, body });
    expect(sent.json).toMatchObject({ recipient_id: IG.marco.id });
    expect(sent.json.message_id).toBeTruthy();
    expect(await admin.effects({ kind: 'dm_send' })).toEqual([
      expect.objectContaining({ object_id: sent.json.message_id, target_id: IG.marco.id, payload_sha256: sha256('Thanks for writing!'), via: 'api' }),
    ]);
  });

  test('should comment on own media and reply to comments', async ({ sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const seeded = (await call(g(base, '/me/media'), { token: IG.northwind.token })).json.data[0].id;
    const comments = await call(g(base, `/${seeded}/comments`), { token: IG.northwind.token });
    expect(comments.json.data[0]).toMatchObject({ text: 'Love this! Do you ship?', username: IG.ana.handle });
    const reply = await call(g(base, `/${comments.json.data[0].id}/replies`), { method: 'POST', token: IG.northwind.token, body: { message: 'We do!' } });
    const comment = await call(g(base, `/${seeded}/comments`), { method: 'POST', token: IG.northwind.token, form: { message: 'Thanks all' } });
    expect(reply.json.id).toBeTruthy();
    expect(comment.json.id).toBeTruthy();
    expect((await admin.effects()).map((e) => [e.kind, e.object_id])).toEqual([
      ['reply', reply.json.id],
      ['comment', comment.json.id],
    ]);
  });
});
