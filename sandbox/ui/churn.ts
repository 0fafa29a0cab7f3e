import { parse, serialize } from 'parse5';
import { deriveSeed, mulberry32, type Rng } from '../rng.js';
import type { Platform } from '../types.js';
import { attr, childElements, elementFrom, elementsOf, find, fragment, insertAfter, insertBefore, removeAttr, setAttr, type Element, type ParentNode } from './dom.js';
import { PROMPT_KINDS, promptMarkup, revealScript, spinnerMarkup, suggestionsMarkup, type PromptKind } from './churn-widgets.js';
import { localizeDocument, type Locale } from './locale.js';

/** Harmless UI churn and locale of the browser pages (sandbox/README.md, "Churn and locale"). */
export interface ChurnOptions {
  /** Seed of every structural draw; absent = no churn (the locale still applies). */
  seed?: number;
  /** @default 'en' */
  locale?: Locale;
  /** Chance of each prompt kind per page view (at most one per view). @default 0.15 */
  interstitialRate?: number;
  /** Chance per page view that the main content comes hidden behind a spinner for 200–1500 ms. @default 0.15 */
  slowRate?: number;
  /** Chance per page view that the spinner never ends. @default 0.03 */
  hangRate?: number;
}

export const CHURN_DEFAULTS = { interstitialRate: 0.15, slowRate: 0.15, hangRate: 0.03 } as const;

/** One page render: the options, the page and the session's moment. */
export interface ChurnContext extends ChurnOptions {
  locale: Locale;
  platform: Platform;
  /** login, profile, composer, post, inbox, thread, error, challenge. */
  surface: string;
  /** The session's page-view counter: prompts and slow rendering are drawn per view. */
  view: number;
  /** Prompt kinds already dismissed in this session: they do not come back. */
  dismissed: ReadonlySet<string>;
}

export type ChurnVariant = 'A' | 'B';

/** The A/B variant a seed gives a surface: A as rendered, B with the nav moved, a suggestions panel and decorative spans. */
export function variantOf(seed: number, platform: Platform, surface: string): ChurnVariant {
  return mulberry32(deriveSeed(seed, platform, surface, 'variant'))() < 0.5 ? 'A' : 'B';
}

/** The per-seed name of a class: stable within a seed, like a deploy's hashed CSS modules. */
export const hashedClass = (seed: number, token: string) => `x${deriveSeed(seed, 'class', token).toString(36).padStart(7, '0')}`;

const MARKER = / data-churn="[a-z]+"/g;
const WRAP_PARENTS = new Set(['div', 'section', 'main', 'aside', 'header', 'form', 'nav', 'article', 'body']);
const NEVER_WRAP = new Set(['script', 'style', 'template', 'link', 'meta', 'noscript']);
const WRAP_RATE = 0.2;

/**
 * The page as this render shows it: layouts' `data-churn` markers stripped; in Spanish when the
 * locale says so; with a seed, hashed class names, wrappers, shuffled unordered siblings, the A/B
 * variant, then the view's moment (slow main content, a prompt). Same inputs, same bytes.
 */
export function churnPage(html: string, o: ChurnContext): string {
  // Without churn or translation the page stays byte for byte what the layout rendered; the
  // markers are attributes of the layouts' own templates (user text is escaped, it has no `"`).
  if (o.seed === undefined && o.locale === 'en') return html.replace(MARKER, '');
  const doc = parse(html);
  const marks = { shuffle: [] as Element[], user: new Set<Element>(), main: undefined as Element | undefined };
  for (const el of elementsOf(doc)) {
    const mark = attr(el, 'data-churn');
    if (mark === undefined) continue;
    removeAttr(el, 'data-churn');
    if (mark === 'shuffle') marks.shuffle.push(el);
    else if (mark === 'user') marks.user.add(el);
    else if (mark === 'main') marks.main = el;
  }
  if (o.locale === 'es') localizeDocument(doc, o.platform, marks.user);
  const body = find(doc, (el) => el.tagName === 'body');
  if (o.seed !== undefined && body) {
    const main = marks.main ?? find(body, (el) => el.tagName === 'main');
    const rng = (...purpose: (string | number)[]) => mulberry32(deriveSeed(o.seed!, o.platform, o.surface, ...purpose));
    if (variantOf(o.seed, o.platform, o.surface) === 'B') variantB(body, main, o, rng('variant-b'));
    shuffle([...elementsOf(body).filter((el) => el.tagName === 'nav'), ...marks.shuffle], rng('shuffle'));
    wrap(body, rng('wrap'));
    hashClasses(doc, body, o.seed, rng('atomic'));
    if (main) slowMain(main, o, rng('slow', o.view));
    prompt(body, o, rng('prompt', o.view));
  }
  return serialize(doc);
}

/** The top navigation after the main content, a suggestions panel, a few empty decorative spans. */
function variantB(body: Element, main: Element | undefined, o: ChurnContext, r: Rng): void {
  const nav = childElements(body).find((el) => el.tagName === 'nav' || el.tagName === 'header' || ['navigation', 'banner'].includes(attr(el, 'role') ?? ''));
  const anchor = main && main.parentNode === body ? main : undefined;
  if (nav && anchor) insertAfter(body, nav, anchor);
  const aside = elementFrom(suggestionsMarkup(o.platform, o.locale));
  if (anchor) insertAfter(body, aside, anchor);
  else insertBefore(body, aside, body.childNodes.find((n) => 'tagName' in n && n.tagName === 'script'));
  const host = main ?? body;
  for (let i = 1 + Math.floor(r() * 3); i > 0; i--) insertBefore(host, elementFrom('<span aria-hidden="true"></span>'), host.childNodes[Math.floor(r() * (host.childNodes.length + 1))]);
}

/** Fisher–Yates over each container's element children; text between them stays where it was. */
function shuffle(containers: Element[], r: Rng): void {
  for (const el of containers) {
    const slots = el.childNodes.flatMap((n, i) => ('tagName' in n ? [i] : []));
    const kids = slots.map((i) => el.childNodes[i]!);
    for (let i = kids.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [kids[i], kids[j]] = [kids[j]!, kids[i]!];
    }
    slots.forEach((slot, k) => (el.childNodes[slot] = kids[k]!));
  }
}

/** 1–2 plain <div>s around a seeded subset of elements whose parent takes flow content. */
function wrap(body: Element, r: Rng): void {
  for (const el of elementsOf(body)) {
    const parent = el.parentNode as Element | null;
    if (!parent || !('tagName' in parent) || !WRAP_PARENTS.has(parent.tagName) || NEVER_WRAP.has(el.tagName)) continue;
    if (r() >= WRAP_RATE) continue;
    let inner: Element = el;
    for (let depth = r() < 0.3 ? 2 : 1; depth > 0; depth--) {
      const div = elementFrom('<div></div>');
      insertBefore(parent, div, inner);
      insertBefore(div, inner);
      inner = div;
    }
  }
}

/** Class tokens and the style's class selectors renamed per seed; 0–2 meaningless atomic classes per element. */
function hashClasses(doc: ParentNode, body: Element, seed: number, r: Rng): void {
  const shown = new Set([body, ...elementsOf(body)].filter((el) => !NEVER_WRAP.has(el.tagName)));
  for (const el of elementsOf(doc)) {
    if (el.tagName === 'style') {
      for (const c of el.childNodes) if ('value' in c) c.value = c.value.replace(/([^{}]+)\{/g, (_m, selector: string) => `${selector.replace(/\.(-?[_a-zA-Z][\w-]*)/g, (_s, name: string) => `.${hashedClass(seed, name)}`)}{`);
      continue;
    }
    const tokens = (attr(el, 'class') ?? '').split(/\s+/).filter(Boolean).map((t) => hashedClass(seed, t));
    if (shown.has(el)) {
      for (let n = Math.floor(r() * 3); n > 0; n--) tokens.push(`x${Math.floor(r() * 36 ** 6).toString(36).padStart(6, '0')}`);
    }
    if (tokens.length > 0) setAttr(el, 'class', tokens.join(' '));
  }
}

/** Slow client rendering: the main content hidden behind a spinner, revealed 200–1500 ms later or never. */
function slowMain(main: Element, o: ChurnContext, r: Rng): void {
  const hang = o.hangRate ?? CHURN_DEFAULTS.hangRate;
  const draw = r();
  if (draw >= hang + (o.slowRate ?? CHURN_DEFAULTS.slowRate)) return;
  const parent = main.parentNode!;
  setAttr(main, 'hidden', '');
  insertBefore(parent, elementFrom(spinnerMarkup(o.locale)), main);
  if (draw >= hang) insertBefore(parent, elementFrom(revealScript(200 + Math.floor(r() * 1301))), main);
}

/** At most one prompt per view: each kind with its rate, a dismissed kind never, only the cookie banner before login. */
function prompt(body: Element, o: ChurnContext, r: Rng): void {
  const total = Math.min(1, (o.interstitialRate ?? CHURN_DEFAULTS.interstitialRate) * PROMPT_KINDS.length);
  const draw = r();
  if (draw >= total) return;
  const kind: PromptKind = PROMPT_KINDS[Math.min(PROMPT_KINDS.length - 1, Math.floor((draw / total) * PROMPT_KINDS.length))]!;
  if (o.dismissed.has(kind) || (['login', 'challenge'].includes(o.surface) && kind !== 'cookies')) return;
  for (const node of fragment(promptMarkup(kind, o.platform, o.locale))) insertBefore(body, node);
}
