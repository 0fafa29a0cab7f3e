import type { XDmEvent } from '../../connectors/index.js';
import type { Verification } from '../../safety/index.js';
import { newer, type LookInput } from './look.js';
import { normaliseText } from './text.js';

/**
 * Our message in the conversation with `peer`: by its event id when the send answered one
 * (precise), else by text among our messages newer than `since` (the newest event before the
 * attempt) — precise "absent" only when we sent nothing at all since.
 */
export async function dmSince(i: LookInput, peer: string, since: string, text: string, eventId?: string): Promise<Verification> {
  const ours: XDmEvent[] = [];
  let next: string | undefined;
  let complete = false;
  for (let page = 0; page < i.maxPages && !complete; page += 1) {
    const list = i.x.raise(await i.x.dmEvents(i.token, peer, { ...(next ? { pagination_token: next } : {}), signal: i.signal }), { write: false });
    for (const e of list.data ?? []) {
      if (!newer(e.id, since)) complete = true;
      else if (e.sender_id === i.me || e.id === eventId) ours.push(e);
    }
    next = list.meta?.next_token;
    if (!next) complete = true;
  }
  const byId = eventId ? ours.find((e) => e.id === eventId) : undefined;
  if (byId) return { outcome: 'present', level: 2, platform_object_id: byId.id, surface: 'dm_events', precise: true };
  if (eventId) return { outcome: 'absent', level: 0, surface: 'dm_events', precise: complete };
  const match = ours.find((e) => normaliseText(e.text ?? '') === normaliseText(text));
  if (match) return { outcome: 'present', level: 2, platform_object_id: match.id, surface: 'dm_events', precise: false };
  return { outcome: 'absent', level: 0, surface: 'dm_events', precise: complete && ours.length === 0 };
}
