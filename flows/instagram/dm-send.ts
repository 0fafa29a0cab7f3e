import { PlatformRefusalError, ValidationError } from '../../safety/index.js';
import { findElement } from '../heal.js';
import { goto, matchPath, sel } from '../run.js';
import type { Flow, FlowContext } from '../types.js';
import { OutcomeUnknownError } from '../../safety/index.js';
import { absent, commitInBackground, field, inconclusive, on, present, saysText, settle } from './common.js';

/**
 * The conversation with the recipient: its id as the Message link of their profile shows it.
 * Instagram's web addresses a conversation by a thread id of its own (`/direct/t/<thread>/`),
 * never by either person's account id, so the browser lane needs the recipient's handle; an
 * account id (a webhook's sender, the API lane's recipient) cannot be opened here.
 */
async function threadId(fc: FlowContext): Promise<string> {
  const recipient = field(fc, 'recipient').trim().replace(/^@/, '');
  if (/^\d+$/.test(recipient)) throw new ValidationError('payload.recipient', 'the instagram browser lane addresses a conversation by the recipient\'s handle, not an account id (an id is for the API lane)');
  if (!/^[A-Za-z0-9._]+$/.test(recipient)) throw new ValidationError('payload.recipient', 'expected an instagram handle');
  await goto(fc, 'profile', { handle: recipient }, { surface: 'profile' });
  const link = await findElement(fc, 'profile.message', { optional: true, timeoutMs: 5000 });
  const href = link ? await link.first().getAttribute('href', { timeout: 5000 }).catch(() => null) : null;
  const id = href ? matchPath(fc, 'thread', href)?.id : undefined;
  if (!id) throw new PlatformRefusalError(`instagram dm: @${recipient} cannot be messaged from their profile`);
  return id;
}

/** Our messages in the open thread with exactly this text, oldest first: the sender label (texts.own_message) says whose. */
async function ownMessages(fc: FlowContext, text: string): Promise<{ status: string }[]> {
  const rows = await fc.page.locator(sel(fc, 'dm_thread', 'message')).evaluateAll((els, [senderSel, statusSel]) => els.map((el) => ({
    sender: el.querySelector(senderSel!)?.textContent ?? '',
    // The message's own words: its text nodes, not the sender label or the status under it.
    text: Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim(),
    status: el.querySelector(statusSel!)?.textContent?.trim() ?? '',
  })), [sel(fc, 'dm_thread', 'sender'), sel(fc, 'dm_thread', 'status')] as const);
  return rows.filter((r) => saysText(fc, 'own_message', r.sender) && r.text === text.trim()).map((r) => ({ status: r.status }));
}

/** Opens the thread; whether it loaded (input visible) and how many of our messages carry exactly this text. */
async function readThread(fc: FlowContext, thread: string): Promise<{ loaded: boolean; mine: number; permalink: string }> {
  await goto(fc, 'thread', { id: thread }, { surface: 'dm_thread', allowErrorPage: true });
  const permalink = fc.page.url().split('?')[0]!;
  const loaded = await fc.page.locator(sel(fc, 'dm_thread', 'input')).isVisible();
  if (!loaded) return { loaded, mine: 0, permalink };
  return { loaded, mine: (await ownMessages(fc, field(fc, 'text'))).length, permalink };
}

/** Instagram DM: the message in the thread with the recipient, sent once; the "Sent" receipt read back. */
export const instagramDmSend: Flow = {
  platform: 'instagram',
  action_type: 'dm_send',

  async precheck(fc) {
    const t = await readThread(fc, await threadId(fc));
    if (!t.loaded) throw new PlatformRefusalError('the conversation is not available');
    // Found by its words alone (the web shows no message id): ours, but known at level 2.
    return t.mine ? { exists: true, ref: { permalink: t.permalink }, level: 2 } : { exists: false };
  },

  steps: [
    {
      name: 'open_thread',
      async run(fc) {
        const t = await readThread(fc, await threadId(fc));
        if (!t.loaded) throw new PlatformRefusalError('the conversation is not available');
      },
    },
    {
      name: 'write_message',
      async run(fc) {
        await (await findElement(fc, 'dm_thread.input')).fill(field(fc, 'text'));
      },
    },
    {
      name: 'send',
      async run(fc) {
        await commitInBackground(fc, 'dm_thread.send', fc.page.locator(sel(fc, 'dm_thread', 'send')));
        // The message shows at once, "Sending…"; "Sent" under it once the page read the
        // platform's answer. A 200 the page could not read leaves it "Sending…": no receipt.
        const text = field(fc, 'text');
        const receipt = await settle(fc, async () => ((await ownMessages(fc, text)).some((m) => saysText(fc, 'dm_sent', m.status)) ? 'sent' : undefined), 10_000);
        if (receipt !== 'sent') throw new OutcomeUnknownError('instagram: the message never showed "Sent"');
        fc.receipt.permalink = fc.page.url().split('?')[0]!;
      },
    },
  ],

  /**
   * The thread is read for our message with this text: a content match (the same words may have
   * been sent before; the page a real client shows carries no message id), so it finds a message
   * but never proves one absent.
   */
  async verify(fc) {
    const t = await readThread(fc, await threadId(fc));
    if (!t.loaded) return inconclusive('thread');
    if (!t.mine) return absent('thread', false);
    return on({ ...present({ permalink: t.permalink }), level: 2 }, 'thread', false);
  },

  // Never provable on the browser lane (content matches only): an ambiguous DM ends unknown and
  // goes to a human rather than risk a second message. The rule is what a precise look would need.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['thread'] },
};
