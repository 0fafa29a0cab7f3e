import { AuthExpiredError, OutcomeUnknownError, PlatformRefusalError, TransientError } from '../../safety/index.js';
import { XClient, XLimitBook, xKindOf, type XAnswer } from '../../connectors/index.js';
import { Secret } from '../../store/index.js';
import { test, expect, X } from '../sandbox/fixtures.js';

// Issue 9: the X v2 connector reads X's answers as X documents them, and each failure maps onto
// the kernel's error classes, so that nothing is retried blind after a write.
const token = new Secret(X.northwind.token);
const SEEDED = '1860000000000000001';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

test.describe('X v2 client against the sandbox', () => {
  let x: XClient;
  test.beforeEach(({ sandbox }) => {
    x = new XClient({ baseUrl: sandbox.platforms.x });
  });
  test.afterEach(async () => {
    await x.close();
  });

  test('should post, read by id, page the timeline and delete, with an x-transaction-id on every answer', async ({ admin }) => {
    const me = x.raise(await x.me(token), { write: false }).data;
    expect(me).toMatchObject({ id: X.northwind.id, username: X.northwind.handle });
    const created = await x.createPost(token, 'Rye at 7 & more at https://example.com/menu');
    expect(created.status).toBe(201);
    expect(created.requestId).toMatch(/^[0-9a-f]{16}$/);
    const post = x.raise(created, { write: true }).data;
    const read = x.raise(await x.post(token, post.id), { write: false }).data;
    expect(read).toMatchObject({ id: post.id, author_id: X.northwind.id, conversation_id: post.id });
    expect(read.created_at).toBeTruthy();
    expect(read.public_metrics?.like_count).toBe(0);
    // X answers URLs as t.co links; entities keep the original for reconciliation.
    expect(read.entities?.urls?.[0]?.expanded_url).toBe('https://example.com/menu');

    const reply = x.raise(await x.createPost(token, 'Thanks!', { reply: { in_reply_to_tweet_id: SEEDED } }), { write: true }).data;
    const replyRead = x.raise(await x.post(token, reply.id), { write: false }).data;
    expect(replyRead.referenced_tweets).toEqual([{ type: 'replied_to', id: SEEDED }]);

    for (const n of [1, 2, 3, 4, 5]) x.raise(await x.createPost(token, `batch ${n}`), { write: true });
    const first = x.raise(await x.recentPosts(token, me.id, { max_results: 5 }), { write: false });
    expect(first.data).toHaveLength(5);
    expect(first.meta?.next_token).toBeTruthy();
    const next = x.raise(await x.recentPosts(token, me.id, { max_results: 5, pagination_token: first.meta!.next_token! }), { write: false });
    expect(next.data!.map((p) => p.id)).toEqual(expect.arrayContaining([post.id, reply.id]));
    const since = x.raise(await x.recentPosts(token, me.id, { since_id: first.data![1]!.id }), { write: false });
    expect(since.data!.map((p) => p.id)).toEqual([first.data![0]!.id]);

    expect(x.raise(await x.deletePost(token, post.id), { write: true }).data.deleted).toBe(true);
    const gone = await x.post(token, post.id);
    expect(gone.status).toBe(200);
    expect(gone.notFound).toBe(true);
    await admin.quiesce();
    expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(6);
    expect(await admin.effects({ platform: 'x', kind: 'delete' })).toHaveLength(1);
  });

  test('should read a like in the likes list and a DM among the conversation events', async ({ admin }) => {
    const target = '1860000000000000002';
    expect(x.raise(await x.like(token, X.northwind.id, target), { write: true }).data.liked).toBe(true);
    const liked = x.raise(await x.likedPosts(token, X.northwind.id), { write: false });
    expect(liked.data?.[0]?.id).toBe(target);
    const sent = await x.sendDm(token, X.ana.id, 'Your order is ready');
    expect(sent.status).toBe(201);
    const event = x.raise(sent, { write: true }).data.dm_event_id;
    const events = x.raise(await x.dmEvents(token, X.ana.id), { write: false });
    expect(events.data?.[0]).toMatchObject({ id: event, sender_id: X.northwind.id, text: 'Your order is ready', event_type: 'MessageCreate' });
    await admin.quiesce();
    expect(await admin.effects({ platform: 'x', kind: 'like' })).toHaveLength(1);
    expect(await admin.effects({ platform: 'x', kind: 'dm_send' })).toHaveLength(1);
  });

  test('should read duplicate content (403) as a refusal, but as an unknown outcome after an ambiguous attempt', async ({ admin }) => {
    x.raise(await x.createPost(token, 'Sourdough Saturday'), { write: true });
    const again = await x.createPost(token, 'Sourdough Saturday');
    expect(again.status).toBe(403);
    expect(again.error?.kind).toBe('duplicate');
    const refused = thrown(() => x.raise(again, { write: true })) as PlatformRefusalError;
    expect(refused).toBeInstanceOf(PlatformRefusalError);
    expect(refused.platformCode).toBe('duplicate');
    // After an attempt whose answer was lost, the duplicate may be that attempt's own post.
    expect(thrown(() => x.raise(again, { write: true, afterAmbiguous: true }))).toBeInstanceOf(OutcomeUnknownError);
    await admin.quiesce();
    expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
  });

  test.describe('with a 24-hour posting cap of one post', () => {
    test.use({ sandboxOptions: { xPostCaps24h: { user: 1 } } });
    test('should read a 429 with both header families and wait for the 24-hour reset, not the window\'s', async ({ admin }) => {
      const first = await x.createPost(token, 'The one post of the day');
      expect(first.limits.window).toMatchObject({ limit: 100, remaining: 99 });
      expect(first.limits.user24h).toMatchObject({ limit: 1, remaining: 0 });
      expect(first.limits.app24h).toMatchObject({ limit: 10_000, remaining: 9_999 });
      const book = new XLimitBook();
      book.observe('northwind', 'POST /2/tweets', first.limits);
      expect(book.spent('northwind', ['POST /2/tweets'])).toMatchObject({ scope: 'user 24 h', limit: 1 });
      expect(book.spent('lumen', ['POST /2/tweets'])).toBeNull();

      const limited = await x.createPost(token, 'One too many');
      expect(limited.status).toBe(429);
      expect(limited.res.headers['retry-after']).toBeUndefined();
      expect(limited.error?.kind).toBe('rate_limit');
      const error = thrown(() => x.raise(limited, { write: true })) as TransientError;
      expect(error).toBeInstanceOf(TransientError);
      expect(error.sent).toBe(false);
      expect(error.httpStatus).toBe(429);
      expect(error.retryAfterMs!).toBeGreaterThan(86_000_000);
      await admin.quiesce();
      expect(await admin.effects({ platform: 'x', kind: 'publish' })).toHaveLength(1);
    });
  });

  test('should read a 15-minute window used up (429) as a hold until x-rate-limit-reset', async ({ admin }) => {
    await admin.fault({ kind: 'rate_limit', platform: 'x', lane: 'api', action: 'publish', retry_after_s: 120 });
    const limited = await x.createPost(token, 'Too soon');
    expect(limited.status).toBe(429);
    expect(limited.limits.window?.remaining).toBe(0);
    expect(limited.limits.user24h?.remaining).toBeGreaterThan(0);
    const error = thrown(() => x.raise(limited, { write: true })) as TransientError;
    expect(error.sent).toBe(false);
    expect(error.retryAfterMs!).toBeGreaterThan(115_000);
    expect(error.retryAfterMs!).toBeLessThanOrEqual(121_000);
  });

  test('should read an expired token (401) as reconnect-required', async ({ admin }) => {
    await admin.fault({ kind: 'token_expired', platform: 'x', lane: 'api' });
    const answer = await x.me(token);
    expect(answer.status).toBe(401);
    expect(answer.error?.kind).toBe('auth');
    expect(thrown(() => x.raise(answer, { write: false }))).toBeInstanceOf(AuthExpiredError);
    // A token of the wrong kind (app-only) on a user-context endpoint: reconnect too.
    const app = await x.me(new Secret('XSBX-app-only-bearer-token'));
    expect(app.error?.kind).toBe('auth');
  });

  test('should read a server error or a lost answer after a write as unknown, and a server error on a read as transient', async ({ admin }) => {
    await admin.fault({ kind: '5xx_before_commit', platform: 'x', lane: 'api', action: 'publish' });
    const failed: XAnswer<unknown> = await x.createPost(token, 'Server error');
    expect(failed.status).toBe(503);
    expect(failed.error?.kind).toBe('unknown_after_send');
    expect(thrown(() => x.raise(failed, { write: true }))).toBeInstanceOf(OutcomeUnknownError);
    expect(xKindOf(503, {}, { write: false })).toBe('transient');

    await admin.fault({ kind: 'error_after_commit', platform: 'x', lane: 'api', action: 'publish' });
    const after = await x.createPost(token, 'Landed anyway');
    expect(after.status).toBe(500);
    expect(thrown(() => x.raise(after, { write: true }))).toBeInstanceOf(OutcomeUnknownError);

    await admin.fault({ kind: 'ack_lost', platform: 'x', lane: 'api', action: 'publish' });
    await expect(x.createPost(token, 'Lost answer')).rejects.toBeInstanceOf(OutcomeUnknownError);
    await admin.quiesce();
    const effects = await admin.effects({ platform: 'x', kind: 'publish' });
    expect(effects.map((e) => e.text).sort()).toEqual(['Landed anyway', 'Lost answer']);
  });
});
