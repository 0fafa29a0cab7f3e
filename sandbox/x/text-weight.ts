/**
 * X's weighted length of a post, as twitter-text v3 counts it
 * (github.com/twitter/twitter-text config/v3.json and js/src/parseTweet.js):
 * `{"maxWeightedTweetLength":280,"scale":100,"defaultWeight":200,"emojiParsingEnabled":true,
 * "transformedURLLength":23,"ranges":[{0-4351:100},{8192-8205:100},{8208-8223:100},{8242-8247:100}]}`.
 * The text is NFC-normalised; every URL counts 23 (its t.co form); every emoji sequence counts 2;
 * any other code point counts 1 inside the ranges and 2 outside them (CJK, astral planes).
 */
export const MAX_WEIGHTED_LENGTH = 280;
const SCALE = 100;
const DEFAULT_WEIGHT = 200;
const TRANSFORMED_URL_LENGTH = 23;
const RANGES: readonly [number, number, number][] = [
  [0, 4351, 100],
  [8192, 8205, 100],
  [8208, 8223, 100],
  [8242, 8247, 100],
];

/**
 * Emoji sequences (ZWJ, flags, keycaps, skin tones) as one unit, like twemoji-parser, which
 * twitter-text v3 uses. Built at run time: the `v` flag is newer than the compile target.
 */
const EMOJI = () => new RegExp('\\p{RGI_Emoji}', 'gv');

/**
 * Top-level domains a URL without a protocol must end with. twitter-text carries the full IANA
 * list; this is the well-known part: common gTLDs and the ASCII ccTLDs (regexp/validCCTLD.js).
 * A URL with http(s):// is taken with any alphabetic TLD.
 */
const GTLDS = 'com net org edu gov mil int info biz name pro mobi app dev xyz online site shop store tech blog news club live life world top link click cloud design art photo photography studio agency media page email space website fun ly';
const CCTLDS =
  'ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw';
const KNOWN_TLDS = new Set(`${GTLDS} ${CCTLDS}`.split(' '));

/**
 * A URL candidate: optional protocol, dot-separated labels (63 characters at most), optional
 * port, path and query.
 * The character classes follow twitter-text's regexp/validGeneralUrlPathChars.js and
 * validUrlQueryChars.js; trailing punctuation is trimmed below (validUrlPathEndingChars).
 */
const URL_CANDIDATE = /(https?:\/\/)?((?:[\p{L}\p{N}_-]{1,63}\.)+([\p{L}]{2,63}))(?![\p{L}\p{N}@+-])(:\d{1,5})?((?:\/[\p{L}\p{M}\p{N}\-!*';:=+,.$/%#[\]\u2013_~&|@()]*)?(?:\?[\p{L}\p{N}!?*'@();:&=+$/%#[\]\-_.,~|]*)?)/gu;
/** validUrlPrecedingChars: a URL does not start right after these (or after a letter or digit). */
const INVALID_PRECEDING = /[\p{L}\p{N}@＠$#＃]$/u;
/** invalidUrlWithoutProtocolPrecedingChars. */
const INVALID_PRECEDING_BARE = /[-_./]$/;

export interface UrlMatch {
  url: string;
  /** UTF-16 offsets in the text given. */
  start: number;
  end: number;
}

/** Drops trailing characters a URL may not end with, and a closing parenthesis left unbalanced. */
function trimUrlEnd(url: string): string {
  let out = url;
  for (;;) {
    const last = out.at(-1) ?? '';
    if (last === ')' && (out.match(/\(/g)?.length ?? 0) < (out.match(/\)/g)?.length ?? 0)) out = out.slice(0, -1);
    else if (last && !/[\p{L}\p{M}\p{N}=_#/+\-&)]/u.test(last)) out = out.slice(0, -1);
    else return out;
  }
}

/** URLs in a post's text, as twitter-text's extractUrlsWithIndices finds them (with the TLD table above). */
export function extractUrls(text: string): UrlMatch[] {
  const out: UrlMatch[] = [];
  for (const m of text.matchAll(URL_CANDIDATE)) {
    const [whole, protocol, , tld] = m;
    const start = m.index;
    const before = text.slice(0, start);
    if (INVALID_PRECEDING.test(before)) continue;
    if (!protocol && (INVALID_PRECEDING_BARE.test(before) || !KNOWN_TLDS.has(tld!.toLowerCase()) || /[^\x00-\x7f]/.test(m[2]!))) continue;
    const url = trimUrlEnd(whole);
    out.push({ url, start, end: start + url.length });
  }
  return out;
}

function codePointWeight(cp: number): number {
  for (const [from, to, weight] of RANGES) if (cp >= from && cp <= to) return weight;
  return DEFAULT_WEIGHT;
}

/** The weighted length (280 max) of a post's text. */
export function weightedLength(raw: string): number {
  const text = raw.normalize('NFC');
  const urls = new Map(extractUrls(text).map((u) => [u.start, u]));
  const emoji = new Map([...text.matchAll(EMOJI())].map((m) => [m.index, m[0]]));
  let weighted = 0;
  for (let i = 0; i < text.length; ) {
    const url = urls.get(i);
    const sequence = emoji.get(i);
    if (url) {
      weighted += TRANSFORMED_URL_LENGTH * SCALE;
      i = url.end;
    } else if (sequence) {
      weighted += DEFAULT_WEIGHT;
      i += sequence.length;
    } else {
      const cp = text.codePointAt(i)!;
      // parseTweet weighs a surrogate pair by its low surrogate: outside every range, so 2.
      weighted += codePointWeight(cp > 0xffff ? 0xdc00 : cp);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return weighted / SCALE;
}
