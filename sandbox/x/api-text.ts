import { createHash } from 'node:crypto';
import { extractUrls } from './text-weight.js';

/**
 * How X renders a post's text in the API: every URL is replaced by its t.co link ("All URLs are
 * wrapped with t.co shortener", docs.x.com/fundamentals/counting-characters), and `entities.urls` keeps the original
 * as `expanded_url`. Entity `start`/`end` are code-point offsets in the rendered text (v2 data
 * dictionary, "entities"). Links are derived from the post id, so a post always renders the same.
 */
export interface RenderedText {
  text: string;
  entities?: {
    urls?: { start: number; end: number; url: string; expanded_url: string; display_url: string }[];
    mentions?: { start: number; end: number; username: string; id?: string }[];
    hashtags?: { start: number; end: number; tag: string }[];
  };
}

const cpLength = (s: string) => [...s].length;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 10-character t.co slug, stable for a post and the URL's position in it. */
function tcoSlug(postId: string, index: number, url: string): string {
  const digest = createHash('sha256').update(`${postId}:${index}:${url}`).digest();
  return [...digest.subarray(0, 10)].map((b) => BASE62[b % 62]).join('');
}

/** display_url: the URL without its scheme and "www.", shortened with an ellipsis past 26 characters. */
function displayUrl(url: string): string {
  const bare = url.replace(/^https?:\/\//i, '').replace(/^www\./i, '');
  return bare.length > 26 ? `${bare.slice(0, 26)}…` : bare;
}

/** twitter-text's mention and hashtag patterns (regexp/validMentionOrList.js, validHashtag.js), simplified. */
const MENTION = /(^|[^\p{L}\p{N}_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠])/gu;
const HASHTAG = /(^|[^\p{L}\p{M}\p{N}_&])[#＃]([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}][\p{L}\p{M}\p{N}_]*)/gu;

export function renderText(postId: string, raw: string, accountId: (username: string) => string | undefined): RenderedText {
  let text = '';
  let at = 0;
  const urls: NonNullable<RenderedText['entities']>['urls'] = [];
  extractUrls(raw).forEach((u, i) => {
    text += raw.slice(at, u.start);
    const tco = `https://t.co/${tcoSlug(postId, i, u.url)}`;
    const start = cpLength(text);
    text += tco;
    urls.push({ start, end: start + cpLength(tco), url: tco, expanded_url: /^https?:\/\//i.test(u.url) ? u.url : `http://${u.url}`, display_url: displayUrl(u.url) });
    at = u.end;
  });
  text += raw.slice(at);
  const mentions = [...text.matchAll(MENTION)].map((m) => {
    const start = cpLength(text.slice(0, m.index + m[1]!.length));
    const username = m[2]!;
    const id = accountId(username);
    return { start, end: start + 1 + username.length, username, ...(id ? { id } : {}) };
  });
  const hashtags = [...text.matchAll(HASHTAG)].filter((m) => !/^\d+$/.test(m[2]!)).map((m) => {
    const start = cpLength(text.slice(0, m.index + m[1]!.length));
    return { start, end: start + 1 + cpLength(m[2]!), tag: m[2]! };
  });
  const entities = { ...(urls.length ? { urls } : {}), ...(mentions.length ? { mentions } : {}), ...(hashtags.length ? { hashtags } : {}) };
  return { text, ...(Object.keys(entities).length ? { entities } : {}) };
}

/**
 * `lang`: X detects the language and answers a BCP47 tag. The sandbox cannot, so it reads the
 * script: Latin text is "en", a few scripts map to their main language, and text without letters
 * is "und" (X's tag for undetermined).
 */
export function detectLang(text: string): string {
  const letters = text.replace(/https?:\/\/\S+|[@#＠＃]\w+/gu, '');
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(letters)) return 'ja';
  if (/\p{Script=Hangul}/u.test(letters)) return 'ko';
  if (/\p{Script=Han}/u.test(letters)) return 'zh';
  if (/\p{Script=Cyrillic}/u.test(letters)) return 'ru';
  if (/\p{Script=Arabic}/u.test(letters)) return 'ar';
  if (/\p{Script=Greek}/u.test(letters)) return 'el';
  if (/\p{Script=Thai}/u.test(letters)) return 'th';
  if (/\p{Script=Latin}/u.test(letters)) return 'en';
  return 'und';
}
