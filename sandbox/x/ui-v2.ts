import { ago, composerScript, doc, esc } from '../ui/html.js';
import type { Layout, LayoutFactory, PostView, Urls, Viewer } from '../ui/layout.js';

const CSS = `body{margin:0;font:15px "Segoe UI",system-ui,sans-serif;color:#111;background:#f7f9f9}
.r-top{display:flex;align-items:center;gap:14px;padding:10px 18px;background:#fff;border-bottom:1px solid #e1e8ed;position:sticky;top:0}
.r-top a{color:#111}.r-sp{flex:1}.r-col{max-width:640px;margin:0 auto;background:#fff;min-height:100vh}
.r-card{padding:14px 18px;border-bottom:1px solid #e1e8ed}.r-pill{border-radius:6px;border:1px solid #111;background:#fff;padding:6px 12px}
.r-go{border-radius:6px;border:0;background:#1a8cd8;color:#fff;padding:8px 14px}.r-go[disabled]{opacity:.5}
.r-av{width:32px;height:32px;border-radius:4px}.r-big{width:96px;height:96px;border-radius:8px}
.r-snack{background:#ffd400;color:#111;padding:10px 18px}.r-mine{background:#e8f5fd}textarea,input[type=text]{width:100%;box-sizing:border-box;font:inherit}`;

const card = (urls: Urls, v: PostView, kind: string) => `<div class="r-card" data-test="${kind}">
<a href="${urls.profile(v.author)}" data-test="${kind}-author"><img class="r-av" src="${urls.avatar(v.author)}" alt=""> ${esc(v.author.display_name)} @${esc(v.author.handle)}</a>
<p data-test="${kind}-body">${esc(v.post.text)}</p><a href="${urls.post(v.post, v.author)}" data-test="${kind}-link">${ago(v.post.created_at)}</a> · ❤ <span data-test="${kind}-likes">${v.likeCount}</span></div>`;

/** X-like layout v2: top bar, radio-button account picker with an apply button, data-test hooks. */
export const xV2: LayoutFactory = (urls) => {
  const shell = (title: string, viewer: Viewer | undefined, main: string, notice?: string, script?: string) =>
    doc({
      title: `X – ${title}`,
      css: CSS,
      script,
      body: `${viewer ? `<div class="r-top" data-test="topbar"><a href="${urls.home}" data-test="go-home">𝕏</a>
<a href="${urls.compose}" data-test="go-compose">Write</a><a href="${urls.inbox}" data-test="go-chat">Chat</a><span class="r-sp"></span>
<img class="r-av" data-test="who-avatar" src="${urls.avatar(viewer.me)}" alt="${esc(viewer.me.display_name)}"><b data-test="who-handle">@${esc(viewer.me.handle)}</b>
<form method="post" action="${urls.switchAccount}" data-test="who-form"><fieldset role="radiogroup" aria-label="Accounts" style="display:inline;border:0">${viewer.accounts
        .map((a) => `<label><input type="radio" name="account_id" value="${a.id}" data-test="who-option"${a.id === viewer.me.id ? ' checked' : ''}>@${esc(a.handle)}</label>`)
        .join(' ')}</fieldset><button class="r-pill" data-test="who-apply">Use account</button></form>
<a href="${urls.login()}" data-test="who-add">+</a><form method="post" action="${urls.logout}"><button class="r-pill" data-test="who-out">Sign out</button></form></div>` : ''}
${notice ? `<div class="r-snack" role="status" data-test="snack">${esc(notice)}</div>` : '<div class="r-snack" role="status" data-test="snack" hidden></div>'}
<div class="r-col" data-churn="main">${main}</div>`,
    });

  const layout: Layout = {
    version: 'v2',
    login: (m) =>
      shell('Sign in', undefined, `<form method="post" action="${urls.login()}" class="r-card" data-test="auth"><h2>Welcome back</h2>
<label>Username <input type="text" name="username" data-test="auth-user" value="${esc(m.username ?? '')}"></label>
<label>Password <input type="password" name="password" data-test="auth-pass"></label>
<input type="hidden" name="next" value="${esc(m.next)}"><button class="r-go" data-test="auth-submit">Continue</button>
${m.error ? `<p role="alert" data-test="auth-error">${esc(m.error)}</p>` : ''}</form>`),
    challenge: (m) =>
      shell('Verify', undefined, `<div class="r-card" data-test="verify"><h2>Help us keep X secure</h2><p>Solve the puzzle to continue.</p>
<form method="post"><label><input type="checkbox" name="confirm" data-test="verify-box"> I am human</label><input type="hidden" name="next" value="${esc(m.next)}">
<button class="r-go" data-test="verify-go">Verify</button></form></div>`),
    error: (m) => shell('Error', m.viewer, `<div class="r-card" data-test="oops"><h2>Oops (${m.status})</h2><p>${esc(m.message)}</p></div>`),
    profile: (m) =>
      shell(`@${m.account.handle}`, m.viewer, `<div class="r-card" data-test="profile">
<img class="r-big" data-test="profile-photo" src="${urls.avatar(m.account)}" alt="${esc(m.account.display_name)}">
<h2 data-test="profile-title">${esc(m.account.display_name)}</h2><div data-test="profile-at">@${esc(m.account.handle)}</div><p data-churn="user">${esc(m.account.bio)}</p>
<div>${m.followers} followers · ${m.followingCount} following</div>
${m.isSelf ? '<span data-test="profile-self">This is you</span>' : `<form method="post" action="${urls.follow(m.account)}" style="display:inline"><button class="r-go" data-test="profile-follow"${m.following ? '>Following ✓' : '>+ Follow'}</button></form>
<a class="r-pill" href="${urls.thread(m.account, m.viewer.me)}" data-test="profile-chat">Chat</a>`}</div>
<div data-test="feed">${m.posts.map((p) => card(urls, p, 'item')).join('')}</div>`, m.notice),
    composer: (m) =>
      shell('Write', m.viewer, `<form class="r-card" data-test="writer"><button class="r-go" data-test="writer-send">Publish</button>
<textarea data-test="writer-text" aria-label="Your post" rows="5"></textarea>
<div data-test="writer-wait" role="status" hidden>Sending…</div><div data-test="writer-done" hidden>Posted ✓ <a data-test="writer-done-link" href="#">See it</a></div></form>`, m.notice,
        composerScript(urls.compose, { form: '[data-test="writer"]', text: '[data-test="writer-text"]', button: '[data-test="writer-send"]', progress: '[data-test="writer-wait"]', receipt: '[data-test="writer-done"]', receiptLink: '[data-test="writer-done-link"]', permalinkBase: `${urls.profile(m.viewer.me)}/status/`, toast: '[data-test="snack"]' }, m.shareStaysEnabled)),
    post: (m) => {
      const { post, author } = m.view;
      return shell(`Post by @${author.handle}`, m.viewer, `<div class="r-card" data-test="focus">
<a href="${urls.profile(author)}" data-test="focus-author"><img class="r-av" src="${urls.avatar(author)}" alt=""> ${esc(author.display_name)} @${esc(author.handle)}</a>
<p data-test="focus-body">${esc(post.text)}</p><small>${ago(post.created_at)}</small>
<form method="post" action="${urls.postAction(post, author, 'like')}" style="display:inline"><button class="r-pill" data-test="focus-heart" aria-pressed="${m.view.liked}">${m.view.liked ? '♥ Liked' : '♡ Like'}</button></form>
<span data-test="focus-likes">${m.view.likeCount}</span>
${m.isOwner ? `<form method="post" action="${urls.postAction(post, author, 'delete')}" style="display:inline" onsubmit="return confirm('Delete this post?')"><button class="r-pill" data-test="focus-remove">Remove post</button></form>` : ''}</div>
<div data-test="thread">${m.replies.map((r) => card(urls, r, 'answer')).join('')}</div>
<form class="r-card" method="post" action="${urls.postAction(post, author, 'reply')}"><input type="text" name="text" data-test="answer-text" placeholder="Write an answer"><button class="r-go" data-test="answer-send">Answer</button></form>`, m.notice);
    },
    inbox: (m) =>
      shell('Chat', m.viewer, `<div data-test="chats">${m.threads
        .map((t) => `<a class="r-card" style="display:block" data-test="chat-row" href="${urls.thread(t.peer, m.viewer.me)}">@${esc(t.peer.handle)} — <span data-test="chat-last">${esc(t.last.text)}</span></a>`)
        .join('')}</div>`, m.notice),
    thread: (m) =>
      shell(`Chat with @${m.peer.handle}`, m.viewer, `<div class="r-card"><b data-test="chat-with">@${esc(m.peer.handle)}</b></div>
<div data-test="chat-log">${m.messages
        .map((msg) => `<div class="r-card ${msg.from_id === m.viewer.me.id ? 'r-mine' : ''}" data-test="chat-line">${esc(msg.text)}</div>`)
        .join('')}</div>
<form class="r-card" method="post" action="${urls.thread(m.peer, m.viewer.me)}"><input type="text" name="text" data-test="chat-input" aria-label="Chat message"><button class="r-go" data-test="chat-send">Send</button></form>`, m.notice),
  };
  return layout;
};
