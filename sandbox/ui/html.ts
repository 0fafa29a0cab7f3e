/** Escapes text for HTML bodies and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A complete HTML document. */
/** A DM's text as a thread shows it; an attachment-only message shows what it carries ("[image]"), as the app's "sent an attachment". */
export function dmText(m: { text: string; attachments?: { type: string }[] }): string {
  return m.text || (m.attachments ?? []).map((a) => `[${a.type}]`).join(' ');
}

export function doc(p: { title: string; css: string; body: string; script?: string; bodyClass?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title><style>${p.css}</style></head>
<body${p.bodyClass ? ` class="${esc(p.bodyClass)}"` : ''}>${p.body}${p.script ? `<script>${p.script}</script>` : ''}</body></html>`;
}

/** Relative time as platforms show it ("3m", "2h", "5d"). */
export function ago(iso: string): string {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Selectors the shared composer script drives; each layout names its own. */
export interface ComposerSelectors {
  form: string;
  text: string;
  file?: string;
  button: string;
  progress: string;
  receipt: string;
  /** The receipt's link to the new post, for platforms whose receipt has one. */
  receiptLink?: string;
  /**
   * X's web composer answers its GraphQL `CreateTweet` shape (`data.create_tweet.tweet_results.result.rest_id`);
   * the receipt links to this prefix + the id. The page reads it; a flow never does.
   */
  permalinkBase?: string;
  toast: string;
}

/**
 * The composer's client script: disables the share button while sending (unless the
 * share_stays_enabled fault is on), shows progress, then a receipt linking to the permalink.
 */
export function composerScript(endpoint: string, s: ComposerSelectors, stayEnabled: boolean): string {
  return `(() => {
  const $ = (q) => document.querySelector(q);
  const form = $(${JSON.stringify(s.form)}), button = $(${JSON.stringify(s.button)});
  const progress = $(${JSON.stringify(s.progress)}), receipt = $(${JSON.stringify(s.receipt)});
  const link = ${s.receiptLink ? `$(${JSON.stringify(s.receiptLink)})` : 'null'}, toast = $(${JSON.stringify(s.toast)});
  const stay = ${stayEnabled ? 'true' : 'false'};
  const say = (text) => { toast.textContent = text; toast.hidden = false; };
  const readFile = (file) => new Promise((ok, ko) => { const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = () => ko(r.error); r.readAsDataURL(file); });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!stay) button.disabled = true;
    toast.hidden = true; receipt.hidden = true; progress.hidden = false;
    try {
      const body = { text: $(${JSON.stringify(s.text)}).value };
      ${s.file ? `const file = $(${JSON.stringify(s.file)}).files[0];
      if (!file) { say('Select a photo to share.'); return; }
      body.image = await readFile(file);` : ''}
      const res = await fetch(${JSON.stringify(endpoint)}, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
      const out = await res.json().catch(() => ({}));
      if (out.location) { location.href = out.location; return; }
      if (res.ok && (out.ok || out.status === 'ok' || (out.data && !out.errors))) {
        form.reset();
        // Instagram's "Your post has been shared." names no post; X's toast links to it.
        const id = out.data && out.data.create_tweet && out.data.create_tweet.tweet_results && out.data.create_tweet.tweet_results.result && out.data.create_tweet.tweet_results.result.rest_id;
        const permalink = out.permalink || (id ? ${JSON.stringify(s.permalinkBase ?? '')} + id : '');
        if (permalink && link) link.href = permalink;
        if (permalink || !link) receipt.hidden = false;
      } else {
        say(out.message || 'Something went wrong. Please try again.');
      }
    } catch (error) {
      say("Couldn't share. Check your connection and try again.");
    } finally {
      progress.hidden = true;
      if (!stay) button.disabled = false;
    }
  });
})();`;
}

/** Opens a <dialog> when its trigger is clicked (delete confirmations). */
export function dialogScript(trigger: string, dialog: string, cancel: string): string {
  return `(() => { const d = document.querySelector(${JSON.stringify(dialog)}); const t = document.querySelector(${JSON.stringify(trigger)});
  if (t && d) { t.addEventListener('click', () => d.showModal()); const c = document.querySelector(${JSON.stringify(cancel)}); if (c) c.addEventListener('click', () => d.close()); } })();`;
}

/** What the background-action script needs of a layout: where to put optimistic rows and what to say. */
export interface BackgroundUi {
  /** The logged-in account's handle (an optimistic comment or message is shown as theirs). */
  me: string;
  /** Where a deleted post's page goes once the platform confirms it (the profile). */
  afterDelete: string;
  toast: string;
  /**
   * A toggle's state: `aria-pressed` (Instagram), or the suffix of its data-testid (X: `like` →
   * `unlike`, `…-follow` → `…-unfollow`), which the script swaps.
   */
  like: { button: string; count: string; on: string; off: string; onLabel: string; offLabel: string; testIds?: { on: string; off: string } };
  follow: { button: string; on: string; off: string; testIds?: { on: string; off: string } };
  comment?: { list: string; row: (author: string, text: string) => string; input: string };
  reply: { list: string; row: (author: string, text: string) => string; input: string };
  /**
   * Where a reply's answer is shown when the platform names the new post (X: "Your post was
   * sent." with a View link to `permalinkBase` + the id of its GraphQL answer).
   */
  replyReceipt?: { receipt: string; link: string; permalinkBase: string };
  message: { list: string; row: (text: string) => string; input: string; status: string; sent: string; failed: string };
  /** A conversation's path (a regular expression's source): a form posted there sends a message. @default `/direct/t/` */
  messagePath?: string;
  failed: string;
}

/**
 * The real sites act in the background: a click updates the screen at once (optimistic UI) and
 * sends the request; the server's answer confirms it, or the screen is put back and a toast
 * says why. So what the page shows right after a click proves nothing about the platform: a
 * heart turned red may never have reached it, and a 200 the page never read leaves a message
 * "Sending…". Forms still post normally without scripts.
 */
export function backgroundScript(u: BackgroundUi): string {
  const rowFn = (f: (a: string, b: string) => string) => `(a, b) => ${JSON.stringify(f('\u0001', '\u0002'))}.replace('\u0001', esc(a)).replace('\u0002', esc(b))`;
  return `(() => {
  const $ = (q, root = document) => root.querySelector(q);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const toast = (text) => { const t = $(${JSON.stringify(u.toast)}); if (t) { t.textContent = text; t.hidden = false; } };
  const commentRow = ${u.comment ? rowFn(u.comment.row) : '() => ""'}, replyRow = ${rowFn(u.reply.row)};
  // A toggle's state, read and set where the platform keeps it.
  const toggle = (b, ids) => ids
    ? { get: () => (b.getAttribute('data-testid') || '').endsWith(ids.on),
        set: (on) => { const cur = b.getAttribute('data-testid') || ''; const base = cur.endsWith(ids.on) ? cur.slice(0, -ids.on.length) : cur.endsWith(ids.off) ? cur.slice(0, -ids.off.length) : cur; b.setAttribute('data-testid', base + (on ? ids.on : ids.off)); } }
    : { get: () => b.getAttribute('aria-pressed') === 'true', set: (on) => b.setAttribute('aria-pressed', String(on)) };
  const messageRow = (t) => ${JSON.stringify(u.message.row('\u0001'))}.replace('\u0001', esc(t));
  const html = (s) => { const d = document.createElement('template'); d.innerHTML = s.trim(); return d.content.firstElementChild; };
  async function send(form, body) {
    const res = await fetch(form.action, { method: 'POST', body, headers: { accept: 'application/json' }, credentials: 'same-origin' });
    const out = await res.json().catch(() => undefined);
    if (out && out.location) { location.href = out.location; return { stop: true }; }
    const ok = res.ok && out !== undefined && (out.status === 'ok' || (out.data !== undefined && !out.errors));
    const r = out && out.data && out.data.create_tweet && out.data.create_tweet.tweet_results && out.data.create_tweet.tweet_results.result;
    return { ok, read: out !== undefined, message: out && (out.message || (out.errors && out.errors[0] && out.errors[0].message)), id: r && r.rest_id };
  }
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    const path = new URL(form.action, location.href).pathname;
    const kind = /\\/like$/.test(path) ? 'like' : /\\/follow$/.test(path) ? 'follow' : /\\/comment$/.test(path) ? 'comment' : /\\/reply$/.test(path) ? 'reply' : /\\/delete$/.test(path) ? 'delete' : new RegExp(${JSON.stringify(u.messagePath ?? '/direct/t/')}).test(path) ? 'message' : '';
    if (!kind) return;
    event.preventDefault();
    // What the form says, read before the screen changes (the optimistic update clears inputs).
    const body = new URLSearchParams(new FormData(form));
    let undo = () => {};
    let done = () => {};
    if (kind === 'like') {
      const b = $(${JSON.stringify(u.like.button)}, form), t = toggle(b, ${JSON.stringify(u.like.testIds ?? null)}), was = t.get();
      const count = $(${JSON.stringify(u.like.count)});
      const set = (on) => { t.set(on); b.setAttribute('aria-label', on ? ${JSON.stringify(u.like.onLabel)} : ${JSON.stringify(u.like.offLabel)}); b.textContent = on ? ${JSON.stringify(u.like.on)} : ${JSON.stringify(u.like.off)};
        if (count) count.textContent = count.textContent.replace(/^\\d+/, (n) => String(Math.max(0, Number(n) + (on ? 1 : -1)))); };
      set(!was); undo = () => set(was);
    } else if (kind === 'follow') {
      const b = $(${JSON.stringify(u.follow.button)}, form), t = toggle(b, ${JSON.stringify(u.follow.testIds ?? null)}), was = t.get();
      const set = (on) => { t.set(on); b.textContent = on ? ${JSON.stringify(u.follow.on)} : ${JSON.stringify(u.follow.off)}; };
      set(!was); undo = () => set(was);
    } else if (kind === 'comment' || kind === 'reply') {
      const spec = kind === 'comment' ? ${JSON.stringify(u.comment ? { list: u.comment.list, input: u.comment.input } : { list: '', input: '' })} : ${JSON.stringify({ list: u.reply.list, input: u.reply.input })};
      const input = $(spec.input, form), text = input.value;
      const list = kind === 'comment' ? $(spec.list) : form.parentElement.querySelector(spec.list);
      const row = html((kind === 'comment' ? commentRow : replyRow)(${JSON.stringify(u.me)}, text));
      if (list && row) list.appendChild(row);
      input.value = '';
      undo = () => { row && row.remove(); input.value = text; };
    } else if (kind === 'message') {
      const input = $(${JSON.stringify(u.message.input)}, form), text = input.value;
      const row = html(messageRow(text)), list = $(${JSON.stringify(u.message.list)});
      if (list && row) list.appendChild(row);
      input.value = '';
      const status = row && $(${JSON.stringify(u.message.status)}, row);
      done = () => { if (status) status.textContent = ${JSON.stringify(u.message.sent)}; };
      undo = () => { if (status) status.textContent = ${JSON.stringify(u.message.failed)}; };
    }
    try {
      const r = await send(form, body);
      if (r.stop) return;
      if (r.ok) {
        if (kind === 'delete') { location.href = ${JSON.stringify(u.afterDelete)}; return; }
        done();
        const rr = ${JSON.stringify(u.replyReceipt ?? null)};
        if (kind === 'reply' && rr && r.id) { const box = $(rr.receipt), a = $(rr.link); if (a) a.href = rr.permalinkBase + r.id; if (box) box.hidden = false; }
        return;
      }
      // Answered 200 with nothing readable: the screen stays as it is (no confirmation, no undo).
      if (!r.read && kind === 'message') return;
      undo();
      toast(r.message || ${JSON.stringify(u.failed)});
    } catch {
      undo();
      toast(${JSON.stringify(u.failed)});
    }
  }, true);
})();`;
}
