import { avatarPath } from '../avatars.js';
import type { Request } from 'express';
import type { SandboxState } from '../state.js';
import type { Account, Message, Post } from '../types.js';
import type { World } from '../world.js';
import { notFoundError, type ParamError } from './api-errors.js';
import { detectLang, renderText } from './api-text.js';

/**
 * Fields and expansions of X API v2 (docs.x.com/x-api/fundamentals/fields, .../expansions): an
 * object carries only its default fields — a post `id`, `text`, `edit_history_tweet_ids`; a user
 * `id`, `name`, `username`; a DM event `id`, `event_type`, `text` — unless `tweet.fields`,
 * `user.fields` or `dm_event.fields` ask for more; expanded objects come in `includes`. The value
 * lists are the enums of the API reference (e.g. GET /2/tweets/{id}, GET /2/dm_conversations/with/
 * {participant_id}/dm_events); a name outside them is a 400 naming the parameter.
 */
export const FIELD_LISTS = {
  'tweet.fields': ['article', 'attachments', 'author_id', 'card_uri', 'community_id', 'context_annotations', 'conversation_id', 'created_at', 'display_text_range', 'edit_controls', 'edit_history_tweet_ids', 'entities', 'geo', 'id', 'in_reply_to_user_id', 'lang', 'media_metadata', 'non_public_metrics', 'note_tweet', 'organic_metrics', 'possibly_sensitive', 'promoted_metrics', 'public_metrics', 'referenced_tweets', 'reply_settings', 'scopes', 'source', 'text', 'withheld'],
  'user.fields': ['affiliation', 'confirmed_email', 'connection_status', 'created_at', 'description', 'entities', 'id', 'is_identity_verified', 'location', 'most_recent_tweet_id', 'name', 'parody', 'pinned_tweet_id', 'profile_banner_url', 'profile_image_url', 'protected', 'public_metrics', 'receives_your_dm', 'subscription', 'subscription_type', 'url', 'username', 'verified', 'verified_followers_count', 'verified_type', 'withheld'],
  'dm_event.fields': ['attachments', 'created_at', 'dm_conversation_id', 'entities', 'event_type', 'id', 'participant_ids', 'referenced_tweets', 'sender_id', 'text'],
  'media.fields': ['alt_text', 'duration_ms', 'height', 'media_key', 'non_public_metrics', 'organic_metrics', 'preview_image_url', 'promoted_metrics', 'public_metrics', 'type', 'url', 'variants', 'width'],
  'place.fields': ['contained_within', 'country', 'country_code', 'full_name', 'geo', 'id', 'name', 'place_type'],
  'poll.fields': ['duration_minutes', 'end_datetime', 'id', 'options', 'voting_status'],
} as const;

export const EXPANSIONS = {
  tweet: ['article.cover_media', 'article.media_entities', 'attachments.media_keys', 'attachments.media_source_tweet', 'attachments.poll_ids', 'author_id', 'edit_history_tweet_ids', 'entities.mentions.username', 'entities.note.mentions.username', 'geo.place_id', 'in_reply_to_user_id', 'referenced_tweets.id', 'referenced_tweets.id.attachments.media_keys', 'referenced_tweets.id.author_id'],
  user: ['affiliation.user_id', 'most_recent_tweet_id', 'pinned_tweet_id'],
  dm: ['attachments.media_keys', 'participant_ids', 'referenced_tweets.id', 'sender_id'],
} as const;

/** The parameters each kind of endpoint takes, besides `expansions`. */
const PARAMS: Record<keyof typeof EXPANSIONS, (keyof typeof FIELD_LISTS)[]> = {
  tweet: ['tweet.fields', 'user.fields', 'media.fields', 'place.fields', 'poll.fields'],
  user: ['user.fields', 'tweet.fields'],
  dm: ['dm_event.fields', 'user.fields', 'tweet.fields', 'media.fields'],
};

export interface Shape {
  tweet: Set<string>;
  user: Set<string>;
  dm: Set<string>;
  expansions: Set<string>;
}

const raw = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : undefined);

/** One comma-separated list parameter checked against its values: X's message names the first unknown one. */
function list(query: Request['query'], name: string, allowed: readonly string[], errors: ParamError[]): Set<string> {
  const value = raw(query[name]);
  const names = (value ?? '').split(',').filter(Boolean);
  const bad = names.find((n) => !allowed.includes(n));
  if (bad !== undefined) errors.push({ parameter: name, value, message: `The \`${name}\` query parameter value [${bad}] is not one of [${allowed.join(',')}]` });
  return new Set(names);
}

/** Reads `*.fields` and `expansions` for an endpoint returning posts, users or DM events. */
export function readShape(query: Request['query'], kind: keyof typeof EXPANSIONS): { shape: Shape; errors: ParamError[] } {
  const errors: ParamError[] = [];
  const got = Object.fromEntries(PARAMS[kind].map((p) => [p, list(query, p, FIELD_LISTS[p], errors)])) as Partial<Record<keyof typeof FIELD_LISTS, Set<string>>>;
  const expansions = list(query, 'expansions', EXPANSIONS[kind], errors);
  return { shape: { tweet: got['tweet.fields'] ?? new Set(), user: got['user.fields'] ?? new Set(), dm: got['dm_event.fields'] ?? new Set(), expansions }, errors };
}

/** Every sandbox account was created at the seed time (the Account record keeps no date). */
const ACCOUNT_CREATED_AT = '2025-01-06T09:00:00.000Z';

type Json = Record<string, unknown>;

/** Renders world objects as X API v2 objects, with the fields asked for. */
export class XObjects {
  constructor(private readonly world: World, private readonly state: SandboxState) {}

  private accountId = (username: string) => this.state.data.accounts.find((a) => a.platform === 'x' && a.handle.toLowerCase() === username.toLowerCase())?.id;

  private parent(p: Post): Post | undefined {
    return p.reply_to ? this.world.post('x', p.reply_to, true) : undefined;
  }

  /** conversation_id: the id of the post that started the reply chain. */
  private conversationId(p: Post): string {
    let root = p;
    for (let up = this.parent(root); up; up = this.parent(up)) root = up;
    return root.reply_to ?? root.id;
  }

  /** A post; `viewer` (the authenticated user) sees its own non-public metrics. */
  tweet(p: Post, fields: Set<string>, viewer?: string): Json {
    const rendered = renderText(p.id, p.text, this.accountId);
    const likes = this.world.likeCount(p.id);
    const replies = this.world.repliesOf(p.id).length;
    const own = viewer === p.account_id;
    const all: Json = {
      author_id: p.account_id,
      created_at: p.created_at,
      conversation_id: this.conversationId(p),
      ...(p.reply_to ? { in_reply_to_user_id: this.parent(p)?.account_id, referenced_tweets: [{ type: 'replied_to', id: p.reply_to }] } : {}),
      lang: detectLang(p.text),
      possibly_sensitive: false,
      reply_settings: 'everyone',
      // Posts are editable for an hour, five times (help.x.com "How to edit a post").
      edit_controls: { edits_remaining: 5, is_edit_eligible: true, editable_until: new Date(Date.parse(p.created_at) + 3_600_000).toISOString() },
      display_text_range: [0, [...rendered.text].length],
      public_metrics: { retweet_count: 0, reply_count: replies, like_count: likes, quote_count: 0, bookmark_count: 0, impression_count: 0 },
      ...(rendered.entities ? { entities: rendered.entities } : {}),
      // Private metrics exist only for the author's own posts with user-context auth.
      ...(own ? { non_public_metrics: { impression_count: 0 }, organic_metrics: { impression_count: 0, like_count: likes, reply_count: replies, retweet_count: 0 } } : {}),
    };
    return { id: p.id, text: rendered.text, edit_history_tweet_ids: [p.id], ...pick(all, fields) };
  }

  user(a: Account, fields: Set<string>): Json {
    const posts = this.world.postsOf(a, 100_000, 'api_list', true);
    const all: Json = {
      created_at: ACCOUNT_CREATED_AT,
      description: a.bio,
      profile_image_url: `${this.world.urls.x}${avatarPath('x', a.id)}`,
      protected: false,
      url: '',
      verified: false,
      verified_type: 'none',
      ...(posts[0] ? { most_recent_tweet_id: posts[0].id } : {}),
      public_metrics: {
        followers_count: this.world.followerCount(a),
        following_count: this.world.followingCount(a),
        tweet_count: posts.length,
        listed_count: 0,
        like_count: this.world.data.likes.filter((l) => l.account_id === a.id && this.world.likedBy(a, l.post_id)).length,
        media_count: 0,
      },
    };
    return { id: a.id, name: a.display_name, username: a.handle, ...pick(all, fields) };
  }

  dmEvent(m: Message, conversationId: string, fields: Set<string>): Json {
    const all: Json = { created_at: m.at, sender_id: m.from_id, dm_conversation_id: conversationId };
    return { id: m.id, event_type: 'MessageCreate', text: m.text, ...pick(all, fields) };
  }

  /** `data` (one post or a list) with `includes` and partial `errors` for the expansions asked. */
  tweets(posts: Post[], shape: Shape, viewer: string | undefined, single = false): Json {
    const users = new Map<string, Account>();
    const tweets = new Map<string, Post>();
    const errors: Json[] = [];
    const addUser = (id: string | undefined) => {
      const a = id ? this.state.account('x', id) : undefined;
      if (a && a.id === id) users.set(a.id, a);
    };
    for (const p of posts) {
      if (shape.expansions.has('author_id')) addUser(p.account_id);
      if (shape.expansions.has('in_reply_to_user_id')) addUser(this.parent(p)?.account_id);
      if (shape.expansions.has('entities.mentions.username')) for (const m of renderText(p.id, p.text, this.accountId).entities?.mentions ?? []) addUser(m.id);
      if (p.reply_to && (shape.expansions.has('referenced_tweets.id') || shape.expansions.has('referenced_tweets.id.author_id'))) {
        const ref = this.world.post('x', p.reply_to);
        if (!ref) errors.push(notFoundError('tweet', p.reply_to, 'referenced_tweets.id'));
        else {
          if (shape.expansions.has('referenced_tweets.id')) tweets.set(ref.id, ref);
          if (shape.expansions.has('referenced_tweets.id.author_id')) addUser(ref.account_id);
        }
      }
    }
    const data = posts.map((p) => this.tweet(p, shape.tweet, viewer));
    return {
      data: single ? data[0] : data,
      ...includes([...users.values()].map((a) => this.user(a, shape.user)), [...tweets.values()].map((t) => this.tweet(t, shape.tweet, viewer))),
      ...(errors.length ? { errors } : {}),
    };
  }

  /** A user (or users) with `includes.tweets` for `most_recent_tweet_id`. */
  users(accounts: Account[], shape: Shape, viewer: string | undefined, single = false): Json {
    const data = accounts.map((a) => this.user(a, shape.user));
    const recent = shape.expansions.has('most_recent_tweet_id') ? accounts.map((a) => this.world.postsOf(a, 1, 'api_list', true)[0]).filter((p) => p !== undefined) : [];
    return { data: single ? data[0] : data, ...includes([], recent.map((p) => this.tweet(p, shape.tweet, viewer))) };
  }

  /** DM events with `includes.users` for `sender_id`. */
  dmEvents(messages: Message[], conversationId: string, shape: Shape): Json {
    const senders = shape.expansions.has('sender_id') ? [...new Set(messages.map((m) => m.from_id))].map((id) => this.state.account('x', id)).filter((a) => a !== undefined) : [];
    return { data: messages.map((m) => this.dmEvent(m, conversationId, shape.dm)), ...includes(senders.map((a) => this.user(a, shape.user)), []) };
  }
}

function pick(all: Json, fields: Set<string>): Json {
  return Object.fromEntries(Object.entries(all).filter(([k, v]) => fields.has(k) && v !== undefined));
}

/** `includes` holds only the kinds that have objects, and is absent when empty. */
function includes(users: Json[], tweets: Json[]): Json {
  const inc = { ...(users.length ? { users } : {}), ...(tweets.length ? { tweets } : {}) };
  return Object.keys(inc).length ? { includes: inc } : {};
}
