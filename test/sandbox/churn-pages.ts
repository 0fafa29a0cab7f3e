import { instagramUi } from '../../sandbox/instagram/ui.js';
import { xUi } from '../../sandbox/x/ui.js';
import { NOTICES, type Layout, type PostView, type Viewer } from '../../sandbox/ui/layout.js';
import type { Account, Comment, LayoutVersion, Message, Platform, Post } from '../../sandbox/types.js';

/** User content that collides with UI words on purpose: a translation must leave it alone. */
export const USER_TEXT = { caption: 'Follow', comment: 'Like', reply: 'Reply', dm: 'Send', bio: 'Baked daily.' } as const;

const account = (platform: Platform, id: string, handle: string, display_name: string): Account => ({ id, platform, kind: 'business', handle, display_name, bio: USER_TEXT.bio, password: 'x', token: 'x' });

/** One rendered page of a layout, with the surface name churn uses. */
export interface RenderedPage {
  platform: Platform;
  version: LayoutVersion;
  surface: string;
  /** What varies inside the surface (own profile, notice…). */
  variant: string;
  html: string;
}

/** Every surface of every layout of both platforms, with fixed data (no sandbox needed). */
export function renderAllPages(): RenderedPage[] {
  const out: RenderedPage[] = [];
  for (const ui of [instagramUi, xUi]) {
    const p = ui.platform;
    const me = account(p, '1', p === 'instagram' ? 'northwind.bakery' : 'northwindbakery', 'Northwind Bakery');
    const peer = account(p, '2', p === 'instagram' ? 'ana.reads' : 'ana_reads', 'Ana Ribeiro');
    const viewer: Viewer = { me, accounts: [me, peer] };
    const at = '2025-01-06T09:00:00.000Z';
    const post: Post = { id: '100', platform: p, code: p === 'instagram' ? 'SEED1aBc' : '100', account_id: me.id, text: USER_TEXT.caption, media: 'seed-1.png', created_at: at, via: 'seed' };
    const view = (q: Post, liked: boolean): PostView => ({ post: q, author: me, likeCount: 3, liked, replyCount: 1 });
    const reply: Post = { ...post, id: '101', code: '101', account_id: peer.id, text: USER_TEXT.reply, reply_to: post.id };
    const comment: Comment = { id: 'c1', platform: p, post_id: post.id, account_id: peer.id, text: USER_TEXT.comment, created_at: at };
    const sub: Comment = { ...comment, id: 'c2', parent_id: 'c1', text: USER_TEXT.reply };
    const messages: Message[] = [
      { id: 'm1', platform: p, from_id: peer.id, to_id: me.id, text: USER_TEXT.dm, at },
      { id: 'm2', platform: p, from_id: me.id, to_id: peer.id, text: 'Thanks!', at },
      { id: 'm3', platform: p, from_id: peer.id, to_id: me.id, text: 'See you at 9', at },
      { id: 'm4', platform: p, from_id: me.id, to_id: peer.id, text: 'Deal', at },
    ];
    // Several rows per list, so a reordering would show.
    const posts = [post, { ...post, id: '102', code: 'SEED2xYz', text: 'Rye day' }, { ...post, id: '103', code: 'SEED3qRs', text: 'Croissants' }];
    const third = account(p, '3', p === 'instagram' ? 'kiko.eats' : 'kikoeats', 'Kiko Tanaka');
    for (const version of ['v1', 'v2'] as const) {
      const layout: Layout = ui.layouts[version](ui.urls);
      const add = (surface: string, variant: string, html: string) => out.push({ platform: p, version, surface, variant, html });
      add('login', 'plain', layout.login({ next: '' }));
      add('login', 'error', layout.login({ next: '/x', username: 'ana', error: 'Sorry, your password was incorrect. Please double-check your password.' }));
      add('challenge', 'plain', layout.challenge({ next: '/' }));
      for (const [status, message] of [
        [500, 'Sorry, something went wrong. Please try again.'],
        [429, 'Please wait a few minutes before you try again.'],
        [404, "Sorry, this page isn't available."],
        [404, 'This conversation is not available.'],
        [403, 'You can only delete your own posts.'],
      ] as const) add('error', `${status} ${message}`, layout.error({ viewer, status, message }));
      add('error', 'logged out', layout.error({ status: 400, message: 'text is required' }));
      const profile = { viewer, posts: posts.map((q) => view(q, false)), followers: 2, followingCount: 5 };
      add('profile', 'self', layout.profile({ ...profile, account: me, isSelf: true, following: false, notice: NOTICES.switched }));
      add('profile', 'other', layout.profile({ ...profile, account: peer, isSelf: false, following: false }));
      add('profile', 'following', layout.profile({ ...profile, account: peer, isSelf: false, following: true, notice: NOTICES.action_blocked }));
      add('composer', 'plain', layout.composer({ viewer, shareStaysEnabled: false }));
      const comments = [
        { comment, author: peer, replies: [{ comment: sub, author: me }, { comment: { ...sub, id: 'c3', text: 'Second reply' }, author: third }] },
        { comment: { ...comment, id: 'c4', text: 'Second comment', account_id: third.id }, author: third, replies: [] },
      ];
      const replies = [view(reply, false), view({ ...reply, id: '104', code: '104', text: 'Another answer' }, false)];
      add('post', 'owner', layout.post({ viewer, view: view(post, false), comments, replies, isOwner: true }));
      add('post', 'liked', layout.post({ viewer, view: view(post, true), comments, replies: replies.map((r) => ({ ...r, liked: true })), isOwner: false, notice: NOTICES.action_blocked }));
      add('inbox', 'plain', layout.inbox({ viewer, threads: [{ peer, last: messages[0]! }, { peer: third, last: { ...messages[2]!, from_id: third.id } }] }));
      add('thread', 'plain', layout.thread({ viewer, peer, messages }));
    }
  }
  return out;
}
