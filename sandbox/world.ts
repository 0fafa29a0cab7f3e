import { createHash } from 'node:crypto';
import type { SandboxState } from './state.js';
import type { Account, Comment, Effect, EffectKind, Lane, Message, Platform, Post } from './types.js';

export const sha256hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Instagram-like shortcode for a numeric id (the permalink's /p/<code>/). */
function shortcode(id: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  let n = BigInt(id);
  let out = '';
  while (n > 0n) {
    out = alphabet[Number(n % 64n)] + out;
    n /= 64n;
  }
  return out;
}

/** Listeners the world tells about messages, so webhooks can be delivered. */
export interface WorldEvents {
  onMessage?(message: Message, direction: 'inbound' | 'outbound'): void;
  onComment?(comment: Comment): void;
}

/**
 * The use cases of the simulated platforms: every side effect, whether it came through the
 * browser or the API, is applied here and written to the ground-truth log in the same step.
 */
export class World {
  readonly urls: Record<Platform, string> = { instagram: '', x: '' };
  events: WorldEvents = {};

  constructor(readonly state: SandboxState) {}

  get data() {
    return this.state.data;
  }

  permalink(post: Post): string {
    if (post.platform === 'instagram') return `${this.urls.instagram}/p/${post.code}/`;
    const author = this.data.accounts.find((a) => a.id === post.account_id);
    return `${this.urls.x}/${author?.handle ?? 'i'}/status/${post.id}`;
  }

  post(platform: Platform, idOrCode: string, includeDeleted = false): Post | undefined {
    return this.data.posts.find((p) => p.platform === platform && (p.id === idOrCode || p.code === idOrCode) && (includeDeleted || !p.deleted_at));
  }

  postsOf(account: Account, limit = 100): Post[] {
    return this.data.posts
      .filter((p) => p.account_id === account.id && !p.deleted_at && !p.reply_to)
      .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : Number(BigInt(b.id) - BigInt(a.id))))
      .slice(0, limit);
  }

  private record(account: Account, kind: EffectKind, object_id: string, payload: string, via: Lane, target_id?: string): Effect {
    const effect: Effect = {
      seq: (this.data.effects.at(-1)?.seq ?? 0) + 1,
      platform: account.platform,
      account: { id: account.id, handle: account.handle },
      kind,
      object_id,
      ...(target_id ? { target_id } : {}),
      payload_sha256: sha256hex(payload),
      at: new Date().toISOString(),
      via,
    };
    this.data.effects.push(effect);
    return effect;
  }

  /** Publishes a post (Instagram image + caption, X text); an X post with `reply_to` is a reply. */
  async publish(account: Account, input: { text: string; media?: string; reply_to?: string }, via: Lane | 'audience'): Promise<Post> {
    const platform = account.platform;
    const id = platform === 'instagram' ? this.state.nextId('17900', 12) : this.state.nextId('18600', 14);
    const post: Post = {
      id,
      platform,
      code: platform === 'instagram' ? shortcode(id) : id,
      account_id: account.id,
      text: input.text,
      ...(input.media ? { media: input.media } : {}),
      ...(input.reply_to ? { reply_to: input.reply_to } : {}),
      created_at: new Date().toISOString(),
      via,
    };
    this.data.posts.push(post);
    if (via !== 'audience') this.record(account, input.reply_to ? 'reply' : 'publish', id, input.text, via, input.reply_to);
    await this.state.save();
    return post;
  }

  async deletePost(account: Account, post: Post, via: Lane): Promise<void> {
    post.deleted_at = new Date().toISOString();
    this.record(account, 'delete', post.id, post.id, via, post.id);
    await this.state.save();
  }

  /** Likes a post; liking twice is a no-op on real platforms, so it records nothing the second time. */
  async like(account: Account, post: Post, via: Lane): Promise<boolean> {
    if (this.data.likes.some((l) => l.account_id === account.id && l.post_id === post.id)) return false;
    this.data.likes.push({ platform: account.platform, account_id: account.id, post_id: post.id, at: new Date().toISOString() });
    this.record(account, 'like', post.id, post.id, via, post.id);
    await this.state.save();
    return true;
  }

  /** Instagram: a comment on a post, or a reply to a comment when `parent` is given. */
  async comment(account: Account, post: Post, text: string, via: Lane | 'audience', parent?: Comment): Promise<Comment> {
    const comment: Comment = {
      id: this.state.nextId('18000', 12),
      platform: account.platform,
      post_id: post.id,
      account_id: account.id,
      text,
      ...(parent ? { parent_id: parent.id } : {}),
      created_at: new Date().toISOString(),
    };
    this.data.comments.push(comment);
    if (via !== 'audience') this.record(account, parent ? 'reply' : 'comment', comment.id, text, via, parent?.id ?? post.id);
    await this.state.save();
    if (via === 'audience') this.events.onComment?.(comment);
    return comment;
  }

  /** Follows an account; a second follow is a no-op. */
  async follow(account: Account, target: Account, via: Lane): Promise<boolean> {
    if (this.isFollowing(account, target)) return false;
    this.data.follows.push({ platform: account.platform, follower_id: account.id, followee_id: target.id, at: new Date().toISOString() });
    this.record(account, 'follow', target.id, target.id, via, target.id);
    await this.state.save();
    return true;
  }

  isFollowing(account: Account, target: Account): boolean {
    return this.data.follows.some((f) => f.follower_id === account.id && f.followee_id === target.id);
  }

  /** A DM. Business accounts sending is a side effect; audience messages (admin-injected) are not. */
  async sendDm(from: Account, to: Account, text: string, via: Lane | 'audience'): Promise<Message> {
    const platform = from.platform;
    this.data.counter += 1;
    const id = platform === 'instagram' ? `aWdfZAG1faXRlbTo${Buffer.from(`sbx:${this.data.counter}`).toString('base64url')}` : this.state.nextId('18700', 14);
    const message: Message = { id, platform, from_id: from.id, to_id: to.id, text, at: new Date().toISOString() };
    this.data.messages.push(message);
    if (via !== 'audience') this.record(from, 'dm_send', id, text, via, to.id);
    await this.state.save();
    this.events.onMessage?.(message, via === 'audience' ? 'inbound' : 'outbound');
    return message;
  }

  /** Conversations of an account, newest first, as [peer, last message]. */
  threads(account: Account): { peer: Account; last: Message }[] {
    const byPeer = new Map<string, Message>();
    for (const m of this.data.messages) {
      if (m.platform !== account.platform || (m.from_id !== account.id && m.to_id !== account.id)) continue;
      const peer = m.from_id === account.id ? m.to_id : m.from_id;
      byPeer.set(peer, m);
    }
    return [...byPeer.entries()]
      .map(([peerId, last]) => ({ peer: this.state.account(account.platform, peerId)!, last }))
      .filter((t) => t.peer)
      .sort((a, b) => (a.last.at < b.last.at ? 1 : -1));
  }

  conversation(a: Account, b: Account): Message[] {
    return this.data.messages.filter((m) => m.platform === a.platform && ((m.from_id === a.id && m.to_id === b.id) || (m.from_id === b.id && m.to_id === a.id)));
  }
}
