import { OutcomeUnknownError, PlatformRefusalError, ValidationError } from '../../safety/errors.js';
import type { AttemptReceipt, Precheck, Verification } from '../../safety/performer.js';
import { findElement } from '../heal.js';
import type { Flow, FlowContext } from '../types.js';
import { commitInBackground, matchPath, open, payloadText, sameText, saysText, seen, sel, settle, showsOwnAccount, urlOf } from './common.js';

/**
 * The recipient's platform user id. `payload.recipient` is the audience account's numeric id
 * (what X's conversation URLs use), or its handle (`@` optional), resolved through the
 * profile's Message link.
 */
async function recipientId(fc: FlowContext): Promise<string> {
  const recipient = fc.action.payload.recipient;
  if (typeof recipient !== 'string' || recipient.trim() === '') throw new ValidationError('payload.recipient', 'expected an account id or handle');
  const r = recipient.trim().replace(/^@/, '');
  if (/^\d+$/.test(r)) return r;
  await open(fc, 'profile', 'profile', { handle: r });
  const link = await findElement(fc, 'profile.message', { optional: true, timeoutMs: 5_000 });
  const href = link ? await link.first().getAttribute('href', { timeout: 5_000 }).catch(() => null) : null;
  const id = href ? matchPath(fc, 'thread', href)?.id : undefined;
  if (!id) throw new PlatformRefusalError(`x dm: @${r} cannot be messaged from their profile`);
  return id;
}

/** The messages of the thread as the page shows them: ours (the hidden sender label), their words, the status under them. */
async function threadMessages(fc: FlowContext): Promise<{ mine: boolean; text: string; status: string }[]> {
  const rows = await fc.page.locator(`${sel(fc, 'dm_thread', 'viewport')} ${sel(fc, 'dm_thread', 'message')}`).evaluateAll(
    (els, [senderSel, textSel, statusSel]) => els.map((el) => ({
      sender: el.querySelector(senderSel!)?.textContent ?? '',
      text: el.querySelector(textSel!)?.textContent ?? '',
      status: el.querySelector(statusSel!)?.textContent?.trim() ?? '',
    })),
    [sel(fc, 'dm_thread', 'sender'), sel(fc, 'dm_thread', 'message_text'), sel(fc, 'dm_thread', 'status')] as const,
  );
  return rows.map((r) => ({ mine: saysText(fc, 'own_message', r.sender), text: r.text, status: r.status }));
}

/**
 * Our message with this text in the thread, counted since the peer's last message: the same
 * words sent again after they answered are a new message, not a duplicate. The page shows no
 * message ids: a content match.
 */
async function findMessage(fc: FlowContext, peer: string, text: string): Promise<{ found: boolean; loaded: boolean; earlier?: boolean }> {
  await open(fc, 'dm_thread', 'thread', { id: peer });
  if (!(await showsOwnAccount(fc))) return { found: false, loaded: false };
  const loaded = (await fc.page.locator(sel(fc, 'dm_thread', 'viewport')).count()) > 0;
  if (!loaded) return { found: false, loaded };
  const messages = await threadMessages(fc);
  const lastTheirs = messages.map((m) => m.mine).lastIndexOf(false);
  if (messages.slice(lastTheirs + 1).some((m) => m.mine && sameText(m.text, text))) return { found: true, loaded };
  return { found: false, loaded, earlier: messages.some((m) => m.mine && sameText(m.text, text)) };
}

/** Sends a DM (`payload.text`) to `payload.recipient` (account id, or handle) from the conversation page. */
export const dmSendFlow: Flow = {
  platform: 'x',
  action_type: 'dm_send',

  async precheck(fc): Promise<Precheck> {
    const peer = await recipientId(fc);
    const { found, loaded } = await findMessage(fc, peer, payloadText(fc));
    if (!loaded) throw new Error('x precheck: the conversation did not load as our account');
    return found ? { exists: true, ref: { permalink: urlOf(fc, 'thread', { id: peer }) }, level: 2 } : { exists: false };
  },

  steps: [
    {
      name: 'open_thread',
      async run(fc) {
        const peer = await recipientId(fc);
        await open(fc, 'dm_thread', 'thread', { id: peer });
        await findElement(fc, 'dm_thread.input');
      },
    },
    {
      name: 'fill_message',
      async run(fc) {
        await (await findElement(fc, 'dm_thread.input')).fill(payloadText(fc));
      },
    },
    {
      name: 'send',
      async run(fc) {
        await commitInBackground(fc, 'dm_thread.send', fc.page.locator(sel(fc, 'dm_thread', 'send')));
        fc.surface('dm_thread');
      },
    },
    {
      name: 'read_receipt',
      async run(fc) {
        // The message shows at once, "Sending…"; "Sent" under it once the page read X's answer.
        // A 200 the page could not read leaves it "Sending…": no receipt, verification decides.
        const text = payloadText(fc);
        const receipt = await settle(fc, async () => ((await threadMessages(fc)).some((m) => m.mine && sameText(m.text, text) && saysText(fc, 'dm_sent', m.status)) ? 'sent' : undefined), 10_000);
        if (receipt !== 'sent') throw new OutcomeUnknownError('x dm: the message never showed "Sent"');
        fc.receipt.permalink = fc.page.url().split('?')[0]!;
      },
    },
  ],

  /**
   * Our message with this text in the conversation: a content match (the same words may be ours
   * from before; the page a real client shows carries no message id), so it finds a message but
   * never proves one absent.
   */
  async verify(fc, receipt?: AttemptReceipt): Promise<Verification> {
    const peer = await recipientId(fc);
    const { found, loaded, earlier } = await findMessage(fc, peer, payloadText(fc));
    // The same words earlier in the thread could be ours from before the peer answered: not even a content "absent".
    if (!found) return loaded && !earlier ? seen({ outcome: 'absent', level: 0 }, 'thread', false) : seen({ outcome: 'inconclusive', level: receipt ? 1 : 0 }, 'thread', false);
    // The conversation is the DM's permalink; its composer is the engagement surface.
    const level = (await fc.page.locator(sel(fc, 'dm_thread', 'input')).count()) > 0 ? 3 : 2;
    return seen({ outcome: 'present', level, permalink: urlOf(fc, 'thread', { id: peer }) }, 'thread', false);
  },

  // Never provable on the browser lane (content matches only): an ambiguous DM ends unknown and
  // goes to a human rather than risk a second message. The rule is what a precise look would need.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['thread'] },
};
