import { OutcomeUnknownError, PlatformRefusalError, ValidationError } from '../../safety/errors.js';
import type { AttemptReceipt, Precheck, Verification } from '../../safety/performer.js';
import type { Flow, FlowContext } from '../types.js';
import { assertCommitted, commitClick, isPost, matchPath, open, payloadText, receiptSel, sameText, seen, sel, showsOwnAccount, urlOf } from './common.js';

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
  const href = await fc.page.locator(sel(fc, 'profile', 'message')).first().getAttribute('href', { timeout: 5_000 }).catch(() => null);
  const id = href ? matchPath(fc, 'thread', href)?.id : undefined;
  if (!id) throw new PlatformRefusalError(`x dm: @${r} cannot be messaged from their profile`);
  return id;
}

interface Sent {
  id?: string;
}

/**
 * Our message with this text in the thread, counted since the peer's last message: the same
 * words sent again after they answered are a new message, not a duplicate. A message the
 * receipt names is found wherever it is.
 */
async function findMessage(fc: FlowContext, peer: string, text: string, preferId?: string): Promise<{ found?: Sent; loaded: boolean; earlier?: boolean }> {
  await open(fc, 'dm_thread', 'thread', { id: peer });
  if (!(await showsOwnAccount(fc))) return { loaded: false };
  const loaded = (await fc.page.locator(sel(fc, 'dm_thread', 'viewport')).count()) > 0;
  if (!loaded) return { loaded };
  const idAttribute = sel(fc, 'dm_thread', 'message_id_attribute');
  const messages = await fc.page.locator(`${sel(fc, 'dm_thread', 'viewport')} ${sel(fc, 'dm_thread', 'message')}`).evaluateAll(
    (els, [mineSel, textSel, attr]) => els.map((el) => ({ mine: el.matches(mineSel!), text: el.querySelector(textSel!)?.textContent ?? el.textContent, id: el.getAttribute(attr!) })),
    [sel(fc, 'dm_thread', 'message_mine'), sel(fc, 'dm_thread', 'message_text'), idAttribute],
  );
  if (preferId) {
    const named = messages.find((m) => m.mine && m.id === preferId && sameText(m.text, text));
    if (named) return { found: { id: preferId }, loaded };
  }
  const lastTheirs = messages.map((m) => m.mine).lastIndexOf(false);
  const match = messages.slice(lastTheirs + 1).reverse().find((m) => m.mine && sameText(m.text, text));
  if (match) return { found: match.id ? { id: match.id } : {}, loaded };
  return { loaded, earlier: messages.some((m) => m.mine && sameText(m.text, text)) };
}

/** Sends a DM (`payload.text`) to `payload.recipient` (account id, or handle) from the conversation page. */
export const dmSendFlow: Flow = {
  platform: 'x',
  action_type: 'dm_send',

  async precheck(fc): Promise<Precheck> {
    const peer = await recipientId(fc);
    const { found, loaded } = await findMessage(fc, peer, payloadText(fc));
    if (!loaded) throw new Error('x precheck: the conversation did not load as our account');
    if (!found) return { exists: false };
    return { exists: true, ref: { ...(found.id ? { platform_object_id: found.id } : {}), permalink: urlOf(fc, 'thread', { id: peer }) }, level: 2 };
  },

  steps: [
    {
      name: 'open_thread',
      async run(fc) {
        const peer = await recipientId(fc);
        await open(fc, 'dm_thread', 'thread', { id: peer });
        await fc.page.locator(sel(fc, 'dm_thread', 'input')).waitFor({ state: 'visible' });
      },
    },
    {
      name: 'fill_message',
      async run(fc) {
        await fc.page.locator(sel(fc, 'dm_thread', 'input')).fill(payloadText(fc));
      },
    },
    {
      name: 'send',
      async run(fc) {
        const sent = await commitClick(fc, fc.page.locator(sel(fc, 'dm_thread', 'send')), isPost);
        await assertCommitted(fc, sent);
        fc.surface('dm_thread');
      },
    },
    {
      name: 'read_receipt',
      async run(fc) {
        const { page } = fc;
        const receipt = page.locator(receiptSel(fc, 'dm_send'));
        if ((await receipt.count()) === 0) throw new OutcomeUnknownError('x dm: the conversation came back without the "Sent" receipt');
        const idAttribute = sel(fc, 'dm_thread', 'message_id_attribute');
        const entry = page.locator(sel(fc, 'dm_thread', 'message')).filter({ has: receipt });
        const id = (await entry.first().getAttribute(idAttribute).catch(() => null)) ?? new URL(page.url()).searchParams.get('sent');
        if (id) fc.receipt.platform_object_id = id;
        fc.receipt.permalink = page.url().split('?')[0]!;
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
    const { found, loaded, earlier } = await findMessage(fc, peer, payloadText(fc), receipt?.platform_object_id);
    // The same words earlier in the thread could be ours from before the peer answered: not even a content "absent".
    if (!found) return loaded && !earlier ? seen({ outcome: 'absent', level: 0 }, 'thread', false) : seen({ outcome: 'inconclusive', level: receipt ? 1 : 0 }, 'thread', false);
    // The conversation is the DM's permalink; its composer is the engagement surface.
    const level = (await fc.page.locator(sel(fc, 'dm_thread', 'input')).count()) > 0 ? 3 : 2;
    return seen({ outcome: 'present', level, ...(found.id ? { platform_object_id: found.id } : {}), permalink: urlOf(fc, 'thread', { id: peer }) }, 'thread', false);
  },

  // Never provable on the browser lane (content matches only): an ambiguous DM ends unknown and
  // goes to a human rather than risk a second message. The rule is what a precise look would need.
  absence: { windowMs: 30_000, looks: 2, surfaces: ['thread'] },
};
