import type { Intent } from '../records.js';
import { anyOf, type ReadText } from './text.js';

/**
 * Intent by keyword routing (spec 003 §2): each intent has cue patterns in the seven languages,
 * folded; a phrase that says more than a word ("how much", "link in bio", "no puedo entrar")
 * weighs two. The best score wins; ties go to the intent whose reply is more specific (a link
 * over a price over a booking over a video over help). No cue: `other` with low confidence.
 */
interface Cue {
  pattern: RegExp;
  weight: number;
}

const cue = (weight: number, ...patterns: string[]): Cue => ({ pattern: anyOf(...patterns), weight });

const DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends?|lunes|martes|miercoles|jueves|viernes|sabado|domingo|el finde|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|segunda|terca|quarta|quinta|sexta|lunedi|martedi|mercoledi|giovedi|venerdi|sabato|domenica|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|dilluns|dimarts|dimecres|dijous|divendres|dissabte|diumenge';

const CUES: Record<Exclude<Intent, 'other'>, Cue[]> = {
  book: [
    cue(2, 'book(?:ing|ed)? (?:a |an |my |the |in )?(?:session|call|slot|appointment|consult\\w*|class|spot|discovery)', 'reschedul\\w*', 'rebook\\w*', 'appointment\\w*',
      '(?:cambiar|mover|pasar|moure|change|move|swap|switch) (?:la |mi |my |the |it to |to )?(?:cita|sesion|sessio|hora|reserva|day|date|time|booking|session|call)', 'anular (?:la |mi )?(?:cita|sesion|reserva)',
      'cancel\\w* (?:\\w+ )?(?:my |the |la |mi |mis |todas mis )?(?:session|sessions|booking|appointment|cita|citas|sesion|sesiones|reserva|call)', 'pedir (?:una )?cita', 'rendez vous', 'prendre rdv', 'rdv',
      'marcar (?:uma )?(?:sessao|consulta|horario)', 'agendar', 'prenot\\w*', 'appuntamento', 'termin\\w*', 'buchen', 'get a (?:spot|place|slot)', 'what times', 'wat times', 'que (?:dias|horarios)',
      'any (?:free )?(?:slots?|spots?|availability)', '(?:any|some) (?:space|room)', 'one (?:to|on) one', '1 (?:to|on|a) 1', 'hueco', 'huecos', 'disponi\\w*', 'avail\\w*', 'free (?:on|this|next) \\w+'),
    cue(1, 'book', 'booked', 'booking', 'reserv\\w*', 'cita', 'citas', 'schedule', 'slot', 'slots', 'spot', 'spots', 'session', 'sesion', 'sesiones', 'seance', 'sessao', 'sessione', 'sessio',
      'call', 'llamada', 'videollamada', 'consulta', 'available', 'disponible', 'cancel', 'cancela\\w*', 'swap', 'cancelar', 'turno', 'hora', 'horario', 'meet', 'quedar', 'posto', 'plaza', 'plazas', 'place', 'vaga',
),
    cue(0.5, DAYS, 'tomorrow', 'manana', 'demain', 'amanha', 'domani', 'morgen', 'dema'),
    cue(1, '\\d{1,2} (?:pm|am|h|uhr)', '\\d{1,2} \\d{2}', '\\d{1,2}(?:pm|am|h)', '\\d{1,2}(?:st|nd|rd|th)'),
  ],
  link: [
    cue(3, '(?:link|enlace|lien|enllac)(?: \\w+){0,4} (?:no|not|nao|non|nicht) (?:me |te )?(?:funciona\\w*|work\\w*|abre|open\\w*|load\\w*|carga|va|marche|funziona|geht)',
      '(?:link|enlace|lien|enllac)(?: \\w+){0,4} (?:geht|funktioniert|marche|funciona|funziona|works?) (?:nicht|pas|no|not)'),
    cue(2, 'link (?:in|en|na|nella|im|de la|of the) (?:bio|perfil)', '(?:send|give|share|drop|shoot) (?:me |us )?(?:the |a |your )?link', '(?:pasa|manda|envia|pasad|mandad|pasas|mandas|envias)(?:me|nos)? (?:el |un )?(?:link|enlace)',
      'where (?:do|can) i (?:sign up|register|join|buy|enrol+)', 'donde (?:me )?(?:inscribo|apunto|compro|registro)', 'sign up', 'inscribir\\w*', 'apuntarme', 'inscrev\\w*', 'inscri(?:re|s|ption|cao)', 'me inscrevo',
      '(?:link|enlace|lien|enllac) (?:del?|to|for|pour|para|per|al|a la) \\w+', '(?:can not|could not|no) (?:find|encuentro) (?:the |el )?(?:link|enlace)'),
    cue(2, '(?:den |the |el |le |o |il )?link (?:\\w+ ){0,3}(?:schicken|senden|mandar|enviar|envoyer|mandare|inviare)', 'bio geht nicht'),
    cue(1, 'link', 'links', 'enlace', 'enlaces', 'lien', 'enllac', 'url', 'web', 'website', 'pagina', 'inscripcion', 'register', 'registro', 'linkk', 'bio'),
  ],
  video: [
    cue(2, '(?:which|what|que|quel|quelle|qual|welches|where is|donde esta) (?:last |ultimo |new |nuevo |one )?(?:video|reel|vid|live|directo|directe|webinar)', 'replay', 'grabacion', 'recording', 'where (?:can|do) i watch', '(?:wo|where|donde|ou|onde|dove|on) (?:\\w+ ){0,3}(?:video|videos|reel|live|replay|directo)',
      'donde (?:puedo )?ver', 'on youtube', 'en youtube', 'youtube', 'ver el (?:video|directo|reel)', 'repeticion', 'webinar\\w*', 'masterclass', 'rediffusion', 'aufzeichnung', 'gravacao', 'registrazione',
      'is there a (?:video|reel|tutorial)', '(?:une|un|a|an|uma|um|ein|eine) (?:video|reel) (?:de|on|about|sobre|sur|su|uber|per|for|para|pour)', '(?:hiciste|hicistes|tienes|hay|has) (?:algun |un )?(?:video|reel)', 'do you have (?:a |any )?(?:video|reel)', 'did you (?:make|do|post) (?:a |any )?(?:video|reel)', 'hay (?:algun )?(?:video|reel|tutorial)', 'tienes (?:algun )?(?:video|reel)'),
    cue(1, 'video', 'videos', 'vid', 'vids', 'reel', 'reels', 'live', 'directo', 'directe', 'watch', 'tutorial', 'clip', 'grabado', 'ver', 'veure', 'regarder', 'assistir', 'guardare', 'anschauen', 'youtu'),
  ],
  price: [
    cue(2, 'h[aeiouw]{1,2} mu?ch', 'cuanto (?:cuesta|cuestan|vale|valen|bale|es|sale|cobras|cobrais|seria)', 'combien (?:ca )?(?:coute|coutent|ca)?', 'quanto (?:custa|custam|costa|costano|e)',
      'wie ?viel', 'quant (?:costa|val|es)', 'payment plan', 'pay in (?:installments|instalments|parts)', 'a plazos', 'en cuotas', 'price list', 'lista de precios', 'what do you charge',
      'discount\\w*', 'codigo (?:de )?descuento', 'any (?:discount|deal|offer|promo)\\w*', 'black friday', 'cyber monday', 'one time payment', 'per month', 'monthly', 'al mes', 'mensual\\w*',
      'ratenzahlung', 'money is tight', 'student (?:price|rate|discount)\\w*'),
    cue(1, 'price', 'prices', 'pricing', 'cost', 'costs', 'fee', 'fees', 'rate', 'rates', 'pa(?:c?k)a?ge?s?', 'promo', 'coupon', 'code', 'codigo', 'cheap\\w*', 'expensive',
      'afford', 'precio', 'precios', 'cuanto', 'cuesta', 'cuestan', 'tarifa', 'tarifas', 'descuento', 'cupon', 'paquete', 'paquetes', 'bono', 'oferta', 'caro', 'barato', 'sale', 'rebajas',
      'prix', 'tarif', 'reduction', 'combien', 'preco', 'precos', 'desconto', 'prezzo', 'prezzi', 'sconto', 'preis', 'preise', 'kostet', 'kosten', 'rabatt', 'raten', 'preu', 'preus', 'descompte',
      'quant', 'quanto', 'euros?', 'eur', 'dollars?', 'usd', 'plazos', 'cuotas', 'installments?', 'subscription', 'suscripcion'),
  ],
  help: [
    cue(2, '(?:can not|cannot|unable to|could not) (?:access|log ?in|login|enter|open|download|pay)', 'no (?:puedo|consigo|me deja) (?:entrar|acceder|abrir|descargar|pagar|acer|hacer login)',
      'no me (?:llega|llego|ha llegado|deja)', '(?:did not|never) (?:receive|get|got)', 'charged twice', 'cobrad[oa] dos veces', 'me (?:han|has|habeis) cobrado', 'se me cobro', 'cobr\\w* dos veces',
      'payment (?:failed|declined|did not go through)', 'el pago (?:no )?(?:fallo|falla|ha fallado|rechazado)', 'refund\\w*', 'reembols\\w*', 'rembours\\w*', 'rimbors\\w*', 'erstatt\\w*',
      'devolucion', '(?:devolv|devuelv|devolved)\\w* (?:el |mi |la |uno|el dinero)', 'my money', 'mi dinero', 'meu dinheiro', 'chargeback', 'contracargo', 'how does (?:it|the \\w+) work', 'como funciona',
      'forgot (?:my )?password', 'olvide (?:mi )?contrasena', 'reset (?:my )?password', '(?:je n arrive pas|j arrive pas|arrive pas) (?:a )?(?:me connecter|acceder|entrer|payer|ouvrir)', 'me connecter', 'mot de passe', 'sin poder (?:entrar|acceder|pagar)', 'pag\\w* y no (?:tengo|me llega|he recibido)', 'marche pas', 'nao consigo (?:entrar|acessar|pagar|abrir)',
      'non riesco (?:a |ad )?(?:accedere|entrare|pagare|aprire)', 'ich (?:kann|komm|komme) nicht (?:in|rein|zahlen|bezahlen|einloggen)', 'no puc (?:entrar|accedir|pagar)',
      '(?:zahlung|paiement|pagamento|payment|pago) (?:\\w+ ){0,3}(?:fehlgeschlagen|failed|echoue|falhou|fallito|fallado)', 'geld (?:nicht )?zuruck', 'mein geld', 'la pasta',
      'cancel\\w* (?:my |the |mi |la )?(?:\\w+ )?(?:subscription|suscripcion|membership|membresia|plan|abo|abonnement)', '(?:sirve|vale|apto|apta|adecuado|suitable) (?:si|if|for|para)', 'se puede hacer (?:con|si)', 'can i do it (?:with|if)', 'get in',
      'card (?:got |was |is )?(?:declined|rejected)', '(?:another|other) way to pay', 'otra forma de pagar', 'rechaz\\w* la tarjeta', '(?:intento|intentado|trying to|tried to) (?:pagar|pay)',
      'no va', 'geht nicht', 'funktioniert nicht', '(?:no|not|does not|do not) (?:carga|load\\w*|funciona|work\\w*|abre|open\\w*)', 'pregnan\\w*', 'embarazad\\w*', 'postpartum',
      'expire\\w*', 'caduca\\w*',
      '(?:in|en) (?:spanish|english|ingles|espanol|castellano|french|frances)', 'ac+es+\\w*'),
    cue(1, 'help', 'ayuda', 'ayudar', 'ayudame', 'aide', 'ajuda', 'aiuto', 'hilfe', 'login', 'passwor\\w*', 'contrasen\\w*', 'senha', 'problem', 'problema', 'issue', 'error',
      'invoice', 'factura', 'receipt', 'recibo', 'email', 'correo', 'mail', 'app', 'modulo', 'module', 'platform', 'plataforma', 'download', 'descargar', 'account', 'cuenta', 'declined', 'checkout',
      'tarjeta', 'card', 'recommend', 'recomiendas', 'restart', 'deberia', 'forever', 'can not find', 'no encuentro', 'injur\\w*', 'lesion\\w*', 'hernia\\w*', 'rodilla', 'knee', 'joelho', 'cirurgia', 'cirugia', 'surgery', 'indicad[oa] para', 'back pain', 'zahlung', 'is (?:it|the|your) (?:\\w+ ){0,3}(?:ok|okay|safe|suitable)',
      'what do you recommend', 'que me recomiendas', 'should i', 'gift', 'regal\\w*'),
  ],
};

/** Thanks, praise and laughter: a message that only appreciates asks for nothing. */
const APPRECIATION = anyOf(
  'thank\\w*', 'thanks', 'thx', 'love (?:it|this|your|the)', 'loved', 'killed it', 'amazing', 'great', 'awesome', 'helped', 'so good', 'gracias', 'genial', 'me encanto', 'me encanta', 'crack',
  'merci', 'obrigad[oa]', 'grazie', 'danke', 'gracies', 'ayudo', 'muchisimo', 'tolle?', 'super', 'bravo', 'ajudou', 'm ha anat', 'bueno', 'buenisimo', 'que bueno', 'brilliant',
  'incredible', 'zu gut', 'trop bien', 'top', 'crack', 'helpful', 'to die for', 'really liked', 'amei', 'adorei', 'j ai adore', 'ho adorato', 'changed my life', 'me cambio la vida', 'cheers',
);
/** Laughing at a video is enjoying it, not asking for it. */
const LAUGHTER = anyOf('jaja\\w*', 'jeje\\w*', 'haha\\w*', 'lol', 'lmao', 'kkk+', 'mdr', 'ptdr', 'riure', 'rire', 'rir', 'ridere', 'lachen', 'risa', 'reido', 'laugh\\w*');
const LAUGH_EMOJI = /😂|🤣|💀|😆|😹/u;
const REQUEST = anyOf(
  'where', 'when', 'how', 'can', 'could', 'send', 'which', 'what', 'donde', 'cuando', 'como', 'puedo', 'puedes', 'quiero', 'quisiera', 'hay', 'tienes', 'ou', 'quand', 'comment', 'onde', 'quando',
  'dove', 'wo', 'wann', 'quan', 'pots', 'puc',
);
const COLLAB = anyOf('gana \\d+', 'desde casa', 'entra en mi perfil', 'check my (?:profile|bio)', 'make \\d+ (?:a|per) (?:day|week)', 'earn \\d+', 'ambassador\\w*', 'selected for', 'claim (?:here|now|your|it)', 'giveaway', 'winner', 'congrat\\w*', 'collab\\w*', 'colab\\w*', 'partnership', 'sponsor\\w*', 'brand deal', 'ugc', 'promote your', 'influencer', 'followers');

/** Ties: the intent with the more specific reply first. */
const TIE_ORDER: Exclude<Intent, 'other'>[] = ['help', 'link', 'price', 'book', 'video'];

export interface IntentVerdict {
  label: Intent;
  confidence: number;
}

function scoreOf(read: ReadText, raw: string): { intent: Exclude<Intent, 'other'>; score: number }[] {
  return TIE_ORDER.map((intent) => {
    let score = 0;
    for (const c of CUES[intent]) {
      // Count each cue's matches, so "precio? cuanto cuesta?" outweighs one passing "video".
      const global = new RegExp(c.pattern.source.replace(/^ /, '(?<= )').replace(/ $/, '(?= )'), 'g');
      score += (read.folded.match(global)?.length ?? 0) * c.weight;
    }
    if (intent === 'price' && /[$€£]/.test(raw)) score += 1;
    return { intent, score };
  });
}

export interface IntentContext {
  /** The sender's earlier messages in the thread, oldest first. */
  thread?: string[];
  /** How to read an earlier message (the triage's reader). */
  readOf?: (text: string) => ReadText;
  /** The message only continues the thread (an angry follow-up, "??"): it keeps the thread's intent when it has none. */
  continuation?: boolean;
}

/**
 * The intent of a message. The thread lends its intent to a message with no cue of its own
 * when that message has next to no words ("??", "10:30", a pasted link) or only continues it.
 */
export function detectIntent(read: ReadText, raw = read.folded, context: IntentContext = {}): IntentVerdict {
  const ranked = scoreOf(read, raw).sort((a, b) => b.score - a.score || TIE_ORDER.indexOf(a.intent) - TIE_ORDER.indexOf(b.intent));
  const [top, next] = ranked as [{ intent: Exclude<Intent, 'other'>; score: number }, { intent: Intent; score: number }];
  if (COLLAB.test(read.folded)) return { label: 'other', confidence: 0.8 };
  const laughs = LAUGHTER.test(read.folded) || LAUGH_EMOJI.test(raw) || /\bahah\w*/.test(read.folded);
  const enjoys = APPRECIATION.test(read.folded) || (laughs && (top.intent === 'video' || (top.intent === 'book' && top.score <= 1)));
  const asks = raw.includes('?') || REQUEST.test(read.folded);
  if (top.score > 0 && top.score <= 3 && (top.intent === 'video' || top.intent === 'book') && enjoys && !asks) return { label: 'other', confidence: 0.7 };
  if (top.score === 0) {
    const { thread = [], readOf, continuation = false } = context;
    if ((read.letters <= 3 || continuation) && readOf) {
      for (const earlier of [...thread].reverse()) {
        const before = detectIntent(readOf(earlier), earlier);
        if (before.label !== 'other' && before.confidence >= 0.6) return { label: before.label, confidence: Math.round(before.confidence * 0.7 * 100) / 100 };
      }
    }
    return { label: 'other', confidence: read.letters === 0 ? 0.2 : 0.35 };
  }
  const lead = top.score - next.score;
  const confidence = Math.min(0.95, 0.5 + 0.1 * Math.min(top.score, 3) + 0.08 * Math.min(lead, 3) - (lead === 0 ? 0.15 : 0));
  return { label: top.intent, confidence: Math.round(confidence * 100) / 100 };
}

/** Strength of the winning intent's cues, for callers that weigh intent against risk. */
export function intentStrength(read: ReadText, raw: string, label: Intent): number {
  if (label === 'other') return 0;
  return scoreOf(read, raw).find((s) => s.intent === label)?.score ?? 0;
}
