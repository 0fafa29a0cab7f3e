import { DmLinks } from '../../store/index.js';
import { DRAFT_VERSION, draftSchema, type DraftRecord, type Placeholder, type TriageRecord } from '../records.js';
import { anyOf, readText } from '../triage/text.js';
import { placeholdersOf, SAFE, TOP20, type Template } from './templates.js';

export { SAFE, TOP20, placeholdersOf, type Template } from './templates.js';

/**
 * What fills a draft's placeholders: the client's own links and support address. A missing
 * one leaves its `{PLACEHOLDER}` in the text, and the panel's placeholder seat stops the draft.
 */
export const draftSettingsSchema = DmLinks;
export type DraftSettings = DmLinks;

const SETTING_OF: Record<Placeholder, keyof DraftSettings> = {
  BOOK_LINK: 'book_link',
  COURSE_LINK: 'course_link',
  VIDEO_LINK: 'video_link',
  PRICE_LINK: 'price_link',
  SUPPORT_EMAIL: 'support_email',
  BUSINESS_NAME: 'business_name',
};

/** Which of an intent's templates fits: the first case whose cue the message carries, else the intent's general one. */
const CASES: { key: string; cue: RegExp }[] = [
  { key: 'book_reschedule', cue: anyOf('reschedul\\w*', 'move', 'swap', 'change', 'cambiar', 'mover', 'pasar', 'moure', 'verschieben', 'deplacer', 'spostare', 'remarcar') },
  { key: 'book_cancel', cue: anyOf('cancel\\w*', 'anular', 'annuler', 'cancellare', 'absagen') },
  { key: 'book_availability', cue: anyOf('avail\\w*', 'disponi\\w*', 'slots?', 'huecos?', 'free', 'libre', 'what times', 'que (?:dias|horarios)', 'when') },
  { key: 'link_broken', cue: anyOf('(?:no|not|does not|do not) (?:me )?(?:funciona|work\\w*|abre|open\\w*|load\\w*|carga|va)', 'broken', 'roto', 'error', '404') },
  { key: 'link_booking', cue: anyOf('book\\w*', 'reserv\\w*', 'cita', 'agendar') },
  { key: 'video_replay', cue: anyOf('replay', 'recording', 'grabacion', 'repeticion', 'live', 'directo', 'webinar\\w*', 'masterclass') },
  { key: 'video_topic', cue: anyOf('is there a', 'do you have', 'hay (?:algun )?video', 'tienes (?:algun )?video', 'about', 'sobre', 'para (?:la|el|los|las)', 'for (?:the|my)') },
  { key: 'price_plan', cue: anyOf('payment plan', 'plazos', 'cuotas', 'installments?', 'monthly', 'mensual\\w*', 'al mes', 'ratenzahlung', 'one time payment') },
  { key: 'price_discount', cue: anyOf('discount\\w*', 'descuento\\w*', 'codigo', 'code', 'coupon', 'cupon', 'promo\\w*', 'offer', 'oferta', 'black friday', 'sale', 'rebajas') },
  { key: 'help_refund', cue: anyOf('refund\\w*', 'reembols\\w*', 'devol\\w*', 'devuelv\\w*', 'chargeback', 'contracargo', 'my money', 'mi dinero') },
  { key: 'help_payment', cue: anyOf('pay\\w*', 'pag\\w*', 'card', 'tarjeta', 'declined', 'rechaz\\w*', 'cobr\\w*', 'charged', 'checkout') },
  { key: 'help_access', cue: anyOf('ac+es+\\w*', 'login', 'log in', 'password', 'contrasena', 'entrar', 'acceder', 'app', 'platform', 'plataforma') },
  { key: 'other_collab', cue: anyOf('collab\\w*', 'colab\\w*', 'partnership', 'sponsor\\w*', 'brand', 'marca') },
  { key: 'other_thanks', cue: anyOf('thank\\w*', 'thanks', 'gracias', 'love', 'loved', 'amazing', 'genial', 'merci', 'grazie', 'danke', 'obrigad[oa]', 'gracies') },
];

export function chooseTemplate(intent: TriageRecord['intent']['label'], text: string): Template {
  const folded = readText(text).folded;
  const ofIntent = TOP20.filter((t) => t.intent === intent);
  for (const c of CASES) {
    const template = ofIntent.find((t) => t.key === c.key);
    if (template && c.cue.test(folded)) return template;
  }
  const general = ofIntent.find((t) => t.key.endsWith('_general') || t.key === 'link_course' || t.key === 'video_where' || t.key === 'other_greeting');
  return general ?? TOP20.find((t) => t.key === 'other_greeting')!;
}

/** Fills `{PLACEHOLDER}`s from the settings; those without a setting stay as they are. */
export function fillPlaceholders(text: string, settings: DraftSettings): string {
  return text.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => settings[SETTING_OF[name as Placeholder]] ?? whole);
}

/**
 * The draft engine (spec 003 §3): a template first, never a generative model. The sender's
 * language is mirrored; a language the templates do not speak gets one bridging question in
 * it; an unknown language gets the one-line language question; an escalated message gets a
 * holding (needs-human) or a safety (urgent) line, which a person reviews before anything goes.
 */
export function draft(triage: TriageRecord, text: string, settings: DraftSettings = {}): DraftRecord {
  const lang = triage.language;
  const notes = [`language=${lang.code}`, `intent=${triage.intent.label}`, `tier=${triage.risk.tier}`];
  let templateId: string;
  let raw: string;
  if (triage.risk.tier !== 'normal') {
    const code = lang.code === 'und' ? 'en' : lang.code;
    const which = triage.risk.tier === 'urgent' ? 'urgent' : 'holding';
    raw = SAFE[which][code];
    templateId = `safe:${which}:v1:${code}`;
    notes.push('escalated: a person answers; this draft is only offered to them');
  } else if (lang.code === 'und' || lang.confidence < 0.5) {
    raw = SAFE.language_question;
    templateId = 'safe:language_question:v1:en';
    notes.push('language uncertain: asking which language');
  } else if (lang.code !== 'en' && lang.code !== 'es') {
    raw = SAFE.language_bridge[lang.code];
    templateId = `safe:language_bridge:v1:${lang.code}`;
    notes.push(`no ${lang.code} templates: asking to continue in English or Spanish`);
  } else {
    const template = chooseTemplate(triage.intent.label, text);
    raw = template.text[lang.code];
    templateId = `top20:${template.key}:v${template.version}:${lang.code}`;
  }
  const placeholders = placeholdersOf(raw);
  const missing = placeholders.filter((p) => !settings[SETTING_OF[p]]);
  if (missing.length > 0) notes.push(`unfilled=${missing.join(',')}`);
  return draftSchema.parse({
    draft_version: DRAFT_VERSION,
    trace_id: triage.trace_id,
    template_id: templateId,
    text: fillPlaceholders(raw, settings),
    placeholders,
    notes,
  });
}
