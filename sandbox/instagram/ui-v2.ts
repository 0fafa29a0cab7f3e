import { ago, composerScript, doc, dmText, esc } from '../ui/html.js';
import type { Layout, LayoutFactory, Viewer } from '../ui/layout.js';

const CSS = `body{margin:0;font:14px -apple-system,system-ui,sans-serif;color:#000;display:flex}
.x1sb{width:244px;min-height:100vh;border-right:1px solid #dbdbdb;padding:12px;box-sizing:border-box;display:flex;flex-direction:column;gap:10px}
.x1sb a{color:#000;text-decoration:none;padding:8px;border-radius:8px}.x1grow{flex:1}
.x9f6{flex:1;padding:24px;max-width:900px}.xav{width:24px;height:24px;border-radius:50%;vertical-align:middle}
.x1acct summary{list-style:none;cursor:pointer;display:flex;gap:8px;align-items:center}.x1acct ul{list-style:none;padding:0}
.x1acct button{background:none;border:0;padding:6px}.x1acct [aria-selected=true] button{font-weight:700}
._x7t{position:fixed;bottom:24px;left:50%;transform:translateX(-50%);background:#fff;border:1px solid #dbdbdb;box-shadow:0 4px 12px #0002;padding:12px 20px}
._pf{display:grid;grid-template-columns:auto 1fr;gap:28px;align-items:center}._pf img{width:96px;height:96px;border-radius:50%}
._gr{display:grid;grid-template-columns:repeat(4,1fr);gap:2px;margin-top:28px}._gr img{width:100%;aspect-ratio:4/5;object-fit:cover}
._pst{display:flex;flex-direction:column;max-width:470px;border:1px solid #dbdbdb;border-radius:4px}._pst>img{width:100%}
._bar{display:flex;justify-content:space-between;align-items:center;padding:8px}._cta{background:#4a5df9;color:#fff;border:0;border-radius:10px;padding:8px 18px}
._cta[disabled]{background:#b2bafb}._frm{display:flex;flex-direction:column;gap:8px;max-width:420px}._me{text-align:right;color:#4a5df9}`;

/** Instagram-like layout v2: left sidebar, <details> account menu at the bottom, data-qa hooks, obfuscated classes. */
export const instagramV2: LayoutFactory = (urls) => {
  const shell = (title: string, viewer: Viewer | undefined, main: string, notice?: string, script?: string) =>
    doc({
      title: `Instagram • ${title}`,
      css: CSS,
      script,
      body: `${viewer ? `<aside class="x1sb" role="navigation" aria-label="Sidebar">
<a href="${urls.home}" data-qa="sb-home"><strong>Instagram</strong></a>
<a href="${urls.compose}" aria-label="Create" data-qa="sb-create">⊕ Create</a>
<a href="${urls.inbox}" aria-label="Messenger" data-qa="sb-msgs">✉ Messages</a>
<div class="x1grow"></div>
<details class="x1acct" data-qa="acct-menu"><summary data-qa="acct-current"><img class="xav" data-qa="acct-avatar" src="${urls.avatar(viewer.me)}" alt="Profile photo"><span class="xun" data-qa="acct-username">${esc(viewer.me.handle)}</span></summary>
<ul role="listbox" aria-label="Accounts">${viewer.accounts
        .map((a) => `<li role="option" aria-selected="${a.id === viewer.me.id}"><form method="post" action="${urls.switchAccount}"><input type="hidden" name="account_id" value="${a.id}"><button data-qa="acct-option">${esc(a.handle)}</button></form></li>`)
        .join('')}</ul><a href="${urls.login()}" data-qa="acct-add">Log into an existing account</a>
<form method="post" action="${urls.logout}"><button data-qa="acct-logout">Log out ${esc(viewer.me.handle)}</button></form></details></aside>` : ''}
<div class="x9f6" data-churn="main">${main}</div><div class="_x7t" role="status" data-qa="toast"${notice ? '' : ' hidden'}>${esc(notice ?? '')}</div>`,
    });

  const layout: Layout = {
    version: 'v2',
    login: (m) =>
      shell('Log in', undefined, `<form class="_frm" method="post" action="${urls.login()}" data-qa="signin"><h2>Log into Instagram</h2>
<label>Username<input name="username" data-qa="signin-user" value="${esc(m.username ?? '')}"></label>
<label>Password<input name="password" type="password" data-qa="signin-pass"></label>
<input type="hidden" name="next" value="${esc(m.next)}"><button class="_cta" data-qa="signin-go">Log In</button>
${m.error ? `<div role="alert" data-qa="signin-err">${esc(m.error)}</div>` : ''}</form>`),
    challenge: (m) =>
      shell('Confirm it’s you', undefined, `<section data-qa="challenge"><h2>Confirm it's you</h2><p>We noticed unusual activity. Complete the security check to continue.</p>
<form method="post" class="_frm"><label><input type="checkbox" name="confirm" data-qa="challenge-check"> Security check</label>
<input type="hidden" name="next" value="${esc(m.next)}"><button class="_cta" data-qa="challenge-next">Next</button></form></section>`),
    error: (m) => shell('Error', m.viewer, `<section data-qa="err"><h2>Something's not right (${m.status})</h2><p>${esc(m.message)}</p></section>`),
    profile: (m) =>
      shell(`${m.account.display_name} (@${m.account.handle})`, m.viewer, `<section class="_pf" data-qa="prof">
<img data-qa="prof-pic" src="${urls.avatar(m.account)}" alt="Profile photo of ${esc(m.account.display_name)}">
<div><div class="_bar"><h1 class="_un" data-qa="prof-username">${esc(m.account.handle)}</h1>
${m.isSelf ? `<a href="${urls.profile(m.account)}" data-qa="prof-edit">Edit profile</a>` : `<a href="${urls.thread(m.account, m.viewer.me)}" data-qa="prof-dm">Send message</a>
<form method="post" action="${urls.follow(m.account)}"><button class="_cta" data-qa="prof-follow"${m.following ? '>✓ Following' : '>Follow'}</button></form>`}</div>
<div data-qa="prof-fullname">${esc(m.account.display_name)}</div><div data-churn="user">${esc(m.account.bio)}</div>
<div><b data-qa="prof-posts">${m.posts.length}</b> posts · <b data-qa="prof-followers">${m.followers}</b> followers · <b>${m.followingCount}</b> following</div></div></section>
<div class="_gr" data-qa="prof-grid">${m.posts
        .map((p) => `<a class="_tl" data-qa="prof-tile" href="${urls.post(p.post, p.author)}"><img src="${p.post.media ? urls.media(p.post.media) : ''}" alt="Photo by ${esc(p.author.handle)}"></a>`)
        .join('')}</div>`, m.notice),
    composer: (m) =>
      shell('New post', m.viewer, `<form class="_frm" data-qa="cmp"><div class="_bar"><h2>New post</h2><button class="_cta" data-qa="cmp-post">Post</button></div>
<div role="status" aria-busy="true" data-qa="cmp-busy" hidden>Uploading…</div>
<div data-qa="cmp-done" hidden>Post shared</div>
<textarea aria-label="Caption" placeholder="Add a caption" data-qa="cmp-caption" rows="3"></textarea>
<label>Drag photos and videos here, or <input type="file" accept="image/*" data-qa="cmp-file"></label></form>`, m.notice,
        composerScript(urls.compose, { form: '[data-qa="cmp"]', text: '[data-qa="cmp-caption"]', file: '[data-qa="cmp-file"]', button: '[data-qa="cmp-post"]', progress: '[data-qa="cmp-busy"]', receipt: '[data-qa="cmp-done"]', toast: '[data-qa="toast"]' }, m.shareStaysEnabled)),
    post: (m) => {
      const { post, author } = m.view;
      return shell(`Photo by ${author.display_name}`, m.viewer, `<div class="_pst" data-qa="pst">
<div class="_bar"><a href="${urls.profile(author)}" data-qa="pst-owner"><img class="xav" src="${urls.avatar(author)}" alt=""> ${esc(author.handle)}</a>
${m.isOwner ? `<details data-qa="pst-menu"><summary aria-label="Options">⋯</summary><form method="post" action="${urls.postAction(post, author, 'delete')}"><button data-qa="pst-delete">Delete</button></form></details>` : ''}</div>
<img data-qa="pst-img" src="${post.media ? urls.media(post.media) : ''}" alt="Photo by ${esc(author.handle)}">
<div class="_bar"><form method="post" action="${urls.postAction(post, author, 'like')}"><button data-qa="pst-heart" aria-label="Heart" aria-pressed="${m.view.liked}">${m.view.liked ? '❤️' : '🤍'}</button></form>
<span><b data-qa="pst-likes">${m.view.likeCount}</b> likes · ${ago(post.created_at)}</span></div>
<p data-qa="pst-caption">${esc(post.text)}</p>
<div data-qa="pst-comments">${m.comments
        .map((c) => `<div data-qa="pst-comment"><a href="${urls.profile(c.author)}" data-churn="user">${esc(c.author.handle)}</a> <span data-qa="pst-comment-body">${esc(c.comment.text)}</span> <a href="${urls.post(post, author)}c/${c.comment.id}/"><time datetime="${c.comment.created_at}">${ago(c.comment.created_at)}</time></a>
${c.replies.map((r) => `<div data-qa="pst-subcomment" style="margin-left:24px">${esc(r.author.handle)} <span data-qa="pst-subcomment-body">${esc(r.comment.text)}</span></div>`).join('')}
<details><summary data-qa="pst-reply-toggle">Reply</summary><form method="post" action="${urls.postAction(post, author, 'reply')}"><input type="hidden" name="parent_id" value="${c.comment.id}">
<input name="text" data-qa="pst-reply-input" placeholder="Reply…"><button data-qa="pst-reply-send">Send</button></form></details></div>`)
        .join('')}</div>
<form class="_bar" method="post" action="${urls.postAction(post, author, 'comment')}"><input name="text" aria-label="Comment" placeholder="Add a comment…" data-qa="pst-comment-input"><button data-qa="pst-comment-send">Send</button></form></div>`, m.notice);
    },
    inbox: (m) =>
      shell('Chats', m.viewer, `<h2>Chats</h2><div data-qa="dm-list">${m.threads
        .map((t) => `<a data-qa="dm-row" href="${urls.thread(t.peer, m.viewer.me)}" style="display:block;padding:8px"><img class="xav" src="${urls.avatar(t.peer)}" alt=""> ${esc(t.peer.display_name)} · <span data-qa="dm-row-last">${esc(dmText(t.last))}</span></a>`)
        .join('')}</div>`, m.notice),
    thread: (m) =>
      shell(`Chat with ${m.peer.display_name}`, m.viewer, `<h2 data-qa="dm-title">${esc(m.peer.display_name)} <small>@${esc(m.peer.handle)}</small></h2>
<div data-qa="dm-log">${m.messages
        .map((msg) => `<div data-qa="dm-bubble" class="${msg.from_id === m.viewer.me.id ? '_me' : '_them'}">${esc(dmText(msg))}</div>`)
        .join('')}</div>
<form class="_bar" method="post" action="${urls.thread(m.peer, m.viewer.me)}"><input name="text" aria-label="Message" data-qa="dm-input" placeholder="Message…" style="flex:1"><button class="_cta" data-qa="dm-send">Send</button></form>`, m.notice),
  };
  return layout;
};
