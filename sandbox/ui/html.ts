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
  receiptLink: string;
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
  const link = $(${JSON.stringify(s.receiptLink)}), toast = $(${JSON.stringify(s.toast)});
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
      if (res.ok && out.ok) {
        form.reset();
        if (out.permalink) { link.href = out.permalink; receipt.hidden = false; }
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
