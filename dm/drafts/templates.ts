import type { Intent, Language, Placeholder } from '../records.js';

/**
 * The Top-20 reply templates (spec 003 §3) in English and Spanish, and the few safe replies
 * beside them: the one-line language question, a bridge line in each language the assistant
 * detects but does not write, and the holding replies of the two escalation tiers.
 *
 * Every template is short, mirrors the sender's language, gives one next step (a link or one
 * question) and never invites the sender to say more about something painful in a DM.
 * `{PLACEHOLDER}`s are filled from the client's settings.
 */
export interface Template {
  /** `<intent>_<case>`: the id's middle part (`top20:book_reschedule:v1:es`). */
  key: string;
  intent: Intent;
  version: number;
  text: Record<'en' | 'es', string>;
}

export const TOP20: Template[] = [
  { key: 'book_general', intent: 'book', version: 1, text: { en: 'Happy to book you in! Pick the time that suits you here: {BOOK_LINK}', es: '¡Genial! Elige el horario que mejor te venga aquí: {BOOK_LINK}' } },
  { key: 'book_reschedule', intent: 'book', version: 1, text: { en: 'No problem! You can move your session to another time here: {BOOK_LINK}', es: '¡Sin problema! Puedes cambiar tu sesión a otro horario aquí: {BOOK_LINK}' } },
  { key: 'book_cancel', intent: 'book', version: 1, text: { en: 'Of course. You can cancel or change your session here: {BOOK_LINK}', es: 'Claro. Puedes cancelar o cambiar tu sesión aquí: {BOOK_LINK}' } },
  { key: 'book_availability', intent: 'book', version: 1, text: { en: 'All the free slots are here, updated live: {BOOK_LINK}', es: 'Todos los huecos libres están aquí, actualizados al momento: {BOOK_LINK}' } },
  { key: 'link_course', intent: 'link', version: 1, text: { en: 'Here you go! This is the link to the programme: {COURSE_LINK}', es: '¡Aquí lo tienes! Este es el enlace al programa: {COURSE_LINK}' } },
  { key: 'link_broken', intent: 'link', version: 1, text: { en: 'Sorry about that! This link works: {COURSE_LINK}', es: '¡Perdona! Este enlace sí funciona: {COURSE_LINK}' } },
  { key: 'link_booking', intent: 'link', version: 1, text: { en: 'Here is the booking link: {BOOK_LINK}', es: 'Aquí tienes el enlace para reservar: {BOOK_LINK}' } },
  { key: 'video_where', intent: 'video', version: 1, text: { en: 'You will find all the videos here: {VIDEO_LINK}', es: 'Todos los vídeos están aquí: {VIDEO_LINK}' } },
  { key: 'video_replay', intent: 'video', version: 1, text: { en: 'The replay is up here: {VIDEO_LINK}', es: 'La grabación está aquí: {VIDEO_LINK}' } },
  { key: 'video_topic', intent: 'video', version: 1, text: { en: 'Good question! Everything I have posted on it is here: {VIDEO_LINK}', es: '¡Buena pregunta! Todo lo que he publicado sobre eso está aquí: {VIDEO_LINK}' } },
  { key: 'price_general', intent: 'price', version: 1, text: { en: 'All prices and packages are here: {PRICE_LINK}', es: 'Todos los precios y packs están aquí: {PRICE_LINK}' } },
  { key: 'price_discount', intent: 'price', version: 1, text: { en: 'Every current offer is listed here: {PRICE_LINK}', es: 'Todas las ofertas actuales están aquí: {PRICE_LINK}' } },
  { key: 'price_plan', intent: 'price', version: 1, text: { en: 'Yes, there are payment options. The details are here: {PRICE_LINK}', es: 'Sí, hay opciones de pago. Los detalles están aquí: {PRICE_LINK}' } },
  { key: 'help_access', intent: 'help', version: 1, text: { en: 'Sorry about that! Write to {SUPPORT_EMAIL} with the email you signed up with and we will sort it out.', es: '¡Perdona! Escribe a {SUPPORT_EMAIL} con el email con el que te registraste y lo solucionamos.' } },
  { key: 'help_payment', intent: 'help', version: 1, text: { en: 'Sorry about that! Please write to {SUPPORT_EMAIL} and we will help you with the payment.', es: '¡Perdona! Escribe a {SUPPORT_EMAIL} y te ayudamos con el pago.' } },
  { key: 'help_refund', intent: 'help', version: 1, text: { en: 'Please write to {SUPPORT_EMAIL} with your order details and we will look into it.', es: 'Escribe a {SUPPORT_EMAIL} con los datos de tu pedido y lo revisamos.' } },
  { key: 'help_general', intent: 'help', version: 1, text: { en: 'Happy to help! What exactly do you need?', es: '¡Te ayudo! ¿Qué necesitas exactamente?' } },
  { key: 'other_greeting', intent: 'other', version: 1, text: { en: 'Hi! 😊 How can I help you today?', es: '¡Hola! 😊 ¿En qué te puedo ayudar?' } },
  { key: 'other_thanks', intent: 'other', version: 1, text: { en: 'Thank you so much, that means a lot! 🙏 Anything I can help you with?', es: '¡Mil gracias, me alegra mucho! 🙏 ¿Te puedo ayudar en algo?' } },
  { key: 'other_collab', intent: 'other', version: 1, text: { en: 'Thanks for reaching out! For collaborations, please write to {SUPPORT_EMAIL}.', es: '¡Gracias por escribir! Para colaboraciones, escribe a {SUPPORT_EMAIL}.' } },
];

/** Replies outside the Top 20, each with its own id under `safe:`. */
export const SAFE = {
  /** Language unknown: one line, both languages the templates speak. */
  language_question: 'Hi! 😊 English or español?',
  /** A language the assistant detects but does not write: one question, in that language. */
  language_bridge: {
    fr: 'Bonjour ! Je peux vous répondre en anglais ou en espagnol, lequel vous convient ?',
    pt: 'Olá! Posso responder em inglês ou em espanhol, qual prefere?',
    it: 'Ciao! Posso rispondere in inglese o in spagnolo, quale preferisci?',
    de: 'Hallo! Ich kann auf Englisch oder Spanisch antworten, was ist dir lieber?',
    ca: 'Hola! Et puc respondre en anglès o en castellà, quin et va millor?',
  } satisfies Record<Exclude<Language, 'en' | 'es'>, string>,
  /** needs-human: a holding line; a person answers. */
  holding: {
    en: 'Thank you for writing. I want to answer this properly myself, so I will reply to you personally soon.',
    es: 'Gracias por escribirme. Quiero responderte bien en persona, así que te contesto muy pronto.',
    fr: "Merci de m'avoir écrit. Je veux vous répondre correctement en personne, je reviens vers vous très vite.",
    pt: 'Obrigado por escreveres. Quero responder-te com calma e pessoalmente, respondo muito em breve.',
    it: 'Grazie per avermi scritto. Voglio risponderti bene di persona, ti scrivo molto presto.',
    de: 'Danke für deine Nachricht. Ich möchte dir persönlich und in Ruhe antworten, ich melde mich sehr bald.',
    ca: "Gràcies per escriure'm. Et vull respondre bé en persona, et contesto molt aviat.",
  } satisfies Record<Language, string>,
  /** urgent: where to get help now; a person answers. */
  urgent: {
    en: 'I am really glad you wrote. If you are in danger or thinking of hurting yourself, please call your local emergency number now (112 in Europe, 911 in the US). I will reply to you personally as soon as I can.',
    es: 'Me alegra mucho que me hayas escrito. Si estás en peligro o piensas en hacerte daño, llama ahora al número de emergencias (112 en Europa). Te respondo personalmente en cuanto pueda.',
    fr: "Merci vraiment de m'avoir écrit. Si vous êtes en danger ou pensez à vous faire du mal, appelez maintenant le numéro d'urgence (112 en Europe). Je vous réponds personnellement dès que possible.",
    pt: 'Obrigado mesmo por escreveres. Se estás em perigo ou a pensar em magoar-te, liga agora para o número de emergência (112 na Europa). Respondo-te pessoalmente assim que puder.',
    it: 'Grazie davvero per avermi scritto. Se sei in pericolo o pensi di farti del male, chiama subito il numero di emergenza (112 in Europa). Ti rispondo personalmente appena posso.',
    de: 'Danke, dass du mir geschrieben hast. Wenn du in Gefahr bist oder daran denkst, dir etwas anzutun, ruf bitte sofort den Notruf an (112 in Europa). Ich antworte dir persönlich, so schnell ich kann.',
    ca: "Gràcies de debò per escriure'm. Si estàs en perill o penses en fer-te mal, truca ara al número d'emergències (112 a Europa). Et responc personalment tan aviat com pugui.",
  } satisfies Record<Language, string>,
} as const;

export const PLACEHOLDER_PATTERN = /\{([A-Z_]+)\}/g;

export function placeholdersOf(text: string): Placeholder[] {
  return [...new Set([...text.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1] as Placeholder))];
}
