import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { DmEventKind } from '../store/index.js';

/**
 * `X-Hub-Signature-256` against the raw body bytes, before anything parses them: Meta signs
 * the bytes it sent (non-ASCII escaped as `\uXXXX`, `/` as `\/`), so a receiver that re-reads
 * and re-serialises the JSON first computes another digest. Constant-time compare.
 */
export function verifyMetaSignature(raw: Uint8Array, header: string | undefined, appSecret: string): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header.trim())) return false;
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  const given = Buffer.from(header.trim().slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const id = z.union([z.string().min(1), z.number().transform(String)]);

/** Meta's Instagram webhook body, as far as the assistant reads it; everything else passes through unread. */
const messagingSchema = z.looseObject({
  sender: z.looseObject({ id }),
  recipient: z.looseObject({ id }),
  timestamp: z.number().int().min(0),
  message: z
    .looseObject({
      mid: z.string().min(1),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      is_deleted: z.boolean().optional(),
      attachments: z.array(z.looseObject({ type: z.string().min(1) })).optional(),
    })
    .optional(),
  reaction: z.looseObject({ mid: z.string().min(1), action: z.enum(['react', 'unreact']), reaction: z.string().optional(), emoji: z.string().optional() }).optional(),
  read: z.looseObject({ mid: z.string().min(1) }).optional(),
  message_edit: z.looseObject({ mid: z.string().min(1), text: z.string().optional(), num_edit: z.number().int().optional() }).optional(),
});

const commentValueSchema = z.looseObject({
  id: z.string().min(1),
  text: z.string().default(''),
  from: z.looseObject({ id, username: z.string().optional() }),
  media: z.looseObject({ id: z.string().min(1) }).optional(),
  parent_id: z.string().optional(),
});

export const metaWebhookSchema = z.looseObject({
  object: z.string().min(1),
  entry: z.array(
    z.looseObject({
      id,
      time: z.number().int().min(0),
      messaging: z.array(messagingSchema).optional(),
      changes: z.array(z.looseObject({ field: z.string().min(1), value: z.unknown() })).optional(),
    }),
  ),
});
export type MetaWebhookBody = z.infer<typeof metaWebhookSchema>;

/** One event from a webhook body, before it is stored: the raw text travels beside, never into the store. */
export interface NormalizedEvent {
  kind: DmEventKind;
  /** The business account the entry is for. */
  ig_user_id: string;
  sender_id: string;
  ref: string;
  parent_ref: string | null;
  timestamp_ms: number;
  text: string | null;
  attachments: string[];
  dedupe_key: string;
}

/**
 * Every event of a body, in the order Meta put them: messages (with echoes told apart),
 * unsends, edits, reactions, reads, and comments. Unknown kinds are skipped, not guessed at.
 * Dedupe keys make a replayed or duplicated delivery map to the events already stored.
 */
export function normalizeWebhook(body: MetaWebhookBody): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (const entry of body.entry) {
    const ig = String(entry.id);
    for (const m of entry.messaging ?? []) {
      const sender = String(m.sender.id);
      const base = { ig_user_id: ig, sender_id: sender, timestamp_ms: m.timestamp, attachments: [] as string[] };
      if (m.message?.is_deleted) {
        out.push({ ...base, kind: 'unsend', ref: m.message.mid, parent_ref: m.message.mid, text: null, dedupe_key: `unsend:${m.message.mid}` });
      } else if (m.message) {
        const echo = m.message.is_echo === true;
        out.push({
          ...base,
          kind: echo ? 'echo' : 'message',
          ref: m.message.mid,
          parent_ref: null,
          text: m.message.text ?? null,
          attachments: (m.message.attachments ?? []).map((a) => a.type),
          dedupe_key: `${echo ? 'echo' : 'message'}:${m.message.mid}`,
        });
      } else if (m.message_edit) {
        const n = m.message_edit.num_edit ?? m.timestamp;
        out.push({ ...base, kind: 'edit', ref: `${m.message_edit.mid}#${n}`, parent_ref: m.message_edit.mid, text: m.message_edit.text ?? null, dedupe_key: `edit:${m.message_edit.mid}:${n}` });
      } else if (m.reaction) {
        out.push({ ...base, kind: 'reaction', ref: `${m.reaction.mid}#${m.reaction.action}#${m.timestamp}`, parent_ref: m.reaction.mid, text: null, dedupe_key: `reaction:${m.reaction.mid}:${sender}:${m.reaction.action}:${m.timestamp}` });
      } else if (m.read) {
        out.push({ ...base, kind: 'read', ref: `${m.read.mid}#read`, parent_ref: m.read.mid, text: null, dedupe_key: `read:${m.read.mid}:${sender}` });
      }
    }
    for (const change of entry.changes ?? []) {
      if (change.field !== 'comments' && change.field !== 'live_comments') continue;
      const value = commentValueSchema.safeParse(change.value);
      if (!value.success) continue;
      const c = value.data;
      out.push({
        kind: 'comment', ig_user_id: ig, sender_id: String(c.from.id), ref: c.id, parent_ref: c.media?.id ?? null,
        timestamp_ms: entry.time < 1e12 ? entry.time * 1000 : entry.time, text: c.text, attachments: [], dedupe_key: `comment:${c.id}`,
      });
    }
  }
  return out;
}
