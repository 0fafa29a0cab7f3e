import { draft, type DraftSettings } from './drafts/index.js';
import { runPanel } from './panel/index.js';
import {
  ESCALATION_VERSION, escalationSchema, type DraftRecord, type EscalationRecord, type Language, type PanelRecord, type TriageRecord,
} from './records.js';
import { triage } from './triage/index.js';

/** One incoming Instagram DM as the pipeline reads it (normalised from the webhook). */
export interface DmMessage {
  /** The sender's Instagram-scoped id. */
  sender_id: string;
  /** The business account that received it. */
  recipient_id: string;
  mid: string;
  timestamp_ms: number;
  /** Empty for an attachment-only message. */
  text: string;
  /** The sender's earlier messages in the thread, oldest first. */
  thread?: string[];
  thread_lang?: Language;
  /** The Instagram conversation id, when known (for the "open thread" link). */
  conversation_id?: string;
  /** The Facebook Page linked to the account, when known (for the business inbox link). */
  page_id?: string;
  trace_id?: string;
}

/** What the pipeline decided about one message: spec 003 §2–§5 records and the text a reviewer sees. */
export interface DmDecision {
  triage: TriageRecord;
  draft: DraftRecord;
  panel: PanelRecord;
  /** The draft after the panel (patched when it revised it). */
  final_text: string;
  escalation?: EscalationRecord;
}

/** Reason codes of a panel escalation on a message the triage found normal. */
const panelReason = (panel: PanelRecord) =>
  [...new Set([...panel.seats, ...(panel.rerun ?? [])].filter((s) => s.vote !== 'approve').map((s) => `panel_${s.seat}`))];

/**
 * Triage → draft → panel → escalation, deterministic for the same message, thread and
 * settings (the trace id aside). An escalation is made for every message the triage sends to a
 * person and for every draft the panel would not let through.
 */
export function decide(message: DmMessage, settings: DraftSettings = {}): DmDecision {
  const t = triage({ ...message, thread: message.thread ?? [] });
  const d = draft(t, message.text, settings);
  const { record: panel, finalText } = runPanel(t, d, message.text, settings);
  const escalated = t.risk.tier !== 'normal' || panel.decision === 'escalate_human' || panel.decision === 'urgent_escalate';
  const escalation = escalated
    ? escalationSchema.parse({
        escalation_version: ESCALATION_VERSION,
        trace_id: t.trace_id,
        tier: t.risk.tier === 'urgent' ? 'urgent' : 'needs-human',
        reason_codes: t.risk.reasons.length > 0 ? [...t.risk.reasons] : panelReason(panel),
        sender_id: t.sender_id,
        mid: t.mid,
        time_cet: t.time_cet,
        open_links: openLinks(message),
      })
    : undefined;
  return { triage: t, draft: d, panel, final_text: finalText, ...(escalation ? { escalation } : {}) };
}

/** Spec 003 §5's links: the thread in Instagram's inbox and the Page's business inbox. */
export function openLinks(message: Pick<DmMessage, 'conversation_id' | 'page_id'>): EscalationRecord['open_links'] {
  return {
    instagram_thread: message.conversation_id
      ? `https://www.instagram.com/direct/t/${encodeURIComponent(message.conversation_id)}/`
      : 'https://www.instagram.com/direct/inbox/',
    ...(message.page_id ? { fb_inbox: `https://business.facebook.com/latest/inbox/all/?asset_id=${encodeURIComponent(message.page_id)}` } : {}),
  };
}
