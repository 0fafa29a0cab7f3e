import { randomUUID } from 'node:crypto';
import { TRIAGE_VERSION, triageSchema, type Language, type RiskReason, type TriageRecord } from '../records.js';
import { cetSecond, utcSecond } from '../time.js';
import { detectIntent, intentStrength, type IntentVerdict } from './intent.js';
import { detectLanguage } from './language.js';
import { assessRisk, isAngry } from './risk.js';
import { readText, type ReadText } from './text.js';

export { detectIntent } from './intent.js';
export { detectLanguage } from './language.js';
export { assessRisk, isAngry } from './risk.js';
export { readText } from './text.js';

/** What the triage reads (spec 003 §2 inputs): the message and a little of its thread. */
export interface TriageInput {
  sender_id: string;
  mid: string;
  timestamp_ms: number;
  /** The message text; empty for an attachment or sticker. */
  text: string;
  /** The sender's earlier messages in this thread, oldest first (the last few). */
  thread?: string[];
  /** The thread's last confident language, when there is one. */
  thread_lang?: Language;
  /** @default a fresh uuid */
  trace_id?: string;
}

/** IF.GOV.TRIAGE: language, intent, risk tier and panel size, deterministic for the same input. */
export function triage(input: TriageInput): TriageRecord {
  const read = readText(input.text);
  const language = detectLanguage(input.text, read, input.thread_lang);
  const risk = assessRisk(input.text, read, input.thread ?? []);
  const intent = intentBeside(
    detectIntent(read, input.text, { thread: input.thread ?? [], readOf: readText, continuation: isAngry(input.text, read) }),
    risk.reasons,
    read,
    input.text,
  );
  return triageSchema.parse({
    triage_version: TRIAGE_VERSION,
    trace_id: input.trace_id ?? randomUUID(),
    ts_utc: utcSecond(input.timestamp_ms),
    time_cet: cetSecond(input.timestamp_ms),
    sender_id: input.sender_id,
    mid: input.mid,
    language,
    intent,
    risk,
  });
}

/** Reasons whose message is the disclosure itself: a passing practical word does not make it a request. */
const DISCLOSURE: RiskReason[] = ['self_harm_signal', 'violence_abuse_signal', 'threat_to_others', 'therapeutic_disclosure', 'complex_crisis', 'harassment'];

/**
 * A crisis or a disclosure that mentions a video or asks for "help" is not a help request: its
 * intent is `other` unless the practical ask is plain (a refund, a cancellation: cues worth 2).
 */
function intentBeside(intent: IntentVerdict, reasons: RiskReason[], read: ReadText, raw: string): IntentVerdict {
  if (intent.label === 'other' || !reasons.some((r) => DISCLOSURE.includes(r))) return intent;
  return intentStrength(read, raw, intent.label) >= 2 ? intent : { label: 'other', confidence: 0.6 };
}
