import { X_APP_BEARER_TOKEN } from '../../sandbox/x/api-limits.js';
import { test, expect, call, X } from './fixtures.js';
import { avatarPath } from '../../sandbox/index.js';

/** Seeded: northwind's post and ana's reply to it (sandbox/seed.ts). */
const POST = '1860000000000000001';
const REPLY = '1860000000000000101';

test.describe('sandbox X API v2 fields and expansions', () => {
  test('should answer only the default fields unless fields are asked', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const tweet = await call(`${base}/2/tweets/${POST}`, { token: X.northwind.token });
    expect(tweet.json).toEqual({ data: { id: POST, text: 'Our rye loaf is back on the shelves today.', edit_history_tweet_ids: [POST] } });
    const user = await call(`${base}/2/users/${X.ana.id}`, { token: X.northwind.token });
    expect(user.json).toEqual({ data: { id: X.ana.id, name: 'Ana Ribeiro', username: X.ana.handle } });
    const me = await call(`${base}/2/users/me`, { token: X.northwind.token });
    expect(Object.keys(me.json.data).sort()).toEqual(['id', 'name', 'username']);
    const created = await call(`${base}/2/tweets`, { method: 'POST', token: X.northwind.token, body: { text: 'Defaults only' } });
    expect(Object.keys(created.json.data).sort()).toEqual(['edit_history_tweet_ids', 'id', 'text']);
    const timeline = await call(`${base}/2/users/${X.northwind.id}/tweets`, { token: X.northwind.token });
    for (const t of timeline.json.data) expect(Object.keys(t).sort()).toEqual(['edit_history_tweet_ids', 'id', 'text']);
  });

  test('should answer every requested post field', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const fields = 'created_at,author_id,conversation_id,public_metrics,in_reply_to_user_id,referenced_tweets,lang,possibly_sensitive,reply_settings,edit_controls,display_text_range';
    const reply = await call(`${base}/2/tweets/${REPLY}?tweet.fields=${fields}`, { token: X.northwind.token });
    expect(reply.json.data).toEqual({
      id: REPLY,
      text: 'Can’t wait!',
      edit_history_tweet_ids: [REPLY],
      created_at: '2025-01-06T09:03:00.000Z',
      author_id: X.ana.id,
      conversation_id: POST,
      in_reply_to_user_id: X.northwind.id,
      referenced_tweets: [{ type: 'replied_to', id: POST }],
      lang: 'en',
      possibly_sensitive: false,
      reply_settings: 'everyone',
      edit_controls: { edits_remaining: 5, is_edit_eligible: true, editable_until: '2025-01-06T10:03:00.000Z' },
      display_text_range: [0, 11],
      public_metrics: { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, bookmark_count: 0, impression_count: 0 },
    });
    const root = await call(`${base}/2/tweets/${POST}?tweet.fields=public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets`, { token: X.northwind.token });
    // A post that replies to nothing carries no in_reply_to_user_id or referenced_tweets, as on X.
    expect(root.json.data).toEqual({
      id: POST,
      text: 'Our rye loaf is back on the shelves today.',
      edit_history_tweet_ids: [POST],
      conversation_id: POST,
      public_metrics: { retweet_count: 0, reply_count: 1, like_count: 1, quote_count: 0, bookmark_count: 0, impression_count: 0 },
    });
  });

  test('should show private metrics only to the author', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const own = await call(`${base}/2/tweets/${POST}?tweet.fields=non_public_metrics,organic_metrics`, { token: X.northwind.token });
    expect(own.json.data).toMatchObject({ non_public_metrics: { impression_count: 0 }, organic_metrics: { like_count: 1, reply_count: 1 } });
    const other = await call(`${base}/2/tweets/${POST}?tweet.fields=non_public_metrics`, { token: X.lumen.token });
    expect(other.json.data.non_public_metrics).toBeUndefined();
  });

  test('should answer every requested user field', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const fields = 'created_at,description,public_metrics,profile_image_url,verified,protected,url,most_recent_tweet_id';
    const me = await call(`${base}/2/users/me?user.fields=${fields}`, { token: X.northwind.token });
    expect(me.json.data).toEqual({
      id: X.northwind.id,
      name: 'Northwind Bakery',
      username: X.northwind.handle,
      created_at: '2025-01-06T09:00:00.000Z',
      description: 'Sourdough & pastries, baked daily.',
      profile_image_url: `${base}${avatarPath('x', X.northwind.id)}`,
      verified: false,
      protected: false,
      url: '',
      most_recent_tweet_id: POST,
      public_metrics: { followers_count: 1, following_count: 0, tweet_count: 1, listed_count: 0, like_count: 0, media_count: 0 },
    });
    const byName = await call(`${base}/2/users/by/username/ANA_READS?user.fields=description`, { token: X.northwind.token });
    expect(byName.json.data).toEqual({ id: X.ana.id, name: 'Ana Ribeiro', username: X.ana.handle, description: 'Books and coffee.' });
  });

  test('should expand authors, replied-to users and referenced posts into includes', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const url = `${base}/2/tweets/${REPLY}?expansions=author_id,in_reply_to_user_id,referenced_tweets.id&user.fields=description&tweet.fields=author_id`;
    const res = await call(url, { token: X.northwind.token });
    expect(res.json.data).toEqual({ id: REPLY, text: 'Can’t wait!', edit_history_tweet_ids: [REPLY], author_id: X.ana.id });
    expect(res.json.includes).toEqual({
      users: [
        { id: X.ana.id, name: 'Ana Ribeiro', username: X.ana.handle, description: 'Books and coffee.' },
        { id: X.northwind.id, name: 'Northwind Bakery', username: X.northwind.handle, description: 'Sourdough & pastries, baked daily.' },
      ],
      tweets: [{ id: POST, text: 'Our rye loaf is back on the shelves today.', edit_history_tweet_ids: [POST], author_id: X.northwind.id }],
    });
    // The referenced post is gone: the reply still comes, with a partial error for the expansion.
    await call(`${base}/2/tweets/${POST}`, { method: 'DELETE', token: X.northwind.token });
    const orphan = await call(`${base}/2/tweets/${REPLY}?expansions=referenced_tweets.id`, { token: X.northwind.token });
    expect(orphan.json.data.id).toBe(REPLY);
    expect(orphan.json.includes).toBeUndefined();
    expect(orphan.json.errors).toEqual([expect.objectContaining({ parameter: 'referenced_tweets.id', resource_id: POST, title: 'Not Found Error' })]);
    const timeline = await call(`${base}/2/users/${X.ana.id}/tweets?expansions=author_id`, { token: X.northwind.token });
    expect(timeline.json.includes.users).toEqual([{ id: X.ana.id, name: 'Ana Ribeiro', username: X.ana.handle }]);
    const recent = await call(`${base}/2/users/${X.ana.id}?expansions=most_recent_tweet_id`, { token: X.northwind.token });
    expect(recent.json.includes.tweets).toEqual([{ id: REPLY, text: 'Can’t wait!', edit_history_tweet_ids: [REPLY] }]);
  });

  test('should refuse unknown field and expansion names with X’s invalid-request body naming the parameter', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const res = await call(`${base}/2/tweets/${POST}?tweet.fields=created_at,likes&expansions=author`, { token: X.northwind.token });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request' });
    expect(res.json.errors).toEqual([
      { parameters: { 'tweet.fields': ['created_at,likes'] }, message: expect.stringMatching(/^The `tweet.fields` query parameter value \[likes\] is not one of \[article,attachments,author_id,.*\]$/) },
      { parameters: { expansions: ['author'] }, message: expect.stringMatching(/^The `expansions` query parameter value \[author\] is not one of \[/) },
    ]);
    const user = await call(`${base}/2/users/me?user.fields=followers`, { token: X.northwind.token });
    expect(user.status).toBe(400);
    expect(Object.keys(user.json.errors[0].parameters)).toEqual(['user.fields']);
    const id = await call(`${base}/2/tweets/abc`, { token: X.northwind.token });
    expect(id.json.errors[0]).toEqual({ parameters: { id: ['abc'] }, message: 'The `id` query parameter value [abc] does not match ^[0-9]{1,19}$' });
  });

  test('should answer DM events with id, event_type and text unless dm_event.fields ask', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const plain = await call(`${base}/2/dm_conversations/with/${X.ana.id}/dm_events`, { token: X.northwind.token });
    expect(plain.json.data).toEqual([{ id: '1870000000000000001', event_type: 'MessageCreate', text: 'Do you take custom cake orders?' }]);
    const full = await call(`${base}/2/dm_conversations/with/${X.ana.id}/dm_events?dm_event.fields=created_at,sender_id,dm_conversation_id&expansions=sender_id`, { token: X.northwind.token });
    expect(full.json.data[0]).toEqual({
      id: '1870000000000000001',
      event_type: 'MessageCreate',
      text: 'Do you take custom cake orders?',
      created_at: '2025-01-06T09:30:00.000Z',
      sender_id: X.ana.id,
      dm_conversation_id: `${X.northwind.id}-${X.ana.id}`,
    });
    expect(full.json.includes.users).toEqual([{ id: X.ana.id, name: 'Ana Ribeiro', username: X.ana.handle }]);
  });

  test('should serve read endpoints to the app-only Bearer token and refuse it on user-context ones', async ({ sandbox }) => {
    const base = sandbox.platforms.x;
    const read = await call(`${base}/2/tweets/${POST}?tweet.fields=author_id`, { token: X_APP_BEARER_TOKEN });
    expect(read.json.data).toMatchObject({ id: POST, author_id: X.northwind.id });
    const me = await call(`${base}/2/users/me`, { token: X_APP_BEARER_TOKEN });
    expect(me.status).toBe(403);
    expect(me.json).toEqual({
      title: 'Unsupported Authentication',
      detail: 'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
      type: 'https://api.twitter.com/2/problems/unsupported-authentication',
      status: 403,
    });
    expect((await call(`${base}/2/tweets`, { method: 'POST', token: X_APP_BEARER_TOKEN, body: { text: 'as the app' } })).status).toBe(403);
  });
});
