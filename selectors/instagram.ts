import { parseAnnex, type Annex } from './schema.js';

const t = (id: string) => `[data-testid="${id}"]`;

/**
 * The Instagram annex: known layouts of the web UI. Only v1 is recorded; any other layout is
 * unknown (drift) until a human records it here after reviewing the drift report.
 */
export const INSTAGRAM_ANNEX: Annex = parseAnnex({
  platform: 'instagram',
  annex_version: '1.0.0',
  paths: {
    home: '/',
    login: '/accounts/login/',
    challenge: '/challenge/',
    profile: '/{handle}/',
    compose: '/create/',
    post: '/p/{id}/',
    inbox: '/direct/inbox/',
    thread: '/direct/t/{id}/',
  },
  layouts: {
    v1: {
      fingerprint: {
        // Present on every page of v1, logged in or not (the shell's toast slot and top bar hooks use data-testid).
        markers: [`body > ${t('toast')}`, 'body > main'],
      },
      identity: {
        handle: t('current-handle'),
        avatar: t('current-avatar'),
        display_name: t('profile-name'),
        switcher_selection: `${t('account-switcher')} option:checked`,
      },
      surfaces: {
        login: { username: 'input[name="username"]', password: 'input[name="password"]', submit: t('login-button'), error: t('login-error') },
        nav: { compose: 'a[aria-label="New post"]', inbox: 'a[aria-label="Direct messaging"]', switcher: t('account-switcher') },
        profile: {
          header: t('profile-header'), handle: t('profile-handle'), name: t('profile-name'), avatar: t('profile-avatar'),
          follow: t('follow-button'), message: t('message-button'), edit: t('edit-profile'), grid: t('post-grid'), tile: `${t('post-grid')} ${t('post-tile')}`,
        },
        composer: {
          root: t('composer'), media: t('media-input'), caption: t('caption-input'), share: t('share-button'), progress: t('share-progress'),
        },
        post: {
          root: `article${t('post')}`, caption: t('caption-text'), like: t('like-button'), like_count: t('like-count'),
          comment_input: t('comment-input'), comment_submit: t('comment-submit'), comment: t('comment'), comment_author: t('comment-author'), comment_text: t('comment-text'),
          reply: t('reply'), reply_text: t('reply-text'), reply_input: t('reply-input'), reply_submit: t('reply-submit'),
          options: t('post-options'), confirm_delete: t('confirm-delete'),
        },
        dm_inbox: { thread_link: t('thread-link') },
        dm_thread: { peer: t('thread-peer'), message: t('message'), input: t('message-input'), send: t('send-button') },
      },
      receipts: {
        publish: t('share-receipt'),
        publish_permalink: t('receipt-permalink'),
        dm_send: t('dm-receipt'),
      },
      friction: {
        checkpoint: t('checkpoint'),
        toast: t('toast'),
        error: t('error-page'),
        login: t('login-form'),
      },
      dynamic_regions: [t('like-count'), 'time', t('followers-count'), t('following-count'), t('posts-count'), t('comments'), t('message-list'), t('thread-list'), t('post-grid')],
    },
  },
}, 'selectors/instagram.ts');

/** Text of the toast that means the platform blocked the action (§8.4). */
export const INSTAGRAM_BLOCKED_TOAST = /action blocked/i;
