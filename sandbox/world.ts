import { createHash } from 'node:crypto';
import { Lag, LAG_OFF, lagKey, type LagSurface } from './lag.js';
import type { SandboxState } from './state.js';
import { ACTION_TYPE, type Account, type Comment, type Effect, type EffectKind, type Follow, type Like, type SandboxData, type IgReaction, type Lane, type Message, type Platform, type Post } from './types.js';

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
  /** A side effect was applied and recorded (revert faults hook here). */
  onEffect?(effect: Effect): void;
}

const now = () => new Date().toISOString();

/** What makes an Instagram post a carousel album or a reel. */
export type PostShape = Pick<Post, 'media_type' | 'media_product_type' | 'children' | 'video' | 'share_to_feed'>;

/**
 * The use cases of the simulated platforms: every side effect, whether it came through the
 * browser or the API, is applied here and written to the ground-truth log in the same step.
 */
export class World {
  readonly urls: Record<Platform, string> = { instagram: '', x: '' };
  events: WorldEvents = {};

  /**
   * `ghost` arguments of the mutators (phantom success): the object is built with a fresh id and
   * returned, but nothing is applied, recorded or announced.
   */
  constructor(readonly state: SandboxState, readonly lag: Lag = new Lag(0, LAG_OFF)) {}

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

  /** Whether an object shows on a surface now (read-after-write lag); `truth` reads see everything. */
  shows(surface: LagSurface | 'truth', key: string): boolean {
    return surface === 'truth' || this.lag.visible(surface, key);
  }

  /** A post as a surface sees it: the permalink page and GET by id lag behind the truth. */
  visiblePost(platform: Platform, idOrCode: string, surface: LagSurface | 'truth'): Post | undefined {
    const post = this.post(platform, idOrCode);
    return post && this.shows(surface, lagKey.post(post.id)) ? post : undefined;
  }

  /** Likes as a surface sees them: a new one once its lag passed, an undone one until its undo's lag passed. */
  private likesOn(surface: LagSurface | 'truth'): Like[] {
    const live = this.data.likes.filter((l) => this.shows(surface, lagKey.like(l.account_id, l.post_id)));
    if (surface === 'truth') return live;
    const stale = (this.data.undone?.likes ?? []).filter((l) => !this.shows(surface, lagKey.unlike(l.account_id, l.post_id, l.at)) && !live.some((x) => x.account_id === l.account_id && x.post_id === l.post_id));
    return [...live, ...stale];
  }

  private followsOn(surface: LagSurface | 'truth'): Follow[] {
    const live = this.data.follows.filter((f) => this.shows(surface, lagKey.follow(f.follower_id, f.followee_id)));
    if (surface === 'truth') return live;
    const stale = (this.data.undone?.follows ?? []).filter((f) => !this.shows(surface, lagKey.unfollow(f.follower_id, f.followee_id, f.at)) && !live.some((x) => x.follower_id === f.follower_id && x.followee_id === f.followee_id));
    return [...live, ...stale];
  }

  likeCount(postId: string, surface: LagSurface | 'truth' = 'likes'): number {
    return this.likesOn(surface).filter((l) => l.post_id === postId).length;
  }

  likedBy(account: Account, postId: string, surface: LagSurface | 'truth' = 'likes'): boolean {
    return this.likesOn(surface).some((l) => l.post_id === postId && l.account_id === account.id);
  }

  followerCount(account: Account, surface: LagSurface | 'truth' = 'follows'): number {
    return this.followsOn(surface).filter((f) => f.followee_id === account.id).length;
  }

  followingCount(account: Account, surface: LagSurface | 'truth' = 'follows'): number {
    return this.followsOn(surface).filter((f) => f.follower_id === account.id).length;
  }

  /** Comments of a post (top level, or the replies to `parentId`) as a surface sees them. */
  commentsOf(postId: string, parentId?: string, surface: LagSurface | 'truth' = 'comments'): Comment[] {
    return this.data.comments.filter((c) => c.post_id === postId && (parentId ? c.parent_id === parentId : !c.parent_id) && this.shows(surface, lagKey.comment(c.id)));
  }

  /** X replies to a post as a surface sees them. */
  repliesOf(postId: string, surface: LagSurface | 'truth' = 'comments'): Post[] {
    return this.data.posts.filter((p) => p.reply_to === postId && !p.deleted_at && this.shows(surface, lagKey.post(p.id)));
  }

  /** Top-level posts of an account, newest first, as a surface sees them (X API timelines include replies). */
  postsOf(account: Account, limit = 100, surface: LagSurface | 'truth' = 'truth', withReplies = false): Post[] {
    return this.data.posts
      .filter((p) => p.account_id === account.id && !p.deleted_at && (withReplies || !p.reply_to) && this.shows(surface, lagKey.post(p.id)))
      .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : Number(BigInt(b.id) - BigInt(a.id))))
      .slice(0, limit);
  }

  private record(account: Account, kind: EffectKind, object_id: string, payload: string, via: Lane, target_id?: string, text?: string, extra: Partial<Effect> = {}): Effect {
    const effect: Effect = {
      seq: (this.data.effects.at(-1)?.seq ?? 0) + 1,
      platform: account.platform,
      account: { id: account.id, handle: account.handle },
      kind,
      object_id,
      ...(target_id ? { target_id } : {}),
      payload_sha256: sha256hex(payload),
      ...(text !== undefined ? { text } : {}),
      action_type: ACTION_TYPE[kind],
      at: now(),
      via,
      reverted: false,
      ...extra,
    };
    this.data.effects.push(effect);
    this.events.onEffect?.(effect);
    return effect;
  }

  /**
   * Publishes a post (Instagram image + caption, X text); an X post with `reply_to` is a reply.
   * `shape` makes an Instagram post a carousel album or a reel; its effect records the media type.
   */
  async publish(account: Account, input: { text: string; media?: string; reply_to?: string; shape?: PostShape }, via: Lane | 'audience', ghost = false): Promise<Post> {
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
      created_at: now(),
      via,
      ...input.shape,
    };
    if (ghost) return post;
    this.data.posts.push(post);
    this.lag.register(lagKey.post(id), input.reply_to ? 'reply_post' : 'post');
    const kind = platform === 'instagram' ? { media_type: post.media_type ?? 'IMAGE', media_product_type: post.media_product_type ?? 'FEED' } : {};
    if (via !== 'audience') this.record(account, input.reply_to ? 'reply' : 'publish', id, input.text, via, input.reply_to, input.text, kind);
    await this.state.save();
    return post;
  }

  async deletePost(account: Account, post: Post, via: Lane, ghost = false): Promise<void> {
    if (ghost) return;
    post.deleted_at = now();
    this.record(account, 'delete', post.id, post.id, via, post.id);
    await this.state.save();
  }

  /** Likes a post; liking twice is a no-op on real platforms, so it records nothing the second time. */
  async like(account: Account, post: Post, via: Lane, ghost = false): Promise<boolean> {
    if (this.data.likes.some((l) => l.account_id === account.id && l.post_id === post.id)) return false;
    if (ghost) return true;
    this.data.likes.push({ platform: account.platform, account_id: account.id, post_id: post.id, at: now() });
    this.lag.register(lagKey.like(account.id, post.id), 'like');
    this.record(account, 'like', post.id, post.id, via, post.id);
    await this.state.save();
    return true;
  }

  /** Instagram: a comment on a post, or a reply to a comment when `parent` is given. */
  async comment(account: Account, post: Post, text: string, via: Lane | 'audience', parent?: Comment, ghost = false, createdAt?: string): Promise<Comment> {
    const comment: Comment = {
      id: this.state.nextId('18000', 12),
      platform: account.platform,
      post_id: post.id,
      account_id: account.id,
      text,
      ...(parent ? { parent_id: parent.id } : {}),
      created_at: createdAt ? new Date(createdAt).toISOString() : now(),
    };
    if (ghost) return comment;
    this.data.comments.push(comment);
    this.lag.register(lagKey.comment(comment.id), 'comment');
    if (via !== 'audience') this.record(account, parent ? 'reply' : 'comment', comment.id, text, via, parent?.id ?? post.id, text);
    await this.state.save();
    if (via === 'audience') this.events.onComment?.(comment);
    return comment;
  }

  /** Follows an account; a second follow is a no-op. */
  async follow(account: Account, target: Account, via: Lane, ghost = false): Promise<boolean> {
    if (this.isFollowing(account, target)) return false;
    if (ghost) return true;
    this.data.follows.push({ platform: account.platform, follower_id: account.id, followee_id: target.id, at: now() });
    this.lag.register(lagKey.follow(account.id, target.id), 'follow');
    this.record(account, 'follow', target.id, target.id, via, target.id);
    await this.state.save();
    return true;
  }

  isFollowing(account: Account, target: Account, surface: LagSurface | 'truth' = 'truth'): boolean {
    return this.followsOn(surface).some((f) => f.follower_id === account.id && f.followee_id === target.id);
  }

  /**
   * The web's heart: a click likes a post not liked and unlikes one liked (the truth decides, not
   * what the page showed), as on the real sites; an unlike is recorded in the ground truth.
   */
  async toggleLike(account: Account, post: Post, via: Lane, ghost = false): Promise<'liked' | 'unliked'> {
    const i = this.data.likes.findIndex((l) => l.account_id === account.id && l.post_id === post.id);
    if (i < 0) return (await this.like(account, post, via, ghost), 'liked');
    if (ghost) return 'unliked';
    const [like] = this.data.likes.splice(i, 1);
    this.undo('likes', like!);
    this.lag.register(lagKey.unlike(account.id, post.id, like!.at), 'like');
    this.record(account, 'unlike', post.id, post.id, via, post.id);
    await this.state.save();
    return 'unliked';
  }

  /** The web's Follow button: follows, or unfollows an account followed already (recorded). */
  async toggleFollow(account: Account, target: Account, via: Lane, ghost = false): Promise<'followed' | 'unfollowed'> {
    const i = this.data.follows.findIndex((f) => f.follower_id === account.id && f.followee_id === target.id);
    if (i < 0) return (await this.follow(account, target, via, ghost), 'followed');
    if (ghost) return 'unfollowed';
    const [follow] = this.data.follows.splice(i, 1);
    this.undo('follows', follow!);
    this.lag.register(lagKey.unfollow(account.id, target.id, follow!.at), 'follow');
    this.record(account, 'unfollow', target.id, target.id, via, target.id);
    await this.state.save();
    return 'unfollowed';
  }

  /** Keeps an undone like or follow for the surfaces its undo has not reached yet (the newest 500). */
  private undo<K extends 'likes' | 'follows'>(kind: K, row: NonNullable<SandboxData['undone']>[K][number]): void {
    this.data.undone ??= { likes: [], follows: [] };
    const list = this.data.undone[kind] as (typeof row)[];
    list.push(row);
    if (list.length > 500) list.splice(0, list.length - 500);
  }

  /** A new message id: Instagram `mid`s look like Meta's (base64 of an item key), X DM event ids are numeric. */
  private messageId(platform: Platform): string {
    this.data.counter += 1;
    return platform === 'instagram' ? `aWdfZAG1faXRlbTo${Buffer.from(`sbx:${this.data.counter}`).toString('base64url')}` : this.state.nextId('18700', 14);
  }

  /**
   * A DM. Business accounts sending is a side effect; audience messages (admin-injected) are not.
   * `extra.attachments`: an Instagram message with media only (its text is then empty).
   */
  async sendDm(from: Account, to: Account, text: string, via: Lane | 'audience', ghost = false, extra: Pick<Message, 'attachments'> = {}): Promise<Message> {
    const platform = from.platform;
    const id = this.messageId(platform);
    const message: Message = { id, platform, from_id: from.id, to_id: to.id, text, at: now(), ...(extra.attachments ? { attachments: extra.attachments } : {}) };
    if (ghost) return message;
    this.data.messages.push(message);
    this.lag.register(lagKey.message(id), 'message');
    if (via !== 'audience') this.record(from, 'dm_send', id, text, via, to.id, text);
    await this.state.save();
    this.events.onMessage?.(message, via === 'audience' ? 'inbound' : 'outbound');
    return message;
  }

  /**
   * Instagram Private Replies: the one message a business account may send to the author of a
   * comment on its media. It lands in the DM thread with the commenter and is recorded as its own
   * effect kind, `private_reply` (target: the comment). The caller checks the platform's rules.
   */
  async privateReply(from: Account, comment: Comment, to: Account, text: string, via: Lane, ghost = false): Promise<Message> {
    const id = this.messageId('instagram');
    const message: Message = { id, platform: 'instagram', from_id: from.id, to_id: to.id, text, at: now(), private_reply_to: comment.id };
    if (ghost) return message;
    this.data.messages.push(message);
    comment.private_reply_mid = id;
    this.lag.register(lagKey.message(id), 'message');
    this.record(from, 'private_reply', id, text, via, comment.id, text, { recipient_id: to.id });
    await this.state.save();
    this.events.onMessage?.(message, 'outbound');
    return message;
  }

  /** Instagram: the sender unsends a message; it leaves the thread and the inbox (a world event, not an effect). */
  async unsendMessage(message: Message): Promise<void> {
    this.data.messages = this.data.messages.filter((m) => m.id !== message.id);
    await this.state.save();
  }

  /** Instagram: the sender edits a message's text (a world event, not an effect). */
  async editMessage(message: Message, text: string): Promise<number> {
    message.text = text;
    message.num_edit = (message.num_edit ?? 0) + 1;
    await this.state.save();
    return message.num_edit;
  }

  /** Instagram: an account reacts to a message (one reaction per account, a new one replaces it) or takes its reaction back. */
  async reactToMessage(message: Message, account: Account, reaction: { reaction: IgReaction; emoji: string } | null): Promise<void> {
    const others = (message.reactions ?? []).filter((r) => r.account_id !== account.id);
    message.reactions = reaction ? [...others, { account_id: account.id, ...reaction }] : others;
    if (message.reactions.length === 0) delete message.reactions;
    await this.state.save();
  }

  /** Conversations of an account, newest first, as [peer, last message], as a surface sees them. */
  threads(account: Account, surface: LagSurface | 'truth' = 'truth'): { peer: Account; last: Message }[] {
    const byPeer = new Map<string, Message>();
    for (const m of this.data.messages) {
      if (m.platform !== account.platform || (m.from_id !== account.id && m.to_id !== account.id)) continue;
      if (!this.shows(surface, lagKey.message(m.id))) continue;
      const peer = m.from_id === account.id ? m.to_id : m.from_id;
      byPeer.set(peer, m);
    }
    return [...byPeer.entries()]
      .map(([peerId, last]) => ({ peer: this.state.account(account.platform, peerId)!, last }))
      .filter((t) => t.peer)
      .sort((a, b) => (a.last.at < b.last.at ? 1 : -1));
  }

  conversation(a: Account, b: Account, surface: LagSurface | 'truth' = 'truth'): Message[] {
    return this.data.messages.filter(
      (m) => m.platform === a.platform && ((m.from_id === a.id && m.to_id === b.id) || (m.from_id === b.id && m.to_id === a.id)) && this.shows(surface, lagKey.message(m.id)),
    );
  }

  /**
   * The platform takes an applied effect back: the object leaves every surface (a deleted post
   * comes back), and the ground truth keeps the effect marked `reverted`.
   */
  async revert(effect: Effect): Promise<boolean> {
    if (effect.reverted) return false;
    const at = now();
    const d = this.data;
    const post = d.posts.find((p) => p.platform === effect.platform && p.id === effect.object_id);
    switch (effect.kind) {
      case 'publish':
      case 'reply':
      case 'comment':
        if (post) {
          post.deleted_at ??= at;
          post.reverted_at = at;
        } else {
          d.comments = d.comments.filter((c) => c.id !== effect.object_id && c.parent_id !== effect.object_id);
        }
        break;
      case 'delete':
        if (post) {
          delete post.deleted_at;
          post.reverted_at = at;
        }
        break;
      case 'like':
        d.likes = d.likes.filter((l) => !(l.account_id === effect.account.id && l.post_id === effect.object_id));
        break;
      case 'follow':
        d.follows = d.follows.filter((f) => !(f.follower_id === effect.account.id && f.followee_id === effect.object_id));
        break;
      case 'dm_send':
      case 'private_reply':
        d.messages = d.messages.filter((m) => m.id !== effect.object_id);
        break;
    }
    effect.reverted = true;
    effect.reverted_at = at;
    await this.state.save();
    return true;
  }
}
