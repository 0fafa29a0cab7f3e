import type { DraftSettings } from '../drafts/index.js';
import { SAFE, TOP20 } from '../drafts/templates.js';
import type { Language, Patch, SeatName, SeatRecord, TriageRecord, Vote } from '../records.js';
import { detectLanguage } from '../triage/language.js';
import { anyOf, readText } from '../triage/text.js';

/** What every seat reads: the message, its triage, the draft as it stands, the client's settings. */
export interface SeatContext {
  triage: TriageRecord;
  /** The sender's message (seats read it; it never leaves in a seat's reasons). */
  message: string;
  text: string;
  templateId: string;
  settings: DraftSettings;
}

export interface Seat {
  name: SeatName;
  evaluate(ctx: SeatContext): SeatRecord;
}

const seat = (name: SeatName, evaluate: (ctx: SeatContext) => Omit<SeatRecord, 'seat'>): Seat => ({ name, evaluate: (ctx) => ({ seat: name, ...evaluate(ctx) }) });
const approve = (...reasons: string[]): Omit<SeatRecord, 'seat'> => ({ vote: 'approve', severity: 0, reasons, patches: [] });
const change = (severity: number, reason: string, value?: string): Omit<SeatRecord, 'seat'> => ({
  vote: 'request_changes' as Vote,
  severity,
  reasons: [reason],
  patches: value ? [{ op: 'replace_text', path: 'draft.text', value } satisfies Patch] : [],
});
const veto = (severity: number, reason: string): Omit<SeatRecord, 'seat'> => ({ vote: 'veto', severity, reasons: [reason], patches: [] });

/** The draft's language for the seats: en/es are the written ones; anything else reads as English. */
const draftLang = (ctx: SeatContext): 'en' | 'es' => (ctx.templateId.endsWith(':es') ? 'es' : 'en');
const replyLang = (ctx: SeatContext): Language => {
  const code = ctx.templateId.slice(-2) as Language;
  return code;
};
const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter((s) => s.trim());
const firstQuestionOnly = (text: string) => {
  const all = sentences(text);
  const first = all.findIndex((x) => x.includes('?'));
  return all.filter((x, i) => !x.includes('?') || i === first).join(' ');
};
const withoutSentence = (text: string, bad: RegExp) => sentences(text).filter((s) => !bad.test(` ${readText(s).folded} `)).join(' ');

const DISCLOSURE_INVITE = anyOf('tell me more', 'how do you feel', 'how are you feeling', 'what happened', 'talk about it', 'share more', 'open up', 'cuentame mas', 'como te sientes', 'que te paso', 'que paso', 'hablemos de (?:ello|eso)', 'desahogate');
const HARMFUL = anyOf('stop (?:taking|eating)', 'skip meals', 'fast(?:ing)? for', 'pills?', 'medication', 'medicacion', 'deja de (?:comer|tomar)', 'ayuno', 'diet pills', 'laxatives?');
const THERAPY_ASK = anyOf('therap\\w*', 'terapia', 'psycholog\\w*', 'psicolog\\w*', 'counsel\\w*', 'diagnos\\w*');
const PII_ASK = anyOf('(?:your|tu|su) (?:phone|number|numero|telefono|address|direccion|email|correo|dni|passport|pasaporte|birthday|fecha de nacimiento|id)', 'send me your', 'mandame tu', 'pasame tu');
const MINIMISING = anyOf('do not worry', 'dont worry', 'cheer up', 'it is not that bad', 'its not that bad', 'everything happens for a reason', 'no te preocupes', 'animate', 'no es para tanto', 'todo pasa por algo', 'just relax', 'tranquil[oa]');
const PROMISE = anyOf('in \\d+ minutes', 'right now', 'i will call you', 'te llamo (?:ahora|ya)', 'guarantee\\w*', 'garantiz\\w*', 'promise', 'prometo', 'en \\d+ minutos');
const CLAIMS = anyOf('cure\\w*', 'cura\\w*', 'heal\\w*', 'diagnos\\w*', 'treat\\w*', 'tratamiento', 'guaranteed results', 'resultados garantizados', '100 ?%', 'sanar', 'depression', 'depresion', 'anxiety', 'ansiedad');
const PERSONAL = anyOf('personally', 'myself', 'personalmente', 'en persona', 'personnellement', 'en personne', 'pessoalmente', 'di persona', 'personalmente', 'personlich', 'persona');
const EMERGENCY = /\b(?:112|911|999)\b|emergenc|urgence|notruf|emergèn|emergên/i;
const URLS = /https?:\/\/[^\s)]+/g;
const EMAILS = /[\w.+-]+@[\w-]+\.[\w.-]+/g;
const PHONES = /\+?\d[\d\s-]{7,}\d/g;

function template(key: string, lang: 'en' | 'es'): string | undefined {
  return TOP20.find((t) => t.key === key)?.text[lang];
}

function fill(text: string, settings: DraftSettings): string {
  const map: Record<string, string | undefined> = {
    BOOK_LINK: settings.book_link, COURSE_LINK: settings.course_link, VIDEO_LINK: settings.video_link, PRICE_LINK: settings.price_link,
    SUPPORT_EMAIL: settings.support_email, BUSINESS_NAME: settings.business_name,
  };
  return text.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => map[name] ?? whole);
}

const allowedHosts = (settings: DraftSettings) =>
  new Set([settings.book_link, settings.course_link, settings.video_link, settings.price_link].filter((u): u is string => Boolean(u)).map((u) => new URL(u).host));

/** The roster in panel order: the first 5 always sit, the first 10 for needs-human, all 20 for urgent. */
export const ROSTER: Seat[] = [
  seat('safety', (ctx) => {
    if (ctx.triage.risk.tier === 'urgent') return veto(1, 'urgent tier: a person answers now; the draft is only offered to them');
    if (ctx.triage.risk.tier === 'needs-human') return veto(0.8, `needs-human tier (${ctx.triage.risk.reasons.join(', ')}): a person answers`);
    if (HARMFUL.test(readText(ctx.text).folded)) return veto(0.9, 'the draft gives advice that could cause harm');
    return approve('no crisis signal; no harmful advice in the draft');
  }),
  seat('boundary', (ctx) => {
    const folded = readText(ctx.text).folded;
    if (DISCLOSURE_INVITE.test(folded)) {
      const kept = withoutSentence(ctx.text, DISCLOSURE_INVITE);
      return change(0.6, 'the draft invites disclosure in a DM', kept || fill(template('book_general', draftLang(ctx))!, ctx.settings));
    }
    if (ctx.triage.risk.tier === 'normal' && THERAPY_ASK.test(readText(ctx.message).folded) && !ctx.text.includes(ctx.settings.book_link ?? '{BOOK_LINK}')) {
      return change(0.5, 'a therapy question is routed to a booked session, not answered in a DM', fill(template('book_general', draftLang(ctx))!, ctx.settings));
    }
    return approve('no therapy by DM; no invitation to disclose');
  }),
  seat('language', (ctx) => {
    const lang = ctx.triage.language;
    if (lang.code === 'und' || lang.confidence < 0.5) {
      return ctx.templateId.startsWith('safe:language_question') ? approve('language unknown: the draft asks which one') : change(0.5, 'language uncertain: ask which language instead', SAFE.language_question);
    }
    const written = replyLang(ctx);
    if (written !== lang.code && !ctx.templateId.startsWith('safe:language_question')) {
      if ((lang.code === 'en' || lang.code === 'es') && ctx.templateId.startsWith('top20:')) {
        const key = ctx.templateId.split(':')[1]!;
        return change(0.7, `the draft is in ${written}, the sender wrote ${lang.code}`, fill(template(key, lang.code)!, ctx.settings));
      }
      return veto(0.7, `the draft is in ${written}, the sender wrote ${lang.code}`);
    }
    // No mixing: the draft's own text reads as the language it claims (links and addresses aside).
    const bare = ctx.text.replace(URLS, ' ').replace(EMAILS, ' ');
    const read = readText(bare);
    if (read.letters >= 25) {
      const seen = detectLanguage(bare, read).code;
      if (seen !== 'und' && seen !== written) return veto(0.6, `the draft reads as ${seen}, not ${written}`);
    }
    return approve(`same language as the sender (${lang.code})`);
  }),
  seat('privacy', (ctx) => {
    const folded = readText(ctx.text).folded;
    if (PII_ASK.test(folded)) return change(0.6, 'the draft asks for personal data in a DM', withoutSentence(ctx.text, PII_ASK) || fill(template('help_general', draftLang(ctx))!, ctx.settings));
    const own = new Set([ctx.settings.support_email].filter(Boolean));
    const foreignEmail = (ctx.text.match(EMAILS) ?? []).some((e) => !own.has(e));
    if (foreignEmail || PHONES.test(ctx.text.replace(URLS, ' '))) return veto(0.8, 'the draft carries an email or phone number that is not the client\'s own');
    return approve('no personal data asked for or repeated');
  }),
  seat('next_step', (ctx) => {
    const unfilled = [...ctx.text.matchAll(/\{([A-Z_]+)\}/g)].map((m) => m[1]);
    // A placeholder left in is no step at all: the sender would get "{BOOK_LINK}".
    if (unfilled.length > 0) return veto(0.7, `the next step is missing: ${unfilled.join(', ')} is not set in the client's DM settings`);
    const hasLink = URLS.test(ctx.text);
    URLS.lastIndex = 0;
    const hasEmail = EMAILS.test(ctx.text);
    EMAILS.lastIndex = 0;
    const questions = (ctx.text.match(/\?/g) ?? []).length;
    if (ctx.triage.risk.tier !== 'normal') return approve('escalated: the next step is a person');
    if (hasLink || hasEmail || questions === 1) return approve('one clear next step');
    if (questions > 1) return change(0.3, 'more than one question', firstQuestionOnly(ctx.text));
    const ask = draftLang(ctx) === 'es' ? ' ¿En qué te puedo ayudar?' : ' How can I help?';
    return change(0.3, 'no next step: add one question', `${ctx.text}${ask}`);
  }),
  seat('tone', (ctx) => {
    const emoji = ctx.text.match(/\p{Extended_Pictographic}/gu) ?? [];
    if (ctx.text.length > 320) return change(0.3, 'longer than a DM reply should be (320 characters)', sentences(ctx.text).slice(0, 2).join(' '));
    if (emoji.length > 2) return change(0.2, 'more than two emoji', ctx.text.replace(/\p{Extended_Pictographic}/gu, (e, i: number) => (ctx.text.slice(0, i).match(/\p{Extended_Pictographic}/gu) ?? []).length < 2 ? e : ''));
    if (/!{2,}/.test(ctx.text) || readText(ctx.text).capsRatio > 0.5) return change(0.2, 'shouting (!! or capitals)', ctx.text.replace(/!{2,}/g, '!'));
    return approve('short, calm, at most two emoji');
  }),
  seat('spam_abuse', (ctx) => {
    if (ctx.triage.risk.reasons.includes('harassment')) return veto(0.7, 'harassment: block/report guidance for the reviewer; no reply drafted to it');
    return approve('no abuse loop');
  }),
  seat('contrarian', (ctx) => {
    // Misreadings the draft must survive: a weak intent reading, a message that is upset.
    if (ctx.triage.risk.tier !== 'normal') return approve('escalated: no content debate');
    if (ctx.triage.intent.confidence < 0.5 && ctx.triage.intent.label !== 'other' && ctx.templateId.startsWith('top20:')) {
      return change(0.4, `intent ${ctx.triage.intent.label} read with low confidence: ask instead of guessing`, fill(template('help_general', draftLang(ctx))!, ctx.settings));
    }
    if (ctx.triage.risk.score >= 0.15 && !/^(?:I'm sorry|Sorry|Siento|Perdona|Lo siento)/.test(ctx.text)) {
      const sorry = draftLang(ctx) === 'es' ? 'Siento lo que cuentas. ' : "I'm sorry to hear that. ";
      return change(0.3, 'read as upset, the sender would get a cheerful reply: acknowledge first', `${sorry}${ctx.text}`);
    }
    return approve('the draft holds under the other readings tried');
  }),
  seat('claims', (ctx) => (CLAIMS.test(readText(ctx.text).folded) ? veto(0.8, 'medical or guaranteed-result claim in the draft') : approve('no medical or guaranteed-result claim'))),
  seat('placeholders', (ctx) => {
    const left = [...new Set([...ctx.text.matchAll(/\{([A-Z_]+)\}/g)].map((m) => m[1]))];
    return left.length > 0 ? veto(0.6, `unfilled placeholder ${left.join(', ')}: set it in the client's DM settings`) : approve('every placeholder filled');
  }),
  seat('crisis_route', (ctx) => {
    if (ctx.triage.risk.tier !== 'urgent') return approve('not urgent');
    return EMERGENCY.test(ctx.text) ? approve('the draft points to emergency help') : change(1, 'urgent: the draft must point to emergency help', SAFE.urgent[replyLang(ctx)] ?? SAFE.urgent.en);
  }),
  seat('no_minimising', (ctx) => (MINIMISING.test(readText(ctx.text).folded) ? change(0.5, 'the draft minimises what the sender said', withoutSentence(ctx.text, MINIMISING) || ctx.text) : approve('nothing minimised'))),
  seat('no_promises', (ctx) => (PROMISE.test(readText(ctx.text).folded) ? change(0.4, 'the draft promises a time or a result', withoutSentence(ctx.text, PROMISE) || ctx.text) : approve('no promise of time or result'))),
  seat('no_echo', (ctx) => {
    const said = readText(ctx.message).words;
    const draftFolded = readText(ctx.text).folded;
    for (let i = 0; i + 4 <= said.length; i++) {
      if (draftFolded.includes(` ${said.slice(i, i + 4).join(' ')} `)) return veto(0.5, 'the draft repeats the sender\'s own words');
    }
    return approve('the sender\'s words are not repeated');
  }),
  seat('one_question', (ctx) => ((ctx.text.match(/\?/g) ?? []).length > 1 ? change(0.3, 'more than one question', firstQuestionOnly(ctx.text)) : approve('at most one question'))),
  seat('link_safety', (ctx) => {
    const hosts = allowedHosts(ctx.settings);
    const links = ctx.text.match(URLS) ?? [];
    const bad = links.filter((l) => !l.startsWith('https://') || !hosts.has(new URL(l).host));
    return bad.length > 0 ? veto(0.7, 'a link that is not https or not on the client\'s own domains') : approve(links.length ? 'links are the client\'s own, over https' : 'no links');
  }),
  seat('plain_words', (ctx) => {
    const long = sentences(ctx.text).some((s) => s.split(/\s+/).length > 35);
    return long ? change(0.2, 'a sentence longer than 35 words') : approve('plain, short sentences');
  }),
  seat('thread_language', (ctx) => {
    const { language } = ctx.triage;
    if (language.source === 'thread' && replyLang(ctx) !== language.code && !ctx.templateId.startsWith('safe:language_question')) return veto(0.5, 'the draft leaves the thread\'s language');
    return approve(language.source === 'thread' ? 'the thread\'s language kept' : 'language from the message itself');
  }),
  seat('handoff', (ctx) => {
    if (ctx.triage.risk.tier === 'normal') return approve('no handoff needed');
    return PERSONAL.test(readText(ctx.text).folded) ? approve('the draft says a person will answer') : change(0.6, 'an escalated draft must say a person will answer', SAFE.holding[replyLang(ctx)] ?? SAFE.holding.en);
  }),
  seat('record', (ctx) => {
    const ok = /^(?:top20|safe):[a-z_]+:v\d+:[a-z]{2}$/.test(ctx.templateId) && ctx.text.trim().length > 0;
    return ok ? approve('template id and text are well formed') : veto(1, 'the draft record is malformed');
  }),
];
