import { z } from 'zod';
import {
  cetTimeSchema, draftSchema, escalationSchema, panelSchema, patchSchema, seatSchema, sha256Schema, triageSchema, utcTimeSchema,
} from '../records.js';

/**
 * The files of an IF.TTT bundle (spec 003 §6), as zod schemas: `bundle verify` parses every
 * file with them, so a bundle edited by hand fails naming the file and the field even when
 * its hashes were recomputed.
 */
export const BUNDLE_VERSION = 'if.ttt.bundle/igdm/v1';
export const EVENT_VERSION = 'igdm.event/v1';

const pseudonym = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<hex> (the public bundle never shows this value)');

export const BUNDLE_FILES = ['manifest.json', 'event.json', 'triage.json', 'draft.json', 'panel.json', 'escalation.json'] as const;

export const manifestSchema = z
  .object({
    bundle_version: z.literal(BUNDLE_VERSION),
    kind: z.enum(['public', 'private']),
    trace_id: z.uuid(),
    created_utc: utcTimeSchema,
    created_cet: cetTimeSchema,
    files: z.array(z.enum(BUNDLE_FILES)).min(5),
    key_id: sha256Schema,
    /** In the public bundle: the sha256 of the private bundle's sha256sums.txt, so the two can be matched later. */
    private_sums_sha256: sha256Schema.optional(),
  })
  .strict();

const eventBase = {
  event_version: z.literal(EVENT_VERSION),
  trace_id: z.uuid(),
  ts_utc: utcTimeSchema,
  time_cet: cetTimeSchema,
  message_text_sha256: sha256Schema,
  message_length: z.number().int().min(0),
  attachments: z.number().int().min(0),
};

export const publicEventSchema = z
  .object({ ...eventBase, sender_id: pseudonym, recipient_id: pseudonym, mid: pseudonym, redacted_preview: z.string().max(200) })
  .strict();
export const privateEventSchema = z
  .object({ ...eventBase, sender_id: z.string().min(1), recipient_id: z.string().min(1), mid: z.string().min(1), text: z.string() })
  .strict();

export const publicTriageSchema = triageSchema.extend({ sender_id: pseudonym, mid: pseudonym });

export const publicDraftSchema = draftSchema.omit({ text: true }).extend({ draft_text_sha256: sha256Schema, final_text_sha256: sha256Schema }).strict();
export const privateDraftSchema = draftSchema.extend({ final_text: z.string().min(1) }).strict();

const publicPatch = patchSchema.extend({ value: pseudonym });
const publicSeat = seatSchema.extend({ patches: z.array(publicPatch) });
export const publicPanelSchema = panelSchema.extend({ seats: z.array(publicSeat), rerun: z.array(publicSeat).optional() });

export const publicEscalationSchema = escalationSchema.extend({
  sender_id: pseudonym,
  mid: pseudonym,
  open_links: z.object({ instagram_thread: pseudonym, fb_inbox: pseudonym.optional() }).strict(),
});

export const SCHEMAS = {
  public: { 'event.json': publicEventSchema, 'triage.json': publicTriageSchema, 'draft.json': publicDraftSchema, 'panel.json': publicPanelSchema, 'escalation.json': publicEscalationSchema },
  private: { 'event.json': privateEventSchema, 'triage.json': triageSchema, 'draft.json': privateDraftSchema, 'panel.json': panelSchema, 'escalation.json': escalationSchema },
} as const;
