import type { Account, Comment, LayoutVersion, Message, Post } from '../types.js';

/** URL builders of one platform's browser surfaces. */
export interface Urls {
  login(next?: string): string;
  logout: string;
  switchAccount: string;
  challenge: string;
  compose: string;
  inbox: string;
  home: string;
  profile(a: Account): string;
  post(p: Post, author: Account): string;
  postAction(p: Post, author: Account, action: 'like' | 'comment' | 'reply' | 'delete'): string;
  follow(a: Account): string;
  /** The conversation of `me` with `peer` (Instagram: an opaque thread id; X: the peer's id). */
  thread(peer: Account, me: Account): string;
  avatar(a: Account): string;
  media(name: string): string;
}

/** The logged-in side of a page: current account and every account added to this browser. */
export interface Viewer {
  me: Account;
  accounts: Account[];
}

export interface PostView {
  post: Post;
  author: Account;
  likeCount: number;
  liked: boolean;
  replyCount: number;
}

export interface CommentView {
  comment: Comment;
  author: Account;
  replies: { comment: Comment; author: Account }[];
}

/** One layout version of one platform: the same functions, its own markup. */
export interface Layout {
  readonly version: LayoutVersion;
  login(m: { next: string; error?: string; username?: string }): string;
  challenge(m: { next: string }): string;
  error(m: { viewer?: Viewer; status: number; message: string }): string;
  profile(m: { viewer: Viewer; account: Account; posts: PostView[]; isSelf: boolean; following: boolean; followers: number; followingCount: number; notice?: string }): string;
  composer(m: { viewer: Viewer; shareStaysEnabled: boolean; notice?: string }): string;
  post(m: { viewer: Viewer; view: PostView; comments: CommentView[]; replies: PostView[]; isOwner: boolean; notice?: string }): string;
  inbox(m: { viewer: Viewer; threads: { peer: Account; last: Message }[]; notice?: string }): string;
  thread(m: { viewer: Viewer; peer: Account; messages: Message[]; notice?: string }): string;
}

export type LayoutFactory = (urls: Urls) => Layout;

/** Toast texts of the notices the router passes to layouts. */
export const NOTICES: Record<string, string> = {
  action_blocked: 'Action Blocked. We restrict certain activity to protect our community. Tell us if you think we made a mistake.',
  switched: 'Switched account.',
};
