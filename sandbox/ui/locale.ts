import type { Platform } from '../types.js';
import { attr, elementsOf, setAttr, textsOf, type Document, type Element } from './dom.js';
import { MONTHS_ES, UI_PATTERNS_ES, UI_STRINGS_ES } from './locale-es.js';

export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const AGO_ES: Record<string, string> = { s: 's', m: 'min', h: 'h', d: 'd' };

/** How each placeholder matches and what its Spanish form is (sandbox/ui/locale-es.ts, UiPattern). */
const PLACEHOLDERS: Record<string, { re: string; es?: (value: string, platform: Platform, depth: number) => string }> = {
  t: { re: '.+?', es: (v, p, depth) => exact(v, p, depth + 1) ?? v },
  n: { re: '\\d[\\d,.]*' },
  m: { re: '\\d[\\d,.]*' },
  status: { re: '\\d+' },
  // A post's text in a title may be empty.
  text: { re: '.*?' },
  date: {
    re: `(?:${MONTHS_EN.join('|')}) \\d{1,2}, \\d{4}`,
    es: (v) => {
      const [month, day, year] = v.replace(',', '').split(' ');
      return `${day} de ${MONTHS_ES[MONTHS_EN.indexOf(month!)]} de ${year}`;
    },
  },
  ago: { re: '\\d+[smhd]', es: (v) => `${v.slice(0, -1)} ${AGO_ES[v.slice(-1)]}` },
};

interface CompiledPattern {
  re: RegExp;
  names: string[];
  es: string;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(en: string, es: string): CompiledPattern {
  const names: string[] = [];
  const source = en
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (!name) return escapeRe(part);
      names.push(name);
      return `(${PLACEHOLDERS[name]?.re ?? '.+?'})`;
    })
    .join('');
  return { re: new RegExp(`^${source}$`, 'u'), names, es };
}

const STRINGS = { instagram: new Map(Object.entries(UI_STRINGS_ES.instagram)), x: new Map(Object.entries(UI_STRINGS_ES.x)) };
const PATTERNS = { instagram: UI_PATTERNS_ES.instagram.map((p) => compile(p.en, p.es)), x: UI_PATTERNS_ES.x.map((p) => compile(p.en, p.es)) };

/** The Spanish of a whole trimmed string: an exact entry, else the first pattern that matches. */
function exact(text: string, platform: Platform, depth = 0): string | undefined {
  const found = STRINGS[platform].get(text);
  if (found !== undefined || depth > 3) return found;
  for (const p of PATTERNS[platform]) {
    const m = p.re.exec(text);
    if (!m) continue;
    const values = new Map(p.names.map((name, i) => [name, PLACEHOLDERS[name]?.es?.(m[i + 1]!, platform, depth) ?? m[i + 1]!]));
    // One pass over the template: a value is never read as a template ("$&", "{n}" in a name stay).
    return p.es.replace(/\{(\w+)\}/g, (whole, name: string) => values.get(name) ?? whole);
  }
  return undefined;
}

/**
 * A UI string in `locale`: only a whole string (its surrounding blanks kept) that the dictionary
 * or a pattern knows changes, never a part of a longer text, so user content stays as it is.
 */
export function translate(text: string, platform: Platform, locale: Locale): string {
  if (locale === 'en') return text;
  const core = text.trim();
  if (!core) return text;
  const out = exact(core, platform);
  if (out === undefined) return text;
  const start = text.indexOf(core);
  return `${text.slice(0, start)}${out}${text.slice(start + core.length)}`;
}

/**
 * Hooks whose own text is user content (captions, comments, messages, names, handles, bios) on
 * the four layouts; `User-Name` covers everything inside it. Together with <b> and <option>
 * (handles and names) and elements a layout marks `data-churn="user"`.
 */
const USER_HOOKS = new Set([
  // Instagram v1
  'current-handle', 'profile-handle', 'profile-name', 'profile-bio', 'post-author', 'caption-text', 'comment-author', 'comment-text', 'reply-text', 'thread-preview', 'message', 'thread-peer',
  // Instagram v2
  'acct-username', 'acct-option', 'prof-username', 'prof-fullname', 'pst-owner', 'pst-caption', 'pst-comment-body', 'pst-subcomment', 'pst-subcomment-body', 'dm-row', 'dm-row-last', 'dm-title', 'dm-bubble',
  // X v1
  'SideNav_AccountSwitcher_Name', 'SideNav_AccountSwitcher_Handle', 'UserName-display', 'UserName-handle', 'UserDescription', 'tweetText', 'last-message', 'DM_Conversation_Avatar', 'messageEntry',
  // X v2
  'who-handle', 'profile-title', 'profile-at', 'item-author', 'item-body', 'answer-author', 'answer-body', 'focus-author', 'focus-body', 'chat-last', 'chat-with', 'chat-line',
]);
const USER_DEEP_HOOKS = new Set(['User-Name']);
const USER_TAGS = new Set(['b', 'option']);
const hookOf = (el: Element) => attr(el, 'data-testid') ?? attr(el, 'data-qa') ?? attr(el, 'data-test');

/** Whether a text node whose parent is `parent` is user content; `marked` are the `data-churn="user"` elements. */
function isUserText(parent: Element, marked: ReadonlySet<Element>): boolean {
  if (parent.tagName === 'time') return false;
  const hook = hookOf(parent);
  if (USER_TAGS.has(parent.tagName) || (hook !== undefined && USER_HOOKS.has(hook))) return true;
  for (let el: Element | null = parent; el && 'tagName' in el; el = el.parentNode as Element | null) {
    const h = hookOf(el);
    if (marked.has(el) || (h !== undefined && USER_DEEP_HOOKS.has(h))) return true;
  }
  return false;
}

const TEXT_ATTRS = ['aria-label', 'placeholder', 'alt', 'title'];
const isButtonValue = (el: Element) => el.tagName === 'button' || (el.tagName === 'input' && ['submit', 'button', 'reset'].includes(attr(el, 'type') ?? ''));

/** String literals of page scripts: "…" or '…' on one line. */
const LITERAL = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

function decodeLiteral(lit: string): string | undefined {
  const json = lit.startsWith('"') ? lit : `"${lit.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`;
  try {
    return JSON.parse(json) as string;
  } catch {
    return undefined;
  }
}

/**
 * A script's UI strings (toasts, button states, optimistic rows): a literal equal to a dictionary
 * entry, or the text between tags of a literal holding markup. Entries starting lower-case
 * ("posts") never match here: they would catch code words.
 */
export function translateScript(code: string, platform: Platform): string {
  const word = (s: string) => {
    const core = s.trim();
    const es = /^[a-z]/.test(core) ? undefined : STRINGS[platform].get(core);
    return es === undefined ? s : s.replace(core, () => es);
  };
  return code.replace(LITERAL, (lit) => {
    const value = decodeLiteral(lit);
    if (value === undefined) return lit;
    const out = value.includes('<') ? value.replace(/>([^<>]+)</g, (_m, text: string) => `>${word(text)}<`) : word(value);
    return out === value ? lit : JSON.stringify(out);
  });
}

/**
 * Puts a parsed page in Spanish: `lang`, text nodes (the title included) outside user content,
 * the text attributes, button values, and the strings of its scripts and inline handlers.
 */
export function localizeDocument(doc: Document, platform: Platform, userMarked: ReadonlySet<Element>): void {
  for (const text of textsOf(doc)) {
    const parent = text.parentNode as Element | null;
    if (!parent || !('tagName' in parent) || isUserText(parent, userMarked)) continue;
    text.value = translate(text.value, platform, 'es');
  }
  for (const el of elementsOf(doc)) {
    if (el.tagName === 'html') setAttr(el, 'lang', 'es');
    for (const a of el.attrs) {
      if (TEXT_ATTRS.includes(a.name) || (a.name === 'value' && isButtonValue(el))) a.value = translate(a.value, platform, 'es');
      else if (a.name.startsWith('on')) a.value = translateScript(a.value, platform);
    }
    if (el.tagName === 'script') for (const c of el.childNodes) if (c.nodeName === '#text') (c as { value: string }).value = translateScript((c as { value: string }).value, platform);
  }
}
