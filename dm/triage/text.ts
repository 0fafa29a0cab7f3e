/**
 * What the triage rules read instead of the raw message: lowercase, accents folded, letters
 * repeated for emphasis cut to two ("holaaaa" → "holaa", "plsss" → "plss"), DM shorthand
 * spelled out, emoji kept apart. Rules then match plain ASCII words, so "Cuánto", "cuanto" and
 * "CUANTOOO" are one word to them.
 */

export interface ReadText {
  /** Folded words joined by single spaces, with a space at both ends so rules can match whole words. */
  folded: string;
  words: string[];
  /** Letters in the message (after folding), the measure of how much text there is to read. */
  letters: number;
  emoji: string[];
  /** Share of upper-case letters among the original letters (shouting). */
  capsRatio: number;
  exclamations: number;
  hasUrl: boolean;
}

/** DM shorthand → the word it stands for (folded forms; applied to whole words only). */
const SHORTHAND: Record<string, string> = {
  q: 'que', k: 'que', ke: 'que', xq: 'porque', pq: 'porque', porq: 'porque', tb: 'tambien', tmb: 'tambien', x: 'por',
  d: 'de', msj: 'mensaje', info: 'informacion', pls: 'please', plz: 'please', plss: 'please', u: 'you', ur: 'your', r: 'are',
  didnt: 'did not', doesnt: 'does not', isnt: 'is not', wasnt: 'was not', havent: 'have not', couldnt: 'could not', aint: 'is not',
  thx: 'thanks', ty: 'thanks', tnx: 'thanks', im: 'i am', idk: 'i do not know', dont: 'do not', cant: 'can not', wont: 'will not',
  wanna: 'want to', wana: 'want to', gonna: 'going to', gotta: 'have to', rn: 'right now', asap: 'as soon as possible', vc: 'voce', tbm: 'tambem',
};

/** Spanish written with k for qu/c ("kiero", "kuanto"): the common words only, so "kill" stays "kill". */
const K_SPELLING: Record<string, string> = Object.fromEntries(
  ['kiero', 'kieres', 'kiere', 'kieren', 'kisiera', 'kisieras', 'kien', 'kienes', 'keda', 'kedar', 'kedamos', 'kedan', 'kedo', 'kiza', 'kizas', 'kuanto', 'kuanta', 'kuantos', 'kual', 'kuales', 'kuando', 'komo', 'kosa', 'kasa']
    .map((w) => [w, w.replace(/^k(?=[ie])/, 'qu').replace(/^k/, 'c')]),
);

const URL = /\bhttps?:\/\/\S+|\bwww\.\S+/gi;
const EMOJI = /\p{Extended_Pictographic}/gu;

export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[øœ]/g, (c) => (c === 'ø' ? 'o' : 'oe'))
    .toLowerCase();
}

export function readText(raw: string): ReadText {
  const text = raw ?? '';
  const hasUrl = URL.test(text);
  URL.lastIndex = 0;
  const emoji = text.match(EMOJI) ?? [];
  const upper = (text.match(/\p{Lu}/gu) ?? []).length;
  const lower = (text.match(/\p{Ll}/gu) ?? []).length;
  const withoutUrls = text.replace(URL, ' ');
  // Spanish "k" spelling ("kiero", "ke") is "qu": fold it before word matching.
  const words = fold(withoutUrls)
    .replace(/(\p{L})\1{2,}/gu, '$1$1')
    .split(/[^\p{L}\p{N}'’]+/u)
    .flatMap(splitApostrophe)
    .filter(Boolean)
    .flatMap((w) => (SHORTHAND[w] ?? K_SPELLING[w] ?? w).split(' '));
  const letters = words.join('').replace(/[^\p{L}]/gu, '').length;
  return {
    folded: ` ${words.join(' ')} `,
    words,
    letters,
    emoji,
    capsRatio: upper + lower >= 8 ? upper / (upper + lower) : 0,
    exclamations: (text.match(/!/g) ?? []).length,
    hasUrl,
  };
}

/**
 * French, Catalan and Italian elide a short word into the next ("l'enllaç", "n'arrive",
 * "dell'anno"): those split in two. English contractions ("don't", "I'm") join into one word,
 * which the shorthand table then spells out.
 */
function splitApostrophe(word: string): string[] {
  const w = word.replace(/[’`´]/g, "'").replace(/^'+|'+$/g, '');
  const m = /^(l|d|j|m|n|s|t|c|qu|dell|all|dall|nell|sull|un)'(.+)$/.exec(w);
  if (m) return [m[1]!, m[2]!.replace(/'/g, '')];
  const en = /^(\p{L}+)'(ll|re|ve|d|m)$/u.exec(w);
  if (en) return [en[1]!, { ll: 'will', re: 'are', ve: 'have', d: 'would', m: 'am' }[en[2]!]!];
  return [w.replace(/'/g, '')];
}

/** A rule: whole-word patterns over `ReadText.folded` (write them folded, without accents). */
export function anyOf(...patterns: string[]): RegExp {
  return new RegExp(` (?:${patterns.join('|')}) `);
}
