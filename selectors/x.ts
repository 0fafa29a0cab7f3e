import { parseAnnex, type Annex } from './schema.js';

/**
 * The X annex: x.com's paths and the selectors of the one layout we know (v1: left banner,
 * x.com's `data-testid` names). Any other layout matches none of v1's markers, so it is
 * reported as drift instead of being guessed at.
 *
 * `surfaces` hold selectors only: the pages show no object ids but in their links' `href`s.
 */
export const X_ANNEX: Annex = parseAnnex({
  platform: 'x',
  annex_version: '1.5.0',
  paths: {
    login: '/i/flow/login',
    home: '/home',
    profile: '/{handle}',
    compose: '/compose/post',
    status: '/{handle}/status/{id}',
    inbox: '/messages',
    thread: '/messages/{id}',
    challenge: '/account/access',
  },
  account_cookie: { name: 'twid', prefix: 'u=' },
  layouts: {
    v1: {
      fingerprint: {
        // On every v1 page, logged in or not (login, checkpoint and error pages included).
        markers: ['main[role="main"][data-testid="primaryColumn"]', '[role="alert"][data-testid="toast"]'],
        // Recorded from the sandbox's v1 pages (npm start's demo; checked by test/browser/annex-structure.spec.ts).
        structure: {
          composer: ['4948009102c2f7de85edcf6d3cd0d68a1787011a34a02e85ce35ffc7c8f29812'],
          composer_receipt: ['4948009102c2f7de85edcf6d3cd0d68a1787011a34a02e85ce35ffc7c8f29812'],
          dm_thread: ['32078b6a2036972d21c335cb6dc218de2369f64bbe62c40c6b87d2ace5929fd5'],
          home: ['091d3246ffbe2c4bbeb428f0ac61bc24ef676b1e9fa87c96fcbe537046c7e5b4'],
          post: ['10f674596112b5c5c2199a9ec7c2502418b7352363fcc99316187f787cf23276', 'ea48bea13267cd3db19e4a6bc5e2f95f947e02097488dd0f2b89a6cb05aa209b', 'c3ff429ab780db1ecfe5935f4a39f4c8e33587adf74bd15e8d058b5de2cad305'],
          profile: ['091d3246ffbe2c4bbeb428f0ac61bc24ef676b1e9fa87c96fcbe537046c7e5b4', '72cef4f464eecf3c075431a36664d8097b2edbdd5f13659f6138b3ba9556074a'],
        },
      },
      identity: {
        handle: '[data-testid="SideNav_AccountSwitcher_Handle"]',
        avatar: '[data-testid="SideNav_AccountSwitcher_Button"] img',
        display_name: '[data-testid="SideNav_AccountSwitcher_Name"]',
        switcher_selection: '[data-testid="AccountSwitcher_Select"] option:checked',
      },
      surfaces: {
        login: {
          username: 'input[autocomplete="username"]',
          password: 'input[name="password"]',
          submit: '[data-testid="LoginForm_Login_Button"]',
          error: '[data-testid="LoginForm_Error"]',
        },
        nav: {
          home: '[data-testid="AppTabBar_Home_Link"]',
          compose: '[data-testid="SideNav_NewTweet_Button"]',
          inbox: '[data-testid="AppTabBar_DirectMessage_Link"]',
          switcher: 'select[data-testid="AccountSwitcher_Select"]',
          add_account: '[data-testid="AccountSwitcher_AddAccount_Button"]',
        },
        profile: {
          header: '[data-testid="UserProfileHeader_Items"]',
          handle: '[data-testid="UserName-handle"]',
          display_name: '[data-testid="UserName-display"]',
          avatar: '[data-testid="UserProfileHeader_Items"] img',
          edit_profile: '[data-testid="editProfileButton"]',
          follow: '[data-testid$="-follow"], [data-testid$="-unfollow"]',
          message: '[data-testid="sendDMFromProfile"]',
          timeline: 'section[data-testid="timeline"]',
          tweet: 'article[data-testid="tweet"]',
          tweet_text: '[data-testid="tweetText"]',
          // The time stamp links to the tweet's permalink: /{handle}/status/{id}.
          tweet_permalink: '[data-testid="User-Name"] a:has(time)',
        },
        composer: {
          form: '[data-testid="tweetComposer"]',
          text: '[data-testid="tweetTextarea_0"]',
          submit: '[data-testid="tweetButton"]',
          progress: '[data-testid="progressBar"]',
        },
        status: {
          tweet: 'article[data-testid="tweet"]',
          // The focal tweet's author: its name links to the author's profile, /{handle}.
          author: 'article[data-testid="tweet"] [data-testid="User-Name"] a[href]',
          text: 'article[data-testid="tweet"] [data-testid="tweetText"]',
          like: 'article[data-testid="tweet"] [data-testid="like"]',
          unlike: 'article[data-testid="tweet"] [data-testid="unlike"]',
          like_count: 'article[data-testid="tweet"] [data-testid="like-count"]',
          caret: '[data-testid="caret"]',
          confirm_delete: '[data-testid="confirmationSheetConfirm"]',
          reply_form: '[data-testid="inlineReply"]',
          reply_input: '[data-testid="inlineReply"] [data-testid="tweetTextarea_0"]',
          reply_submit: '[data-testid="tweetButtonInline"]',
          replies: 'section[data-testid="replies"]',
          reply: 'article[data-testid="reply"]',
          reply_text: '[data-testid="tweetText"]',
          reply_permalink: '[data-testid="User-Name"] a:has(time)',
        },
        dm_inbox: {
          panel: '[data-testid="dm-inbox-panel"]',
          conversation: '[data-testid="conversation"]',
          last_message: '[data-testid="last-message"]',
        },
        dm_thread: {
          viewport: '[data-testid="DmActivityViewport"]',
          message: '[data-testid="messageEntry"]',
          // Every message carries a visually hidden sender label ("You sent" on our own: texts.own_message).
          sender: '[data-testid="messageEntry-sender"]',
          message_text: '[data-testid="tweetText"]',
          // Under a message being sent: "Sending…", then "Sent" once the page read the answer (texts.dm_sent).
          status: '[data-testid="dm-status"]',
          composer: '[data-testid="DmComposer"]',
          input: '[data-testid="dmComposerTextInput"]',
          send: '[data-testid="dmComposerSendButton"]',
        },
      },
      receipts: {
        publish: '[data-testid="postSentToast"]',
        publish_permalink: '[data-testid="postSentToast-link"]',
        // A reply sent from the conversation gets the same toast, its View link naming the reply.
        reply: '[data-testid="postSentToast"]',
        reply_permalink: '[data-testid="postSentToast-link"]',
      },
      texts: {
        // Per locale (English, Spanish): the lane matches these, never words of its own.
        own_message: ['You sent', 'Enviaste'],
        dm_sent: ['Sent', 'Enviado'],
        // Words of a toast that means the platform blocked the action (§8.4), matched within the toast.
        action_blocked: ['Action Blocked', 'We restrict certain activity', 'Try again later', 'Acción bloqueada', 'Restringimos determinadas actividades', 'Inténtalo más tarde'],
      },
      friction: {
        checkpoint: '[data-testid="accountAccess"]',
        toast: '[role="alert"][data-testid="toast"]:not([hidden])',
        error: '[data-testid="error-detail"]',
        login: '[data-testid="LoginForm_Login_Button"]',
      },
      dynamic_regions: [
        'time',
        '[data-testid="like-count"]',
        '[data-testid="reply-count"]',
        '[data-testid="followers"]',
        '[data-testid="following"]',
        '[data-testid="last-message"]',
        '[data-testid="SideNav_AccountSwitcher_Button"] img',
        '[data-testid^="UserAvatar-Container-"]',
        // Content, not layout: whose account, whose post, what was typed.
        '[data-testid="SideNav_AccountSwitcher_Handle"]',
        '[data-testid="SideNav_AccountSwitcher_Name"]',
        '[data-testid="AccountSwitcher_Select"]',
        '[data-testid="User-Name"]',
        '[data-testid="UserName"]',
        '[data-testid="UserDescription"]',
        '[data-testid="tweetText"]',
        '[data-testid="replies"]',
        '[data-testid="like"]',
        '[data-testid="unlike"]',
        '[data-testid="timeline"]',
        '[data-testid="DmActivityViewport"]',
        '[data-testid="DM_Conversation_Avatar"]',
        '[data-testid="dmComposerTextInput"]',
        '[data-testid="tweetTextarea_0"]',
        '[data-testid="error-detail"]',
      ],
    },
  },
}, 'selectors/x.ts');

/** Text of the toast that means the platform blocked the action (§8.4). */
export const X_BLOCKED_TOAST = /action blocked|restrict/i;
