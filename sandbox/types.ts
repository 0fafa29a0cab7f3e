/** The two simulated platforms. */
export const PLATFORMS = ['instagram', 'x'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Layout versions of the browser surfaces. */
export const LAYOUTS = ['v1', 'v2'] as const;
export type LayoutVersion = (typeof LAYOUTS)[number];

/** Lanes a request can come through. */
export const LANES = ['ui', 'api'] as const;
export type Lane = (typeof LANES)[number];

/** Kinds of side effect the ground-truth log records. */
export const EFFECT_KINDS = ['publish', 'delete', 'like', 'unlike', 'comment', 'reply', 'follow', 'unfollow', 'dm_send', 'private_reply'] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

/**
 * The product's action vocabulary, for counters that attribute effects to actions (comment and
 * reply are both `comment_reply`; a private reply is a DM, `dm_send`, told apart by its kind).
 */
export type ActionType = 'publish' | 'delete' | 'like' | 'follow' | 'comment_reply' | 'dm_send';
export const ACTION_TYPE: Record<EffectKind, ActionType> = {
  // The product never asks for an unlike or an unfollow: one in the ground truth is a misread
  // toggle (a click on a heart or a Follow button that was on already), counted as unexpected.
  publish: 'publish', delete: 'delete', like: 'like', unlike: 'like', follow: 'follow', unfollow: 'follow', comment: 'comment_reply', reply: 'comment_reply', dm_send: 'dm_send', private_reply: 'dm_send',
};

export interface Account {
  id: string;
  platform: Platform;
  kind: 'business' | 'audience';
  handle: string;
  display_name: string;
  bio: string;
  password: string;
  /** Bearer token of the API lane (Graph also accepts it as `access_token`). */
  token: string;
}

export interface Post {
  id: string;
  platform: Platform;
  /** Instagram shortcode of the permalink; equals `id` on X. */
  code: string;
  account_id: string;
  text: string;
  /** Media file name under the media directory (Instagram). */
  media?: string;
  /** X: the post this one replies to. */
  reply_to?: string;
  created_at: string;
  deleted_at?: string;
  /** The platform reverted its creation (or its deletion). */
  reverted_at?: string;
  via: 'ui' | 'api' | 'seed' | 'audience';
  /** Instagram Graph `media_type`; absent = IMAGE. */
  media_type?: IgMediaType;
  /** Instagram Graph `media_product_type`; absent = FEED. */
  media_product_type?: 'FEED' | 'REELS';
  /** Instagram carousel album: its items, in order. */
  children?: PostChild[];
  /** Instagram video (reel) file under the media directory; `media` is then its thumbnail. */
  video?: string;
  /** Instagram reel also shown in the feed (Graph `share_to_feed` / `is_shared_to_feed`). */
  share_to_feed?: boolean;
}

export type IgMediaType = 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';

/** One item of an Instagram carousel album (an IG Media of its own, listed only under the album). */
export interface PostChild {
  id: string;
  media_type: 'IMAGE' | 'VIDEO';
  media?: string;
  video?: string;
}

/** Instagram comments and replies to comments. */
export interface Comment {
  id: string;
  platform: Platform;
  post_id: string;
  account_id: string;
  text: string;
  parent_id?: string;
  created_at: string;
  /** Instagram: the message of the one private reply this comment got (Meta allows one per comment). */
  private_reply_mid?: string;
}

export interface Like {
  platform: Platform;
  account_id: string;
  post_id: string;
  at: string;
}

export interface Follow {
  platform: Platform;
  follower_id: string;
  followee_id: string;
  at: string;
}

/** Kinds of Instagram message attachment the sandbox sends in webhooks (Meta's `message.attachments[].type`). */
export const IG_ATTACHMENT_TYPES = ['image', 'video', 'audio', 'file', 'share', 'story_mention', 'ig_reel'] as const;
export type IgAttachmentType = (typeof IG_ATTACHMENT_TYPES)[number];

/** Meta's reaction names (Instagram `message_reactions`, Graph v12.0+). */
export const IG_REACTIONS = ['love', 'like', 'laugh', 'wow', 'sad', 'angry', 'smile', 'dislike', 'other'] as const;
export type IgReaction = (typeof IG_REACTIONS)[number];

export interface Message {
  /** Message id (`mid` in Meta webhooks, `dm_event_id` on X). */
  id: string;
  platform: Platform;
  from_id: string;
  to_id: string;
  /** Empty for an Instagram message that carries attachments only. */
  text: string;
  at: string;
  /** Instagram: media the sender attached (the message then has no text). */
  attachments?: { type: IgAttachmentType; url: string }[];
  /** Instagram: a private reply to this comment. */
  private_reply_to?: string;
  /** Instagram: times the sender edited the text. */
  num_edit?: number;
  /** Instagram: reactions on the message, one per account. */
  reactions?: { account_id: string; reaction: IgReaction; emoji: string }[];
}

export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';

/** What a Graph container was created as (`media_type` of POST /{ig-user-id}/media; absent = IMAGE). */
export type ContainerKind = 'IMAGE' | 'VIDEO' | 'CAROUSEL' | 'REELS';

/** Instagram Graph media container (content publishing step 1). */
export interface Container {
  id: string;
  account_id: string;
  /** IMAGE containers (and image carousel items). */
  image_url?: string;
  media_type?: ContainerKind;
  /** A carousel item, publishable only through a CAROUSEL container. */
  is_carousel_item?: boolean;
  /** CAROUSEL: the item containers, in order. */
  children?: string[];
  /** REELS and VIDEO carousel items. */
  video_url?: string;
  /** REELS: also shown in the feed. */
  share_to_feed?: boolean;
  /** Fetched video file (loopback video_url). */
  video?: string;
  /** Graph error_subcode behind an ERROR status. */
  error_subcode?: number;
  caption: string;
  media?: string;
  created_at: string;
  ready_at: number;
  stuck: boolean;
  error?: string;
  media_id?: string;
}

export interface Session {
  id: string;
  platform: Platform;
  account_ids: string[];
  current_id: string;
  created_at: string;
}

/** One side effect the platform really applied: the ground truth. */
export interface Effect {
  seq: number;
  platform: Platform;
  account: { id: string; handle: string };
  kind: EffectKind;
  /** The object created (post, comment, reply, message) or acted on (liked post, followed account, deleted post). */
  object_id: string;
  /** The post, comment or account the effect targets, when there is one. */
  target_id?: string;
  /** sha256 hex; see sandbox/README.md "Ground truth" for the exact bytes. */
  payload_sha256: string;
  /** The text received (caption, tweet, comment, reply or message), for kinds that carry one. */
  text?: string;
  /** The same effect in the product's vocabulary (comment and reply → comment_reply). */
  action_type: ActionType;
  /** When the platform applied it. */
  at: string;
  via: Lane;
  /** The platform undid it later (`revert` fault): gone from every surface, kept here. */
  reverted: boolean;
  reverted_at?: string;
  /** Instagram publishes: the Graph `media_type` of what went live (IMAGE, CAROUSEL_ALBUM, VIDEO). */
  media_type?: IgMediaType;
  /** Instagram publishes: FEED or REELS. */
  media_product_type?: 'FEED' | 'REELS';
  /** Private replies: the commenter the message went to (`target_id` is the comment). */
  recipient_id?: string;
}

export interface WebhookSubscription {
  callback_url: string;
  verify_token: string;
  app_secret: string;
  /** Deliver `is_echo` events for messages the business accounts send (Meta sends them with the `messages` field). */
  echoes: boolean;
  verified_at: string;
}

/** What an emitted webhook event is about (the first event's, when a POST carries several). */
export type DeliveryKind = 'message' | 'echo' | 'comment' | 'reaction' | 'read' | 'unsend' | 'edit';

export interface Delivery {
  id: string;
  kind: DeliveryKind;
  /** Emitted events this POST carries (webhook faults re-batch them; one otherwise). */
  events?: string[];
  body: string;
  attempts: { at: string; status: number | null; error?: string }[];
  state: 'pending' | 'delivered' | 'failed';
}

export interface SandboxData {
  schema: 1;
  layout: Record<Platform, LayoutVersion>;
  counter: number;
  accounts: Account[];
  posts: Post[];
  comments: Comment[];
  likes: Like[];
  follows: Follow[];
  /**
   * Likes and follows undone (the heart or Follow button clicked again) that lagging surfaces
   * still show until the undo reaches them; never part of the truth.
   */
  undone?: { likes: Like[]; follows: Follow[] };
  messages: Message[];
  containers: Container[];
  sessions: Session[];
  effects: Effect[];
  webhook: WebhookSubscription | null;
  deliveries: Delivery[];
}
