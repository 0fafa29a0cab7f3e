import { PlatformRefusalError } from '../../safety/index.js';
import { clickAndWaitForLoad, goto, sel } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { absent, field, inconclusive, on, present } from './common.js';

/** The recipient's account id: given, or read from the Message link of their profile. */
async function peerId(fc: FlowContext): Promise<string> {
  const recipient = field(fc, 'recipient').trim().replace(/^@/, '');
  if (/^\d+$/.test(recipient)) return recipient;
  if (!/^[A-Za-z0-9._]+$/.test(recipient)) throw new PlatformRefusalError('payload.recipient is not an instagram account id or handle');
  await goto(fc, 'profile', { handle: recipient }, { surface: 'profile' });
  const href = await fc.page.locator(sel(fc, 'profile', 'message')).first().getAttribute('href', { timeout: 5000 }).catch(() => null);
  const id = href ? /\/direct\/t\/([^/]+)\//.exec(href)?.[1] : undefined;
  if (!id) throw new PlatformRefusalError('the recipient has no Message button');
  return id;
}

/** Opens the thread; whether it loaded (input visible) and the ids of our own messages with exactly this text. */
async function readThread(fc: FlowContext, peer: string): Promise<{ loaded: boolean; ids: string[]; permalink: string }> {
  await goto(fc, 'thread', { id: peer }, { surface: 'dm_thread', allowErrorPage: true });
  const permalink = fc.page.url().split('?')[0]!;
  const loaded = await fc.page.locator(sel(fc, 'dm_thread', 'input')).isVisible();
  if (!loaded) return { loaded, ids: [], permalink };
  const text = field(fc, 'text');
  const ids = await fc.page.locator(`${sel(fc, 'dm_thread', 'message')}[data-from="me"]`).evaluateAll((els, text) =>
    els.filter((el) => Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim() === text.trim())
      .map((el) => el.getAttribute('data-message-id') ?? ''), text);
  return { loaded, ids, permalink };
}

/** Instagram DM: the message in the thread with the recipient, sent once; the "Sent" receipt read back. */
export const instagramDmSend: Flow = {
  platform: 'instagram',
  action_type: 'dm_send',

  async precheck(fc) {
    const t = await readThread(fc, await peerId(fc));
    if (!t.loaded) throw new PlatformRefusalError('the conversation is not available');
    return t.ids.length ? { exists: true, ref: { platform_object_id: t.ids.at(-1)!, permalink: t.permalink }, level: 3 } : { exists: false };
  },

  steps: [
    {
      name: 'open_thread',
      async run(fc) {
        const t = await readThread(fc, await peerId(fc));
        if (!t.loaded) throw new PlatformRefusalError('the conversation is not available');
      },
    },
    {
      name: 'write_message',
      async run(fc) {
        await fc.page.fill(sel(fc, 'dm_thread', 'input'), field(fc, 'text'));
      },
    },
    {
      name: 'send',
      async run(fc) {
        await fc.episode.beforeCommit();
        await clickAndWaitForLoad(fc, fc.page.locator(sel(fc, 'dm_thread', 'send')));
        const receipt = fc.page.locator(fc.layout.annex.receipts.dm_send!);
        if (await receipt.first().isVisible()) {
          const id = await receipt.first().evaluate((el) => el.closest('[data-message-id]')?.getAttribute('data-message-id') ?? '');
          if (id) fc.receipt.platform_object_id = id;
          fc.receipt.permalink = fc.page.url().split('?')[0]!;
        }
      },
    },
  ],

  /**
   * The thread is read for our message with this text: a content match (the same words may have
   * been sent before; the page a real client shows carries no message id), so it finds a message
   * but never proves one absent.
   */
  async verify(fc, receipt) {
    const t = await readThread(fc, await peerId(fc));
    if (!t.loaded) return inconclusive('thread');
    if (!t.ids.length) return absent('thread', false);
    const id = receipt?.platform_object_id && t.ids.includes(receipt.platform_object_id) ? receipt.platform_object_id : t.ids.at(-1)!;
    return on(present({ id, permalink: t.permalink, engagement: true }), 'thread', false);
  },

  // Never provable on the browser lane (content matches only): an ambiguous DM ends unknown and
  // goes to a human rather than risk a second message. The rule is what a precise look would need.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['thread'] },
};
