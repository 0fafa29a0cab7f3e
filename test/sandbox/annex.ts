import type { Page } from '@playwright/test';

/**
 * Test-side selector annexes of the sandbox's layouts: what a flow module would carry for each
 * platform and layout version. Keys are the same everywhere; values differ per layout.
 */
export interface Annex {
  loginPath: string;
  sel: {
    loginUser: string; loginPass: string; loginSubmit: string;
    currentHandle: string; currentAvatar: string; switcherSelected: string;
    profileHandle: string; profileName: string; profileAvatar: string; follow: string;
    navCompose: string; mediaInput?: string; text: string; share: string; progress: string; receiptLink: string;
    postText: string; like: string; likeCount: string;
    commentInput?: string; commentSubmit?: string; commentText?: string;
    replyInput: string; replySubmit: string; replyText: string;
    navInbox: string; threadLink: string; dmInput: string; dmSend: string; dmReceipt: string;
    toast: string; checkpoint: string;
  };
  switchTo(page: Page, handle: string): Promise<void>;
  openReply(page: Page): Promise<void>;
  deletePost(page: Page): Promise<void>;
}

export const ANNEX: Record<'instagram' | 'x', Record<'v1' | 'v2', Annex>> = {
  instagram: {
    v1: {
      loginPath: '/accounts/login/',
      sel: {
        loginUser: 'input[name="username"]', loginPass: 'input[name="password"]', loginSubmit: '[data-testid="login-button"]',
        currentHandle: '[data-testid="current-handle"]', currentAvatar: '[data-testid="current-avatar"]', switcherSelected: '[data-testid="account-switcher"] option:checked',
        profileHandle: '[data-testid="profile-handle"]', profileName: '[data-testid="profile-name"]', profileAvatar: '[data-testid="profile-avatar"]', follow: '[data-testid="follow-button"]',
        navCompose: 'a[aria-label="New post"]', mediaInput: '[data-testid="media-input"]', text: '[data-testid="caption-input"]', share: '[data-testid="share-button"]',
        // Instagram's receipt names no post ("Your post has been shared."): the receipt itself.
        progress: '[data-testid="share-progress"]', receiptLink: '[data-testid="share-receipt"]',
        postText: '[data-testid="caption-text"]', like: '[data-testid="like-button"]', likeCount: '[data-testid="like-count"]',
        commentInput: '[data-testid="comment-input"]', commentSubmit: '[data-testid="comment-submit"]', commentText: '[data-testid="comment-text"]',
        replyInput: '[data-testid="reply-input"]', replySubmit: '[data-testid="reply-submit"]', replyText: '[data-testid="reply-text"]',
        navInbox: 'a[aria-label="Direct messaging"]', threadLink: '[data-testid="thread-link"]', dmInput: '[data-testid="message-input"]', dmSend: '[data-testid="send-button"]', dmReceipt: '[data-testid="message-status"]:text-is("Sent")',
        toast: '[data-testid="toast"]', checkpoint: '[data-testid="checkpoint"]',
      },
      switchTo: async (page, handle) => {
        await Promise.all([page.waitForURL(`**/${handle}/`), page.selectOption('[data-testid="account-switcher"]', { label: handle })]);
      },
      openReply: async () => undefined,
      deletePost: async (page) => {
        await page.click('[data-testid="post-options"]');
        await page.click('[data-testid="confirm-delete"]');
      },
    },
    v2: {
      loginPath: '/accounts/login/',
      sel: {
        loginUser: '[data-qa="signin-user"]', loginPass: '[data-qa="signin-pass"]', loginSubmit: '[data-qa="signin-go"]',
        currentHandle: '[data-qa="acct-username"]', currentAvatar: '[data-qa="acct-avatar"]', switcherSelected: '[data-qa="acct-menu"] [role="option"][aria-selected="true"]',
        profileHandle: '[data-qa="prof-username"]', profileName: '[data-qa="prof-fullname"]', profileAvatar: '[data-qa="prof-pic"]', follow: '[data-qa="prof-follow"]',
        navCompose: 'a[aria-label="Create"]', mediaInput: '[data-qa="cmp-file"]', text: '[data-qa="cmp-caption"]', share: '[data-qa="cmp-post"]',
        progress: '[data-qa="cmp-busy"]', receiptLink: '[data-qa="cmp-done"]',
        postText: '[data-qa="pst-caption"]', like: '[data-qa="pst-heart"]', likeCount: '[data-qa="pst-likes"]',
        commentInput: '[data-qa="pst-comment-input"]', commentSubmit: '[data-qa="pst-comment-send"]', commentText: '[data-qa="pst-comment-body"]',
        replyInput: '[data-qa="pst-reply-input"]', replySubmit: '[data-qa="pst-reply-send"]', replyText: '[data-qa="pst-subcomment-body"]',
        navInbox: 'a[aria-label="Messenger"]', threadLink: '[data-qa="dm-row"]', dmInput: '[data-qa="dm-input"]', dmSend: '[data-qa="dm-send"]', dmReceipt: '[data-qa="dm-bubble"]._me:has-text("Yes, open 9 to 2 on Sundays.")',
        toast: '[data-qa="toast"]', checkpoint: '[data-qa="challenge"]',
      },
      switchTo: async (page, handle) => {
        await page.click('[data-qa="acct-current"]');
        await Promise.all([page.waitForURL(`**/${handle}/`), page.locator('[data-qa="acct-option"]', { hasText: handle }).click()]);
      },
      openReply: async (page) => page.locator('[data-qa="pst-reply-toggle"]').first().click(),
      deletePost: async (page) => {
        await page.click('[data-qa="pst-menu"] summary');
        await page.click('[data-qa="pst-delete"]');
      },
    },
  },
  x: {
    v1: {
      loginPath: '/i/flow/login',
      sel: {
        loginUser: 'input[autocomplete="username"]', loginPass: 'input[name="password"]', loginSubmit: '[data-testid="LoginForm_Login_Button"]',
        currentHandle: '[data-testid="SideNav_AccountSwitcher_Handle"]', currentAvatar: '[data-testid="SideNav_AccountSwitcher_Button"] img', switcherSelected: '[data-testid="AccountSwitcher_Select"] option:checked',
        profileHandle: '[data-testid="UserName-handle"]', profileName: '[data-testid="UserName-display"]', profileAvatar: '[data-testid="UserProfileHeader_Items"] img', follow: '[data-testid$="-follow"], [data-testid$="-unfollow"]',
        navCompose: '[data-testid="SideNav_NewTweet_Button"]', text: '[data-testid="tweetTextarea_0"]', share: '[data-testid="tweetButton"]',
        progress: '[data-testid="progressBar"]', receiptLink: '[data-testid="postSentToast-link"]',
        postText: 'article[data-testid="tweet"] [data-testid="tweetText"]', like: '[data-testid="like"], [data-testid="unlike"]', likeCount: 'article[data-testid="tweet"] [data-testid="like-count"]',
        replyInput: '[data-testid="inlineReply"] [data-testid="tweetTextarea_0"]', replySubmit: '[data-testid="tweetButtonInline"]', replyText: 'article[data-testid="reply"] [data-testid="tweetText"]',
        navInbox: '[data-testid="AppTabBar_DirectMessage_Link"]', threadLink: '[data-testid="conversation"]', dmInput: '[data-testid="dmComposerTextInput"]', dmSend: '[data-testid="dmComposerSendButton"]', dmReceipt: '[data-testid="dm-status"]:text-is("Sent")',
        toast: '[data-testid="toast"]', checkpoint: '[data-testid="accountAccess"]',
      },
      switchTo: async (page, handle) => {
        await Promise.all([page.waitForURL(`**/${handle}`), page.selectOption('[data-testid="AccountSwitcher_Select"]', { label: `@${handle}` })]);
      },
      openReply: async () => undefined,
      deletePost: async (page) => {
        await page.click('[data-testid="caret"]');
        await page.click('[data-testid="confirmationSheetConfirm"]');
      },
    },
    v2: {
      loginPath: '/i/flow/login',
      sel: {
        loginUser: '[data-test="auth-user"]', loginPass: '[data-test="auth-pass"]', loginSubmit: '[data-test="auth-submit"]',
        currentHandle: '[data-test="who-handle"]', currentAvatar: '[data-test="who-avatar"]', switcherSelected: 'label:has([data-test="who-option"]:checked)',
        profileHandle: '[data-test="profile-at"]', profileName: '[data-test="profile-title"]', profileAvatar: '[data-test="profile-photo"]', follow: '[data-test="profile-follow"]',
        navCompose: '[data-test="go-compose"]', text: '[data-test="writer-text"]', share: '[data-test="writer-send"]',
        progress: '[data-test="writer-wait"]', receiptLink: '[data-test="writer-done-link"]',
        postText: '[data-test="focus-body"]', like: '[data-test="focus-heart"]', likeCount: '[data-test="focus-likes"]',
        replyInput: '[data-test="answer-text"]', replySubmit: '[data-test="answer-send"]', replyText: '[data-test="answer-body"]',
        navInbox: '[data-test="go-chat"]', threadLink: '[data-test="chat-row"]', dmInput: '[data-test="chat-input"]', dmSend: '[data-test="chat-send"]', dmReceipt: '[data-test="chat-line"].r-mine:has-text("Yes, open 9 to 2 on Sundays.")',
        toast: '[data-test="snack"]', checkpoint: '[data-test="verify"]',
      },
      switchTo: async (page, handle) => {
        await page.locator('label', { hasText: `@${handle}` }).locator('[data-test="who-option"]').check();
        await Promise.all([page.waitForURL(`**/${handle}`), page.click('[data-test="who-apply"]')]);
      },
      openReply: async () => undefined,
      deletePost: async (page) => {
        page.once('dialog', (d) => void d.accept());
        await page.click('[data-test="focus-remove"]');
      },
    },
  },
};

/** Logs in through the login surface of a layout. */
export async function login(page: Page, base: string, annex: Annex, handle: string, password: string): Promise<void> {
  await page.goto(`${base}${annex.loginPath}`);
  await page.fill(annex.sel.loginUser, handle);
  await page.fill(annex.sel.loginPass, password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith(annex.loginPath)), page.click(annex.sel.loginSubmit)]);
}
