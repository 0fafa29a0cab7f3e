import { ago, backgroundScript, composerScript, dialogScript, doc, esc } from '../ui/html.js';
import type { Layout, LayoutFactory, PostView, Urls, Viewer } from '../ui/layout.js';

const CSS = `body{margin:0;font:15px system-ui,sans-serif;color:#0f1419;display:flex;justify-content:center}
header[role=banner]{width:260px;padding:12px;display:flex;flex-direction:column;gap:12px;border-right:1px solid #eff3f4;min-height:100vh;box-sizing:border-box}
header a{color:#0f1419;text-decoration:none;font-size:19px}main{width:600px;border-right:1px solid #eff3f4}
.sw{margin-top:auto;display:flex;flex-direction:column;gap:4px}.sw img{width:40px;height:40px;border-radius:50%}
article{padding:12px 16px;border-bottom:1px solid #eff3f4}.btn{background:#0f1419;color:#fff;border:0;border-radius:999px;padding:8px 16px;font-weight:700}
.btn:disabled{opacity:.5}textarea,input[type=text],input[name=username],input[name=password]{width:100%;box-sizing:border-box;font:inherit;padding:8px}
.toast{position:fixed;bottom:20px;background:#1d9bf0;color:#fff;padding:12px;border-radius:4px}.me{text-align:right}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}.av{width:134px;height:134px;border-radius:50%}`;

const tweet = (urls: Urls, v: PostView, testid: string) => `<article data-testid="${testid}">
<div data-testid="User-Name"><a href="${urls.profile(v.author)}">${esc(v.author.display_name)} <span>@${esc(v.author.handle)}</span></a> · <a href="${urls.post(v.post, v.author)}"><time datetime="${v.post.created_at}">${ago(v.post.created_at)}</time></a></div>
<div data-testid="tweetText">${esc(v.post.text)}</div>
<div role="group"><span data-testid="reply-count">${v.replyCount}</span> replies · <span data-testid="like-count">${v.likeCount}</span> likes</div></article>`;

/** X-like layout v1: left banner nav with account switcher, the data-testid names x.com uses. */
export const xV1: LayoutFactory = (urls) => {
  const permalinkBase = (viewer: Viewer) => `${urls.profile(viewer.me)}/status/`;
  const sentToast = '<div data-testid="postSentToast" role="status" hidden>Your post was sent. <a data-testid="postSentToast-link" href="#">View</a></div>';
  const background = (viewer: Viewer) => backgroundScript({
    me: viewer.me.handle,
    afterDelete: urls.profile(viewer.me),
    toast: '[data-testid="toast"]',
    like: { button: '[data-testid="like"], [data-testid="unlike"]', count: '[data-testid="like-count"]', on: '♥', off: '♡', onLabel: 'Liked', offLabel: 'Like', testIds: { on: 'unlike', off: 'like' } },
    follow: { button: 'button[data-testid$="follow"]', on: 'Following', off: 'Follow', testIds: { on: '-unfollow', off: '-follow' } },
    reply: { list: '[data-testid="replies"]', input: '[data-testid="tweetTextarea_0"]', row: (a, t) => `<article data-testid="reply"><div data-testid="User-Name">@${a}</div><div data-testid="tweetText">${t}</div></article>` },
    replyReceipt: { receipt: '[data-testid="postSentToast"]', link: '[data-testid="postSentToast-link"]', permalinkBase: permalinkBase(viewer) },
    message: {
      list: '[data-testid="DmActivityViewport"]', input: '[data-testid="dmComposerTextInput"]', status: '[data-testid="dm-status"]', sent: 'Sent', failed: 'Failed to send',
      row: (t) => `<div data-testid="messageEntry" class="me" style="padding:6px 16px"><span class="sr" data-testid="messageEntry-sender">You sent</span><span data-testid="tweetText">${t}</span> <small data-testid="dm-status" role="status">Sending…</small></div>`,
    },
    messagePath: '^/messages/[^/]+$',
    failed: 'Something went wrong, but don’t fret — let’s give it another shot.',
  });
  const shell = (title: string, viewer: Viewer | undefined, main: string, notice?: string, script?: string) =>
    doc({
      title: `${title} / X`,
      css: CSS,
      script,
      body: `${viewer ? `<header role="banner"><nav aria-label="Primary" role="navigation">
<a href="${urls.home}" data-testid="AppTabBar_Home_Link" aria-label="Home">𝕏 Home</a>
<a href="${urls.inbox}" data-testid="AppTabBar_DirectMessage_Link" aria-label="Direct Messages">Messages</a>
<a href="${urls.compose}" data-testid="SideNav_NewTweet_Button" aria-label="Post">Post</a></nav>
<div class="sw" data-testid="SideNav_AccountSwitcher_Button" aria-label="Account menu">
<img data-testid="UserAvatar-Container-${esc(viewer.me.handle)}" src="${urls.avatar(viewer.me)}" alt="">
<span data-testid="SideNav_AccountSwitcher_Name">${esc(viewer.me.display_name)}</span><span data-testid="SideNav_AccountSwitcher_Handle">@${esc(viewer.me.handle)}</span>
<form method="post" action="${urls.switchAccount}"><select name="account_id" aria-label="Switch account" data-testid="AccountSwitcher_Select" onchange="this.form.submit()">
${viewer.accounts.map((a) => `<option value="${a.id}"${a.id === viewer.me.id ? ' selected' : ''}>@${esc(a.handle)}</option>`).join('')}</select></form>
<a href="${urls.login()}" data-testid="AccountSwitcher_AddAccount_Button">Add an existing account</a>
<form method="post" action="${urls.logout}"><button data-testid="AccountSwitcher_Logout_Button">Log out @${esc(viewer.me.handle)}</button></form></div></header>` : ''}
<main role="main" data-testid="primaryColumn">${main}</main><div class="toast" role="alert" data-testid="toast"${notice ? '' : ' hidden'}>${esc(notice ?? '')}</div>`,
    });

  const layout: Layout = {
    version: 'v1',
    login: (m) =>
      shell('Log in', undefined, `<form method="post" action="${urls.login()}" style="padding:32px"><h1>Sign in to X</h1>
<input name="username" autocomplete="username" aria-label="Phone, email, or username" data-testid="ocfEnterTextTextInput" value="${esc(m.username ?? '')}">
<input name="password" type="password" autocomplete="current-password" aria-label="Password">
<input type="hidden" name="next" value="${esc(m.next)}"><button class="btn" data-testid="LoginForm_Login_Button">Log in</button>
${m.error ? `<div role="alert" data-testid="LoginForm_Error">${esc(m.error)}</div>` : ''}</form>`),
    challenge: (m) =>
      shell('Account access', undefined, `<section data-testid="accountAccess" style="padding:32px"><h1>Your account has been locked</h1>
<p>We’ve detected some unusual activity. Pass an Arkose challenge to unlock your account.</p>
<form method="post"><label><input type="checkbox" name="confirm" data-testid="arkoseCheckbox"> Verify I am human</label>
<input type="hidden" name="next" value="${esc(m.next)}"><button class="btn" data-testid="accountAccessContinue">Continue to X</button></form></section>`),
    error: (m) => shell('Error', m.viewer, `<div data-testid="error-detail" style="padding:32px"><h1>${m.status === 429 ? 'Rate limit exceeded' : 'Something went wrong'}</h1><p>${esc(m.message)}</p></div>`),
    profile: (m) =>
      shell(`${m.account.display_name} (@${m.account.handle})`, m.viewer, `<div data-testid="UserProfileHeader_Items" style="padding:16px">
<img class="av" data-testid="UserAvatar-Container-${esc(m.account.handle)}" src="${urls.avatar(m.account)}" alt="Opens profile photo">
${m.isSelf ? `<a href="${urls.profile(m.account)}" data-testid="editProfileButton">Edit profile</a>` : `<a href="${urls.thread(m.account, m.viewer.me)}" data-testid="sendDMFromProfile" aria-label="Message">✉</a>
<form method="post" action="${urls.follow(m.account)}" style="display:inline"><button class="btn" data-testid="${m.account.id}-${m.following ? 'unfollow' : 'follow'}">${m.following ? 'Following' : 'Follow'}</button></form>`}
<div data-testid="UserName"><span data-testid="UserName-display">${esc(m.account.display_name)}</span> <span data-testid="UserName-handle">@${esc(m.account.handle)}</span></div>
<div data-testid="UserDescription">${esc(m.account.bio)}</div>
<a data-testid="following"><b>${m.followingCount}</b> Following</a> <a data-testid="followers"><b>${m.followers}</b> Followers</a></div>
<section aria-label="Timeline: ${esc(m.account.display_name)}’s posts" data-testid="timeline">${m.posts.map((p) => tweet(urls, p, 'tweet')).join('')}</section>`, m.notice, background(m.viewer)),
    composer: (m) =>
      shell('Post', m.viewer, `<form data-testid="tweetComposer" style="padding:16px">
<textarea data-testid="tweetTextarea_0" aria-label="Post text" placeholder="What is happening?!" rows="4"></textarea>
<button class="btn" data-testid="tweetButton">Post</button>
<div role="progressbar" data-testid="progressBar" hidden>Posting…</div></form>
${sentToast}`, m.notice,
        composerScript(urls.compose, { form: '[data-testid="tweetComposer"]', text: '[data-testid="tweetTextarea_0"]', button: '[data-testid="tweetButton"]', progress: '[data-testid="progressBar"]', receipt: '[data-testid="postSentToast"]', receiptLink: '[data-testid="postSentToast-link"]', permalinkBase: permalinkBase(m.viewer), toast: '[data-testid="toast"]' }, m.shareStaysEnabled)),
    post: (m) => {
      const { post, author } = m.view;
      return shell(`${author.display_name} on X: "${post.text.slice(0, 40)}"`, m.viewer, `<article data-testid="tweet" tabindex="-1">
<div data-testid="User-Name"><a href="${urls.profile(author)}"><img src="${urls.avatar(author)}" alt="" width="40"> ${esc(author.display_name)} <span>@${esc(author.handle)}</span></a>
${m.isOwner ? `<button type="button" data-testid="caret" aria-label="More">⋯</button>` : ''}</div>
<div data-testid="tweetText" lang="en">${esc(post.text)}</div><time datetime="${post.created_at}">${ago(post.created_at)}</time>
<div role="group"><form method="post" action="${urls.postAction(post, author, 'like')}" style="display:inline"><button data-testid="${m.view.liked ? 'unlike' : 'like'}" aria-label="${m.view.likeCount} Likes. ${m.view.liked ? 'Liked' : 'Like'}">${m.view.liked ? '♥' : '♡'}</button></form>
<span data-testid="like-count">${m.view.likeCount}</span></div></article>
${m.isOwner ? `<dialog data-testid="confirmationSheetDialog"><h2>Delete post?</h2><p>This can’t be undone and it will be removed from your profile.</p>
<form method="post" action="${urls.postAction(post, author, 'delete')}"><button class="btn" data-testid="confirmationSheetConfirm">Delete</button></form>
<button type="button" data-testid="confirmationSheetCancel">Cancel</button></dialog>` : ''}
<form method="post" action="${urls.postAction(post, author, 'reply')}" style="padding:16px" data-testid="inlineReply">
<textarea name="text" data-testid="tweetTextarea_0" aria-label="Post text" placeholder="Post your reply"></textarea><button class="btn" data-testid="tweetButtonInline">Reply</button></form>
<section aria-label="Conversation" data-testid="replies">${m.replies.map((r) => tweet(urls, r, 'reply')).join('')}</section>${sentToast}`, m.notice,
        [m.isOwner ? dialogScript('[data-testid="caret"]', '[data-testid="confirmationSheetDialog"]', '[data-testid="confirmationSheetCancel"]') : '', background(m.viewer)].join('\n'));
    },
    inbox: (m) =>
      shell('Messages', m.viewer, `<h2 style="padding:16px">Messages</h2><section data-testid="dm-inbox-panel">${m.threads
        .map((t) => `<a data-testid="conversation" href="${urls.thread(t.peer, m.viewer.me)}" style="display:block;padding:12px 16px"><b>${esc(t.peer.display_name)}</b> @${esc(t.peer.handle)} · <span data-testid="last-message">${esc(t.last.text)}</span></a>`)
        .join('')}</section>`, m.notice),
    thread: (m) =>
      shell(`${m.peer.display_name} / Messages`, m.viewer, `<h2 style="padding:16px" data-testid="DM_Conversation_Avatar">${esc(m.peer.display_name)} <small>@${esc(m.peer.handle)}</small></h2>
<div data-testid="DmActivityViewport">${m.messages
        .map((msg) => `<div data-testid="messageEntry" class="${msg.from_id === m.viewer.me.id ? 'me' : ''}" style="padding:6px 16px"><span class="sr" data-testid="messageEntry-sender">${msg.from_id === m.viewer.me.id ? 'You sent' : `@${esc(m.peer.handle)} sent`}</span><span data-testid="tweetText">${esc(msg.text)}</span></div>`)
        .join('')}</div>
<form method="post" action="${urls.thread(m.peer, m.viewer.me)}" style="padding:16px" data-testid="DmComposer"><textarea name="text" data-testid="dmComposerTextInput" aria-label="Start a new message"></textarea>
<button class="btn" data-testid="dmComposerSendButton" aria-label="Send">Send</button></form>`, m.notice, background(m.viewer)),
  };
  return layout;
};
