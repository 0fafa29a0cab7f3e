import { z } from 'zod';

/**
 * The records of spec 003, field for field: triage (§2), draft (§3), seat and panel (§4),
 * escalation (§5). Every record that leaves the pipeline (bundle files, the reviewer queue,
 * the CLI) is parsed with these schemas first, so a record that drifts from the spec fails
 * where it is made, naming the field.
 */

export const TRIAGE_VERSION = 'if.gov.triage/igdm/v1';
export const DRAFT_VERSION = 'igdm.draft/v1';
export const PANEL_VERSION = 'if.gov.panel/igdm/v1';
export const ESCALATION_VERSION = 'igdm.escalation/v1';

/** Languages the triage detects (spec: English and Spanish templates, detection of five more). */
export const LANGUAGES = ['en', 'es', 'fr', 'pt', 'it', 'de', 'ca'] as const;
export type Language = (typeof LANGUAGES)[number];
/** `und` (BCP 47 "undetermined"): no language could be told; its confidence is below 0.5. */
export type LanguageCode = Language | 'und';

export const INTENTS = ['book', 'link', 'video', 'price', 'help', 'other'] as const;
export type Intent = (typeof INTENTS)[number];

export const TIERS = ['normal', 'needs-human', 'urgent'] as const;
export type Tier = (typeof TIERS)[number];

/** Reason codes of the risk tier: stable strings, never the words that triggered them. */
export const RISK_REASONS = [
  'self_harm_signal',
  'violence_abuse_signal',
  'threat_to_others',
  'self_harm_mention_negated',
  'therapeutic_disclosure',
  'legal_threat',
  'harassment',
  'complex_crisis',
  'angry_loop',
] as const;
export type RiskReason = (typeof RISK_REASONS)[number];

const utc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'expected UTC time as YYYY-MM-DDTHH:MM:SSZ');
const cet = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/, 'expected CET/CEST time as YYYY-MM-DDTHH:MM:SS+01:00 (or +02:00)');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in lowercase hex');
const confidence = z.number().min(0).max(1);

export const triageSchema = z
  .object({
    triage_version: z.literal(TRIAGE_VERSION),
    trace_id: z.uuid(),
    ts_utc: utc,
    time_cet: cet,
    sender_id: z.string().min(1),
    mid: z.string().min(1),
    language: z.object({ code: z.enum([...LANGUAGES, 'und']), confidence, source: z.enum(['text', 'thread', 'none']) }).strict(),
    intent: z.object({ label: z.enum(INTENTS), confidence }).strict(),
    risk: z
      .object({
        tier: z.enum(TIERS),
        score: z.number().min(0).max(1),
        reasons: z.array(z.enum(RISK_REASONS)),
        panel_size: z.union([z.literal(5), z.literal(10), z.literal(20)]),
      })
      .strict(),
  })
  .strict();
export type TriageRecord = z.infer<typeof triageSchema>;

export const PLACEHOLDERS = ['BOOK_LINK', 'COURSE_LINK', 'VIDEO_LINK', 'PRICE_LINK', 'SUPPORT_EMAIL', 'BUSINESS_NAME'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const draftSchema = z
  .object({
    draft_version: z.literal(DRAFT_VERSION),
    trace_id: z.uuid(),
    template_id: z.string().regex(/^(?:top20|safe):[a-z_]+:v\d+:[a-z]{2}$/, 'expected top20:<intent>_<case>:v<N>:<lang> (or safe:<reply>:v<N>:<lang>)'),
    text: z.string().min(1),
    placeholders: z.array(z.enum(PLACEHOLDERS)),
    notes: z.array(z.string()),
  })
  .strict();
export type DraftRecord = z.infer<typeof draftSchema>;

export const SEATS = [
  'safety', 'boundary', 'language', 'privacy', 'next_step',
  'tone', 'spam_abuse', 'contrarian', 'claims', 'placeholders',
  'crisis_route', 'no_minimising', 'no_promises', 'no_echo', 'one_question',
  'link_safety', 'plain_words', 'thread_language', 'handoff', 'record',
] as const;
export type SeatName = (typeof SEATS)[number];

export const VOTES = ['approve', 'request_changes', 'veto'] as const;
export type Vote = (typeof VOTES)[number];

export const patchSchema = z.object({ op: z.literal('replace_text'), path: z.literal('draft.text'), value: z.string().min(1) }).strict();
export type Patch = z.infer<typeof patchSchema>;

export const seatSchema = z
  .object({
    seat: z.enum(SEATS),
    vote: z.enum(VOTES),
    severity: z.number().min(0).max(1),
    reasons: z.array(z.string()),
    patches: z.array(patchSchema),
  })
  .strict();
export type SeatRecord = z.infer<typeof seatSchema>;

export const PANEL_DECISIONS = ['approve_draft', 'revise_draft', 'escalate_human', 'urgent_escalate'] as const;
export type PanelDecision = (typeof PANEL_DECISIONS)[number];

export const panelSchema = z
  .object({
    panel_version: z.literal(PANEL_VERSION),
    trace_id: z.uuid(),
    panel_size: z.union([z.literal(5), z.literal(10), z.literal(20)]),
    seats: z.array(seatSchema),
    /** The seats' votes on the patched draft, when patches were applied (the one re-run of §4). */
    rerun: z.array(seatSchema).optional(),
    decision: z.enum(PANEL_DECISIONS),
    final_draft_text_sha256: sha256,
    reason_summary: z.string(),
  })
  .strict();
export type PanelRecord = z.infer<typeof panelSchema>;

export const escalationSchema = z
  .object({
    escalation_version: z.literal(ESCALATION_VERSION),
    trace_id: z.uuid(),
    tier: z.enum(['urgent', 'needs-human']),
    reason_codes: z.array(z.string().regex(/^[a-z_]+$/)).min(1),
    sender_id: z.string().min(1),
    mid: z.string().min(1),
    time_cet: cet,
    open_links: z.object({ instagram_thread: z.url(), fb_inbox: z.url().optional() }).strict(),
  })
  .strict();
export type EscalationRecord = z.infer<typeof escalationSchema>;

export { cet as cetTimeSchema, sha256 as sha256Schema, utc as utcTimeSchema };
