import { randomUUID } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { test, expect } from '@playwright/test';
import { ApiResponseError, TwitterApi, type TweetV2 } from 'twitter-api-v2';
import { startSandbox, SEED_ACCOUNTS, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';

const X = SEED_ACCOUNTS.filter((a) => a.platform === 'x');
const northwind = X.find((a) => a.handle === 'northwindbakery')!;
const lumen = X.find((a) => a.handle === 'lumenstudio')!;
const ana = X.find((a) => a.handle === 'ana_reads')!;

/**
 * twitter-api-v2 — a client library written by others, HTTPS-only — drives the sandbox with only
 * its API prefix changed and the sandbox's CA added to the roots it trusts (issue 9).
 */
async function library(options: Omit<SandboxOptions, 'tls'> = {}): Promise<{ sandbox: Sandbox; client(token: string): TwitterApi; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'raize-xlib-'));
  const sandbox = await startSandbox({ ...options, tls: { dir } });
  const agent = new Agent({ ca: [...rootCertificates, await readFile(sandbox.ca!, 'utf8')], keepAlive: false });
  return {
    sandbox,
    client(token) {
      const api = new TwitterApi(token, { httpAgent: agent });
      // The one change: the API prefix (protected in the typings; the library's own way to retarget a client).
      (api.v2 as unknown as { setPrefix(prefix: string): void }).setPrefix(`${sandbox.platforms.x}/2/`);
      return api;
    },
    async close() {
      agent.destroy();
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test.describe('the sandbox driven by twitter-api-v2', () => {
  test('should serve the typed methods: me, tweet, singleTweet with fields, reply, like, deleteTweet, sendDmToParticipant', async () => {
    const lib = await library();
    try {
      const v2 = lib.client(northwind.token).v2;
      const me = await v2.me({ 'user.fields': ['created_at', 'public_metrics'] });
      expect(me.data).toMatchObject({ id: northwind.id, username: northwind.handle, name: 'Northwind Bakery' });
      expect(me.data.public_metrics?.followers_count).toEqual(expect.any(Number));

      const text = `Rye loaves at 8 ${randomUUID().slice(0, 8)}`;
      const posted = await v2.tweet(text);
      expect(posted.data).toMatchObject({ id: expect.stringMatching(/^\d+$/), text });
      expect((posted.data as { edit_history_tweet_ids?: string[] }).edit_history_tweet_ids).toEqual([posted.data.id]);

      // Only the default fields unless asked; then every asked field.
      const plain = await v2.singleTweet(posted.data.id);
      expect(Object.keys(plain.data).sort()).toEqual(['edit_history_tweet_ids', 'id', 'text']);
      const rich = await v2.singleTweet(posted.data.id, { 'tweet.fields': ['created_at', 'conversation_id', 'author_id', 'public_metrics'] });
      expect(rich.data).toMatchObject({ author_id: northwind.id, conversation_id: posted.data.id, public_metrics: { like_count: 0 } });
      expect(Date.parse(rich.data.created_at!)).toBeGreaterThan(Date.now() - 60_000);

      // The same text again is refused as X refuses it.
      const duplicate = await v2.tweet(text).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(ApiResponseError);
      expect((duplicate as ApiResponseError).code).toBe(403);
      expect(JSON.stringify((duplicate as ApiResponseError).data)).toMatch(/duplicate content/i);

      // Another account with API access (business accounts hold user tokens) replies and likes.
      const lumen2 = lib.client(lumen.token).v2;
      const reply = await lumen2.reply(`Saving one for me ${randomUUID().slice(0, 8)}`, posted.data.id);
      const replied = await lumen2.singleTweet(reply.data.id, { 'tweet.fields': ['conversation_id', 'in_reply_to_user_id', 'referenced_tweets'] });
      expect(replied.data).toMatchObject({ conversation_id: posted.data.id, in_reply_to_user_id: northwind.id });
      expect(replied.data.referenced_tweets).toEqual([{ type: 'replied_to', id: posted.data.id }]);

      expect((await lumen2.like(lumen.id, posted.data.id)).data.liked).toBe(true);
      const dm = await v2.sendDmToParticipant(ana.id, { text: `Your loaf is ready ${randomUUID().slice(0, 8)}` });
      // X documents the answer inside `data` (the library's typing omits the wrapper).
      expect(dm as unknown).toMatchObject({ data: { dm_conversation_id: `${northwind.id}-${ana.id}`, dm_event_id: expect.stringMatching(/^\d+$/) } });

      expect((await v2.deleteTweet(posted.data.id)).data.deleted).toBe(true);
      const gone = await v2.singleTweet(posted.data.id).catch((e: unknown) => e);
      // X answers a deleted post with 200 and an `errors` array (Not Found Error), no `data`.
      if (gone instanceof ApiResponseError) expect(gone.code).toBe(404);
      else expect((gone as { errors?: { title?: string }[] }).errors?.[0]?.title).toMatch(/Not Found/);
    } finally {
      await lib.close();
    }
  });

  test('should page a user timeline with the library paginator: fetchNext and async iteration, newest first, no repeats', async () => {
    const lib = await library();
    try {
      const v2 = lib.client(northwind.token).v2;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await v2.tweet(`Batch ${i} ${randomUUID().slice(0, 8)}`)).data.id);
      const timeline = await v2.userTimeline(northwind.id, { max_results: 5, 'tweet.fields': ['created_at'] });
      expect(timeline.tweets).toHaveLength(5);
      expect(timeline.meta.next_token).toEqual(expect.any(String));
      await timeline.fetchNext();
      expect(timeline.tweets.length).toBeGreaterThan(5);

      const all: TweetV2[] = [];
      for await (const tweet of await v2.userTimeline(northwind.id, { max_results: 5 })) all.push(tweet);
      const seen = all.map((t) => t.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.slice(0, 7)).toEqual([...ids].reverse());

      // since_id: only what came after.
      const since = await v2.userTimeline(northwind.id, { max_results: 5, since_id: ids[4]! });
      expect(since.tweets.map((t) => t.id)).toEqual([ids[6], ids[5]]);
      // max_results outside 5–100 is refused.
      const bad = await v2.userTimeline(northwind.id, { max_results: 3 }).catch((e: unknown) => e);
      expect((bad as ApiResponseError).code).toBe(400);
    } finally {
      await lib.close();
    }
  });

  test('should give the library the rate-limit headers it parses: 15-minute window, 24-hour caps on posting, and a 429 it recognises', async () => {
    const lib = await library({ xRateLimit: 3 });
    try {
      const v2 = lib.client(northwind.token).v2;
      const first = await v2.get('users/me', undefined, { fullResponse: true });
      expect(first.rateLimit).toMatchObject({ limit: 3, remaining: 2, reset: expect.any(Number) });
      expect(first.rateLimit!.reset * 1000).toBeGreaterThan(Date.now());
      const posted = await v2.post('tweets', { text: `Cap check ${randomUUID().slice(0, 8)}` }, { fullResponse: true });
      expect(posted.rateLimit?.userDay).toMatchObject({ limit: expect.any(Number), remaining: expect.any(Number) });
      expect(posted.rateLimit?.day).toMatchObject({ limit: expect.any(Number), remaining: expect.any(Number) });

      await v2.me();
      await v2.me();
      const limited = await v2.me().catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(ApiResponseError);
      expect((limited as ApiResponseError).rateLimitError).toBe(true);
      expect((limited as ApiResponseError).rateLimit).toMatchObject({ remaining: 0 });
    } finally {
      await lib.close();
    }
  });
});
