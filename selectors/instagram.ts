import { parseAnnex, type Annex } from './schema.js';

const t = (id: string) => `[data-testid="${id}"]`;

/**
 * The Instagram annex: known layouts of the web UI. Only v1 is recorded; any other layout is
 * unknown (drift) until a human records it here after reviewing the drift report.
 */
export const INSTAGRAM_ANNEX: Annex = parseAnnex({
  platform: 'instagram',
  annex_version: '1.5.0',
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
  account_cookie: { name: 'ds_user_id' },
  layouts: {
    v1: {
      fingerprint: {
        // Present on every page of v1, logged in or not (the shell's toast slot and top bar hooks use data-testid).
        markers: [`body > ${t('toast')}`, 'body > main'],
        // Recorded from the sandbox's v1 pages (npm start's demo; checked by test/browser/annex-structure.spec.ts).
        structure: {
          composer: ['c5b51aaf33dc29a92ca19d0a293890a70881486ae07a57ccc8ae3ac4df2c92d0'],
          dm_thread: ['5e5017b2235aea4619696b546b673fdfdfc773f61c9a14cf79fda9643923ed08'],
          home: ['4fad4a4e16e646da7d6b9d3a11930a3a5a81d804d7f4d79b07bfd6414d00ad1b'],
          post: ['0d15556bf1f800818589ddbb5f01f5ee535acd96d1fc378ca8c455c730a3e992', '4fad4a4e16e646da7d6b9d3a11930a3a5a81d804d7f4d79b07bfd6414d00ad1b', '67f8afc921f46ceb626e6a83704f060beeb037f1a8e77e2eabf6316111534b4e', 'c07ad74f5891df08dc65043e23fe8d9e50f2c4cb7e2cc57b3ed62a3414ac78e3'],
          profile: ['4fad4a4e16e646da7d6b9d3a11930a3a5a81d804d7f4d79b07bfd6414d00ad1b', '86d302a4ae6f235a32cd585f62f144a8ef2e7ab8d709c7f26a8184f28c5bcd62'],
        },
      },
      identity: {
        handle: t('current-handle'),
        avatar: t('current-avatar'),
        display_name: t('profile-name'),
        switcher_selection: `${t('account-switcher')} option:checked`,
      },
      surfaces: {
        login: { username: 'input[name="username"]', password: 'input[name="password"]', submit: t('login-button'), error: t('login-error') },
        nav: { compose: 'a[aria-label="New post"]', inbox: 'a[aria-label="Direct messaging"]', switcher: t('account-switcher'), switcher_account: `${t('account-switcher')} option` },
        profile: {
          header: t('profile-header'), handle: t('profile-handle'), name: t('profile-name'), avatar: t('profile-avatar'),
          follow: t('follow-button'), message: t('message-button'), edit: t('edit-profile'), grid: t('post-grid'), tile: `${t('post-grid')} ${t('post-tile')}`,
        },
        composer: {
          root: t('composer'), media: t('media-input'), caption: t('caption-input'), share: t('share-button'), progress: t('share-progress'),
        },
        post: {
          root: `article${t('post')}`, author: t('post-author'), caption: t('caption-text'), like: t('like-button'), like_count: t('like-count'),
          // The post's own timestamp (not its comments'): when it went live, as the page says it.
          time: `article${t('post')} aside > time`,
          comment_input: t('comment-input'), comment_submit: t('comment-submit'), comment: t('comment'), comment_author: t('comment-author'), comment_text: t('comment-text'),
          // A comment's timestamp links to its permalink, /p/<code>/c/<comment id>/: the one place the web shows a comment's id.
          comment_permalink: 'a[href*="/c/"]',
          reply: t('reply'), reply_text: t('reply-text'), reply_input: t('reply-input'), reply_submit: t('reply-submit'),
          options: t('post-options'), confirm_delete: t('confirm-delete'),
        },
        dm_inbox: { thread_link: t('thread-link') },
        // Own messages carry a visually hidden "You sent" label (texts.own_message), as screen readers hear it.
        dm_thread: { peer: t('thread-peer'), message: t('message'), sender: t('message-sender'), status: t('message-status'), input: t('message-input'), send: t('send-button') },
      },
      receipts: {
        // "Your post has been shared." names no post: the post is found by opening the grid's newest.
        publish: t('share-receipt'),
        // The status under a message sent in the background: "Sending…", then "Sent" once the platform answered.
        dm_send: t('message-status'),
      },
      texts: {
        // Per locale (English, Spanish): the lane matches these, never words of its own.
        own_message: ['You sent', 'Enviaste'],
        dm_sent: ['Sent', 'Enviado'],
        // Words of a toast that means the platform blocked the action (§8.4), matched within the toast.
        action_blocked: ['Action Blocked', 'We restrict certain activity', 'Try again later', 'Acción bloqueada', 'Restringimos determinadas actividades', 'Inténtalo más tarde'],
      },
      friction: {
        checkpoint: t('checkpoint'),
        toast: t('toast'),
        error: t('error-page'),
        login: t('login-form'),
      },
      // Counts, feeds and everything that is content, not layout: whose account, whose post,
      // what was typed. Masked in screenshots, folded in the structure fingerprint.
      dynamic_regions: [
        t('like-count'), 'time', t('followers-count'), t('following-count'), t('posts-count'), t('comments'), t('message-list'), t('thread-list'), t('post-grid'),
        t('current-avatar'), t('current-handle'), t('account-switcher'),
        t('profile-avatar'), t('profile-handle'), t('profile-name'), t('profile-bio'), t('follow-button'),
        t('post-media'), t('post-author-avatar'), t('post-author'), t('post-caption'), t('like-button'),
        t('thread-peer'), 'main .ig-card > header > img', t('caption-input'), t('message-input'), t('comment-input'), t('error-page'),
      ],
    },
  },
}, 'selectors/instagram.ts');

/** Text of the toast that means the platform blocked the action (§8.4). */
export const INSTAGRAM_BLOCKED_TOAST = /action blocked/i;
