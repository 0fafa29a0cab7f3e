import { ago, backgroundScript, composerScript, dialogScript, doc, dmText, esc } from '../ui/html.js';
import type { Layout, LayoutFactory, Viewer } from '../ui/layout.js';

const CSS = `body{margin:0;font:14px system-ui,sans-serif;background:#fafafa;color:#262626}
.ig-topnav{display:flex;gap:16px;align-items:center;padding:8px 20px;background:#fff;border-bottom:1px solid #dbdbdb}
.ig-logo{font:600 22px Georgia,serif;color:#262626;text-decoration:none;margin-right:auto}
.ig-switcher{display:flex;gap:6px;align-items:center}.ig-switcher img{width:28px;height:28px;border-radius:50%}
main{max-width:935px;margin:24px auto;padding:0 20px}.ig-toast{background:#262626;color:#fff;padding:10px 16px;margin:12px auto;max-width:600px;border-radius:8px}
.ig-profile-header{display:flex;gap:60px;padding:20px 0;border-bottom:1px solid #dbdbdb}.ig-profile-header img{width:150px;height:150px;border-radius:50%}
.ig-grid{display:grid;grid-template-columns:repeat(3,1fr);gap:4px;margin-top:20px}.ig-grid img{width:100%;aspect-ratio:1;object-fit:cover}
.ig-post{display:grid;grid-template-columns:1fr 340px;background:#fff;border:1px solid #dbdbdb}.ig-post-media{width:100%}
.ig-post aside{padding:12px}button{cursor:pointer}.ig-primary{background:#0095f6;color:#fff;border:0;border-radius:8px;padding:7px 16px;font-weight:600}
.ig-primary:disabled{opacity:.4}.ig-card{background:#fff;border:1px solid #dbdbdb;padding:24px;max-width:350px;margin:40px auto}
.ig-card input,.ig-card textarea{display:block;width:100%;box-sizing:border-box;margin:6px 0;padding:9px}.ig-msg-me{text-align:right}
.ig-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`;

/** The accessibility text Instagram generates for a grid tile: who and when, never the caption. */
export const tileAlt = (displayName: string, createdAt: string) =>
  `Photo by ${displayName} on ${new Date(createdAt).toLocaleDateString('en-US', { month: 'long', day: '2-digit', year: 'numeric', timeZone: 'UTC' })}. May be an image of text.`;

/** Instagram-like layout v1: top bar with a <select> switcher, data-testid hooks; actions in the background. */
export const instagramV1: LayoutFactory = (urls) => {
  const background = (viewer: Viewer) => backgroundScript({
    me: viewer.me.handle,
    afterDelete: urls.profile(viewer.me),
    toast: '[data-testid="toast"]',
    like: { button: '[data-testid="like-button"]', count: '[data-testid="like-count"]', on: '♥', off: '♡', onLabel: 'Unlike', offLabel: 'Like' },
    follow: { button: '[data-testid="follow-button"]', on: 'Following', off: 'Follow' },
    comment: { list: '[data-testid="comments"]', input: '[data-testid="comment-input"]', row: (a, t) => `<li data-testid="comment"><b data-testid="comment-author">${a}</b> <span data-testid="comment-text">${t}</span></li>` },
    reply: { list: '[data-testid="replies"]', input: '[data-testid="reply-input"]', row: (a, t) => `<li data-testid="reply"><b>${a}</b> <span data-testid="reply-text">${t}</span></li>` },
    message: {
      list: '[data-testid="message-list"]', input: '[data-testid="message-input"]', status: '[data-testid="message-status"]', sent: 'Sent', failed: 'Not delivered',
      row: (t) => `<li class="ig-msg-me" data-testid="message"><span class="ig-sr" data-testid="message-sender">You sent</span>${t} <small data-testid="message-status" role="status">Sending…</small></li>`,
    },
    failed: "Couldn't complete your request. Please try again.",
  });
  const withScripts = (...scripts: (string | undefined)[]) => scripts.filter(Boolean).join('\n');
  const shell = (title: string, viewer: Viewer | undefined, main: string, notice?: string, script?: string) =>
    doc({
      title: `${title} • Instagram`,
      css: CSS,
      script,
      body: `${viewer ? `<nav class="ig-topnav" data-testid="top-nav">
<a class="ig-logo" href="${urls.home}" aria-label="Instagram">Instagram</a>
<a href="${urls.compose}" aria-label="New post" data-testid="nav-new-post">＋ Create</a>
<a href="${urls.inbox}" aria-label="Direct messaging" data-testid="nav-direct">Messages</a>
<form class="ig-switcher" method="post" action="${urls.switchAccount}" data-testid="account-switcher-form">
<img data-testid="current-avatar" src="${urls.avatar(viewer.me)}" alt="${esc(viewer.me.handle)}'s profile picture">
<span data-testid="current-handle">${esc(viewer.me.handle)}</span>
<select name="account_id" aria-label="Switch accounts" data-testid="account-switcher" onchange="this.form.submit()">
${viewer.accounts.map((a) => `<option value="${a.id}"${a.id === viewer.me.id ? ' selected' : ''}>${esc(a.handle)}</option>`).join('')}
</select><a href="${urls.login()}" data-testid="add-account">Add account</a></form>
<form method="post" action="${urls.logout}"><button data-testid="logout-button">Log out</button></form></nav>` : ''}
<div class="ig-toast" role="alert" data-testid="toast"${notice ? '' : ' hidden'}>${esc(notice ?? '')}</div>
<main>${main}</main>`,
    });

  const layout: Layout = {
    version: 'v1',
    login: (m) =>
      shell('Login', undefined, `<div class="ig-card"><h1 class="ig-logo">Instagram</h1>
<form method="post" action="${urls.login()}" data-testid="login-form">
<input name="username" aria-label="Phone number, username, or email" autocomplete="username" value="${esc(m.username ?? '')}">
<input name="password" type="password" aria-label="Password" autocomplete="current-password">
<input type="hidden" name="next" value="${esc(m.next)}">
<button type="submit" class="ig-primary" data-testid="login-button">Log in</button></form>
${m.error ? `<p role="alert" data-testid="login-error">${esc(m.error)}</p>` : ''}</div>`),
    challenge: (m) =>
      shell('Checkpoint', undefined, `<div class="ig-card" data-testid="checkpoint"><h1>We suspect automated behavior on your account</h1>
<p>To protect your account, confirm that you are a person before continuing.</p>
<form method="post" data-testid="checkpoint-form"><label><input type="checkbox" name="confirm" data-testid="checkpoint-captcha"> I'm not a robot</label>
<input type="hidden" name="next" value="${esc(m.next)}"><button class="ig-primary" data-testid="checkpoint-continue">Continue</button></form></div>`),
    error: (m) => shell('Error', m.viewer, `<div class="ig-card" data-testid="error-page"><h1>${m.status}</h1><p>${esc(m.message)}</p></div>`),
    profile: (m) =>
      shell(`@${m.account.handle}`, m.viewer, `<header class="ig-profile-header" data-testid="profile-header">
<img data-testid="profile-avatar" src="${urls.avatar(m.account)}" alt="${esc(m.account.handle)}'s profile picture">
<section><h2 data-testid="profile-handle">${esc(m.account.handle)}</h2>
${m.isSelf ? `<a href="${urls.profile(m.account)}" data-testid="edit-profile">Edit profile</a>` : `<form method="post" action="${urls.follow(m.account)}" style="display:inline">
<button class="ig-primary" data-testid="follow-button" aria-pressed="${m.following}">${m.following ? 'Following' : 'Follow'}</button></form>
<a href="${urls.thread(m.account, m.viewer.me)}" data-testid="message-button">Message</a>`}
<ul data-churn="shuffle"><li><span data-testid="posts-count">${m.posts.length}</span> posts</li><li><span data-testid="followers-count">${m.followers}</span> followers</li><li><span data-testid="following-count">${m.followingCount}</span> following</li></ul>
<span data-testid="profile-name">${esc(m.account.display_name)}</span><p data-testid="profile-bio">${esc(m.account.bio)}</p></section></header>
<div class="ig-grid" data-testid="post-grid">${m.posts
        .map((p) => `<a data-testid="post-tile" href="${urls.post(p.post, p.author)}"><img src="${p.post.media ? urls.media(p.post.media) : ''}" alt="${esc(tileAlt(p.author.display_name, p.post.created_at))}"></a>`)
        .join('')}</div>`, m.notice, background(m.viewer)),
    composer: (m) =>
      shell('Create new post', m.viewer, `<div class="ig-card" data-testid="composer"><h1>Create new post</h1>
<form data-testid="composer-form">
<input type="file" accept="image/*" data-testid="media-input" aria-label="Select from computer">
<textarea name="text" aria-label="Write a caption..." data-testid="caption-input" rows="4"></textarea>
<button type="submit" class="ig-primary" data-testid="share-button">Share</button></form>
<div role="progressbar" data-testid="share-progress" hidden>Sharing…</div>
<div data-testid="share-receipt" role="status" hidden>Your post has been shared.</div></div>`, m.notice,
        composerScript(urls.compose, { form: '[data-testid="composer-form"]', text: '[data-testid="caption-input"]', file: '[data-testid="media-input"]', button: '[data-testid="share-button"]', progress: '[data-testid="share-progress"]', receipt: '[data-testid="share-receipt"]', toast: '[data-testid="toast"]' }, m.shareStaysEnabled)),
    post: (m) => {
      const { post, author } = m.view;
      return shell(`${author.handle} on Instagram`, m.viewer, `<article class="ig-post" data-testid="post">
<img class="ig-post-media" data-testid="post-media" src="${post.media ? urls.media(post.media) : ''}" alt="${esc(tileAlt(author.display_name, post.created_at))}">
<aside><header><a href="${urls.profile(author)}"><img data-testid="post-author-avatar" src="${urls.avatar(author)}" alt="" width="32"> <span data-testid="post-author">${esc(author.handle)}</span></a>
${m.isOwner ? `<button type="button" aria-label="More options" data-testid="post-options">…</button>
<dialog data-testid="delete-dialog"><p>Delete post?</p><p>Are you sure you want to delete this post?</p>
<form method="post" action="${urls.postAction(post, author, 'delete')}"><button class="ig-primary" data-testid="confirm-delete">Delete</button></form>
<button type="button" data-testid="cancel-delete">Cancel</button></dialog>` : ''}</header>
<div data-testid="post-caption"><b>${esc(author.handle)}</b> <span data-testid="caption-text">${esc(post.text)}</span></div>
<form method="post" action="${urls.postAction(post, author, 'like')}"><button type="submit" data-testid="like-button" aria-label="${m.view.liked ? 'Unlike' : 'Like'}" aria-pressed="${m.view.liked}">${m.view.liked ? '♥' : '♡'}</button></form>
<span data-testid="like-count">${m.view.likeCount} likes</span> · <time datetime="${post.created_at}">${ago(post.created_at)}</time>
<ul data-testid="comments">${m.comments
        .map((c) => `<li data-testid="comment"><b data-testid="comment-author">${esc(c.author.handle)}</b> <span data-testid="comment-text">${esc(c.comment.text)}</span>
<a href="${urls.post(post, author)}c/${c.comment.id}/"><time datetime="${c.comment.created_at}">${ago(c.comment.created_at)}</time></a>
<ul data-testid="replies">${c.replies.map((r) => `<li data-testid="reply"><b>${esc(r.author.handle)}</b> <span data-testid="reply-text">${esc(r.comment.text)}</span> <a href="${urls.post(post, author)}c/${r.comment.id}/"><time datetime="${r.comment.created_at}">${ago(r.comment.created_at)}</time></a></li>`).join('')}</ul>
<form method="post" action="${urls.postAction(post, author, 'reply')}" data-testid="reply-form"><input type="hidden" name="parent_id" value="${c.comment.id}">
<input name="text" aria-label="Reply to ${esc(c.author.handle)}…" data-testid="reply-input"><button data-testid="reply-submit">Reply</button></form></li>`)
        .join('')}</ul>
<form method="post" action="${urls.postAction(post, author, 'comment')}" data-testid="comment-form"><textarea name="text" aria-label="Add a comment…" data-testid="comment-input"></textarea>
<button data-testid="comment-submit">Post</button></form></aside></article>`, m.notice,
        withScripts(m.isOwner ? dialogScript('[data-testid="post-options"]', '[data-testid="delete-dialog"]', '[data-testid="cancel-delete"]') : undefined, background(m.viewer)));
    },
    inbox: (m) =>
      shell('Inbox', m.viewer, `<h1>Messages</h1><ul data-testid="thread-list">${m.threads
        .map((t) => `<li><a data-testid="thread-link" href="${urls.thread(t.peer, m.viewer.me)}"><img src="${urls.avatar(t.peer)}" alt="" width="40"> <b>${esc(t.peer.handle)}</b> <span data-testid="thread-preview">${esc(dmText(t.last))}</span></a></li>`)
        .join('')}</ul>`, m.notice),
    thread: (m) =>
      shell(`${m.peer.handle} • Direct`, m.viewer, `<div class="ig-card" style="max-width:600px"><header><img src="${urls.avatar(m.peer)}" alt="" width="40"> <b data-testid="thread-peer">${esc(m.peer.handle)}</b></header>
<ul data-testid="message-list">${m.messages
        .map((msg) => `<li class="${msg.from_id === m.viewer.me.id ? 'ig-msg-me' : ''}" data-testid="message"><span class="ig-sr" data-testid="message-sender">${msg.from_id === m.viewer.me.id ? 'You sent' : `${esc(m.peer.handle)} sent`}</span>${esc(dmText(msg))}</li>`)
        .join('')}</ul>
<form method="post" action="${urls.thread(m.peer, m.viewer.me)}" data-testid="message-form"><textarea name="text" aria-label="Message..." data-testid="message-input"></textarea>
<button class="ig-primary" data-testid="send-button">Send</button></form></div>`, m.notice, background(m.viewer)),
  };
  return layout;
};
