import { eld } from 'eld/medium';
import { LANGUAGES, type Language, type LanguageCode } from '../records.js';
import type { ReadText } from './text.js';

/**
 * Language of a DM (spec 003 §2): from the text when there is enough of it, else the
 * thread's last confident language, else `und` with confidence below 0.5 (the draft then
 * asks which language to use).
 *
 * Two readers vote. ELD (an n-gram detector, subset to the seven languages the assistant
 * knows) is good on a sentence and unreliable on two words; common words and DM greetings
 * ("hola", "merci", "vull", "danke") carry short texts and tell mixed messages' dominant
 * language. A word several languages share counts for each of them in part.
 */
export interface LanguageVerdict {
  code: LanguageCode;
  confidence: number;
  source: 'text' | 'thread' | 'none';
}

const detector = eld.newInstance();
detector.setLanguageSubset([...LANGUAGES]);

/** Frequent and DM-typical words per language, folded (no accents), whole words. */
const CUES: Record<Language, string> = {
  en: `the and is are you your i me my to of in it for on with this that what how can do does hi hello hey thanks thank please much want need
    when where have would could just about yes get send there any more still got hours week tomorrow today morning pay paid anyone answer sorry love
    link gm gn lol omg dead btw tbh ngl right now was were will be been did not`,
  es: `el los las del y es un una por para con hola gracias quiero quisiera puedo cuanto cuesta precio como donde cuando tengo mi te tu usted
    buenas buenos dias tardes noches reservar cita sesion enlace pero muy esta estoy hay algo tambien porque mas necesito ya hacer vale curso
    pagar pague nadie semana manana hoy ayer ahora tienes teneis podrias podeis saber donde encuentro mandame pasame gusto mucho vuestro
    lo le les se su sus nos os al este eso esto ese bien mal nada todo todos toda todas ser estar voy vas va vamos tiene puede puedes podria quieres hace
    entonces despues antes siempre nunca oye mira porfa algun sale deja funciona llamada sois unos unas digo vez tercera poner asco en la me no acer`,
  fr: `le les des du et est je tu vous nous une pour avec pas ne qui bonjour salut merci combien prix rendez cours lien comment ou quand
    voudrais veux suis mon ma mes votre ce cette aussi tres oui non il elle avoir faire seance reserver peux pouvez puis
    en la c est quelle quel deja au aux sur mais l`,
  pt: `o os as do da dos das e um uma para com nao sim ola oi obrigado obrigada quero queria quanto custa preco onde tenho meu minha voce
    voces tambem muito estou sessao marcar pra sobre gostaria posso fazer agendar aula
    eu ele ela isso isto esse essa bem tudo acho ficaria sem mim melhor ter tem fazer mas agora depois sempre nunca pro ta to vou vai seu sua em no na nos nas ao aos kkk`,
  it: `il lo gli di del della che per non ciao grazie vorrei voglio quanto costa prezzo dove ho mio mia sono anche molto questo questa
    sessione prenotare corso buongiorno salve posso io perche come sei vostro
    la mi ti ci hai ha abbiamo ieri oggi domani alle funziona sto dalle tuo tua con l`,
  de: `der die das und ist ich du sie wir ein eine einen fur mit nicht auch hallo danke bitte wie viel kostet preis wo wann mochte will kann
    mein meine termin kurs gibt den dem zu auf ja nein guten tag sehr habe haben buchen
    dein deine ist es gibts geht nicht war wird noch schon mal`,
  ca: `els les del i que un una per amb hola bon dia bona tarda gracies vull voldria quant costa preu com on quan tinc meu meva tambe molt
    aquest aquesta sessio reservar curs enllac puc fer mes perque pero estic podria saber
    en la em et pel pels amb moltes ahir avui dema pot terminis hi ha millor algun l`,
};

const CUE_LANGS = new Map<string, Language[]>();
for (const lang of LANGUAGES) {
  for (const word of CUES[lang].split(/\s+/).filter(Boolean)) CUE_LANGS.set(word, [...(CUE_LANGS.get(word) ?? []), lang]);
}

/** Letters below which ELD alone is not trusted. */
const SHORT_TEXT = 15;
/** Confidence of a language carried over from the thread. */
const THREAD_CONFIDENCE = 0.6;

function cueVotes(words: string[]): Map<Language, number> {
  const votes = new Map<Language, number>();
  for (const word of words) {
    // "hiii", "holaaa": the folded word keeps two of a run; the cue list has one.
    const langs = CUE_LANGS.get(word) ?? CUE_LANGS.get(word.replace(/(\p{L})\1+/gu, '$1'));
    if (!langs) continue;
    for (const lang of langs) votes.set(lang, (votes.get(lang) ?? 0) + 1 / langs.length);
  }
  return votes;
}

function eldScores(raw: string): Map<Language, number> {
  const text = raw.replace(/https?:\/\/\S+|www\.\S+/gi, ' ').replace(/\p{Extended_Pictographic}/gu, ' ');
  const scores = detector.detect(text).getScores();
  const out = new Map<Language, number>();
  for (const lang of LANGUAGES) if (scores[lang] !== undefined) out.set(lang, scores[lang]!);
  return out;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export function detectLanguage(raw: string, read: ReadText, threadLang?: Language): LanguageVerdict {
  const votes = cueVotes(read.words);
  const cueTotal = [...votes.values()].reduce((a, b) => a + b, 0);
  const eld = read.letters >= 4 ? eldScores(raw) : new Map<Language, number>();
  const eldTop = Math.max(0, ...eld.values());

  // Each language's share: ELD's score relative to its best, and the cue words' share.
  const eldWeight = read.letters >= SHORT_TEXT ? 1 : read.letters >= 8 ? 0.5 : 0.2;
  const combined = LANGUAGES.map((lang) => {
    const e = eldTop > 0 ? (eld.get(lang) ?? 0) / eldTop : 0;
    const c = cueTotal > 0 ? (votes.get(lang) ?? 0) / cueTotal : 0;
    return { lang, score: eldWeight * e + c };
  }).sort((a, b) => b.score - a.score);
  const [best, second] = combined as [{ lang: Language; score: number }, { lang: Language; score: number }];

  const evidence = read.letters >= SHORT_TEXT || cueTotal >= 1;
  if (best.score > 0 && evidence) {
    const margin = (best.score - second.score) / Math.max(best.score, 1e-9);
    const amount = Math.min(1, read.letters / 40) * 0.25 + Math.min(1, cueTotal / 3) * 0.2;
    const confidence = clamp(0.35 + margin * 0.6 + amount, 0, 0.99);
    if (confidence >= 0.5 || !threadLang) return { code: best.lang, confidence: round(confidence), source: 'text' };
  }
  if (threadLang) return { code: threadLang, confidence: THREAD_CONFIDENCE, source: 'thread' };
  if (best.score > 0 && read.letters >= 8) return { code: best.lang, confidence: 0.4, source: 'text' };
  return { code: 'und', confidence: read.letters > 0 ? 0.2 : 0, source: 'none' };
}

const round = (x: number) => Math.round(x * 100) / 100;
