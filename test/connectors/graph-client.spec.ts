import { AuthExpiredError, OutcomeUnknownError, PlatformRefusalError, TransientError } from '../../safety/index.js';
import { GraphClient, type ContainerStatus } from '../../connectors/index.js';
import { Secret } from '../../store/index.js';
import { test, expect, IG, eventually } from '../sandbox/fixtures.js';

// Issue 9: the Instagram Graph connector reads Meta's answers as Meta documents them, and each
// answer maps onto the kernel's error classes so that nothing is retried blind after a write.
const token = new Secret(IG.northwind.token);
const image = 'https://cdn.example.com/loaf.jpg';

async function ready(g: GraphClient, id: string): Promise<ContainerStatus> {
  return (await eventually(async () => (await g.containerStatus(token, id)).data!.status_code, (s) => s !== 'IN_PROGRESS', 10_000));
}

test.describe('Instagram Graph client against the sandbox', () => {
  let g: GraphClient;
  test.beforeEach(({ sandbox }) => {
    g = new GraphClient({ baseUrl: sandbox.platforms.instagram });
  });
  test.afterEach(async () => {
    await g.close();
  });

  test('should publish a container (create → FINISHED → media_publish → permalink) with Meta\'s trace id on every answer', async ({ admin }) => {
    const me = g.raise(await g.me(token), false);
    expect(me.username).toBe(IG.northwind.handle);
    const created = await g.createContainer(token, me.id, { image_url: image, caption: 'Fresh rye' });
    expect(created.traceId).toBeTruthy();
    expect(await ready(g, created.data!.id)).toBe('FINISHED');
    const published = g.raise(await g.publish(token, me.id, created.data!.id), true);
    const media = g.raise(await g.media(token, published.id), false);
    expect(media.permalink).toMatch(/^https?:\/\/.+\/p\/[A-Za-z0-9_-]+\/?$/);
    expect((await g.containerStatus(token, created.data!.id)).data!.status_code).toBe('PUBLISHED');
    // A second media_publish of the same container: Meta refuses it, and the connector reads
    // that as "the post exists", never as a failure to retry.
    const again = await g.publish(token, me.id, created.data!.id);
    expect(again.error?.kind).toBe('already_published');
    expect(() => g.raise(again, true)).toThrow(OutcomeUnknownError);
    await admin.quiesce();
    expect(await admin.effects({ platform: 'instagram' })).toHaveLength(1);
  });

  test.describe('slow processing', () => {
    test.use({ sandboxOptions: { containerDelayMs: 5000 } });
    test('should read "not ready" (9007/2207027) as a refusal: nothing published', async ({ admin }) => {
      const me = g.raise(await g.me(token), false);
      const created = g.raise(await g.createContainer(token, me.id, { image_url: image, caption: 'Too early' }), false);
      const early = await g.publish(token, me.id, created.id);
      expect(early.error?.kind).toBe('not_ready');
      expect(() => g.raise(early, true)).toThrow(PlatformRefusalError);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'instagram' })).toHaveLength(0);
    });
  });

  test('should hold on a user request limit until the regain time Meta gives (no Retry-After), nothing sent through', async ({ admin }) => {
    await admin.fault({ kind: 'rate_limit', platform: 'instagram', lane: 'api', graph_code: 17, retry_after_s: 150 });
    const limited = await g.me(token);
    expect(limited.status).toBe(400);
    expect(limited.res.headers['retry-after']).toBeUndefined();
    expect(limited.error?.kind).toBe('rate_limit');
    const error = (() => {
      try {
        g.raise(limited, false);
      } catch (e) {
        return e;
      }
    })() as TransientError;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.sent).toBe(false);
    expect(error.retryAfterMs).toBe(3 * 60_000);
  });

  test('should read an expired token as reconnect-required', async ({ admin }) => {
    await admin.fault({ kind: 'token_expired', platform: 'instagram', lane: 'api' });
    const answer = await g.me(token);
    expect(answer.error?.kind).toBe('auth');
    expect(() => g.raise(answer, false)).toThrow(AuthExpiredError);
  });

  test('should read an error after the publish landed as an unknown outcome that stops the account, never a failure', async ({ admin }) => {
    const me = g.raise(await g.me(token), false);
    const created = g.raise(await g.createContainer(token, me.id, { image_url: image, caption: 'Landed anyway' }), false);
    await ready(g, created.id);
    await admin.fault({ kind: 'error_after_commit', platform: 'instagram', lane: 'api', action: 'publish' });
    const answer = await g.publish(token, me.id, created.id);
    expect(answer.error).toBeTruthy();
    const error = (() => {
      try {
        g.raise(answer, true);
      } catch (e) {
        return e;
      }
    })() as OutcomeUnknownError;
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.degrade).toBe('read_only');
    // The read-only evidence the kernel's verification will use: the container is PUBLISHED.
    expect((await g.containerStatus(token, created.id)).data!.status_code).toBe('PUBLISHED');
    await admin.quiesce();
    expect(await admin.effects({ platform: 'instagram' })).toHaveLength(1);
  });

  test('should read a server error on the publish as unknown (a phantom failure looks the same), and a lost answer too', async ({ admin }) => {
    const me = g.raise(await g.me(token), false);
    const first = g.raise(await g.createContainer(token, me.id, { image_url: image, caption: 'Server error' }), false);
    await ready(g, first.id);
    await admin.fault({ kind: '5xx_before_commit', platform: 'instagram', lane: 'api', action: 'publish' });
    const answer = await g.publish(token, me.id, first.id);
    expect(answer.error?.kind).toBe('transient');
    expect(() => g.raise(answer, true)).toThrow(OutcomeUnknownError);
    // Nothing landed, and the container says so precisely: FINISHED, not PUBLISHED.
    expect((await g.containerStatus(token, first.id)).data!.status_code).toBe('FINISHED');

    const second = g.raise(await g.createContainer(token, me.id, { image_url: image, caption: 'Lost answer' }), false);
    await ready(g, second.id);
    await admin.fault({ kind: 'ack_lost', platform: 'instagram', lane: 'api', action: 'publish' });
    await expect(g.publish(token, me.id, second.id)).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect((await g.containerStatus(token, second.id)).data!.status_code).toBe('PUBLISHED');
    await admin.quiesce();
    expect(await admin.effects({ platform: 'instagram' })).toHaveLength(1);
  });

  test('should page the account\'s recent media with Meta\'s cursors', async () => {
    const me = g.raise(await g.me(token), false);
    // The seeded account has one post; two more make three: two on the first page, a cursor to the third.
    for (const caption of ['Second', 'Third']) {
      const c = g.raise(await g.createContainer(token, me.id, { image_url: image, caption }), false);
      await ready(g, c.id);
      g.raise(await g.publish(token, me.id, c.id), true);
    }
    const first = g.raise(await g.recentMedia(token, me.id, { limit: 2 }), false);
    expect(first.data).toHaveLength(2);
    expect(first.paging?.next).toBeTruthy();
    const next = g.raise(await g.recentMedia(token, me.id, { limit: 2, after: first.paging!.cursors!.after! }), false);
    expect(next.data).toHaveLength(1);
    expect(first.data.map((m) => m.id)).not.toContain(next.data[0]!.id);
  });
});
