import type { Locator } from 'playwright-core';
import { DriftError } from '../safety/index.js';
import { createHash } from 'node:crypto';
import type { ElementFingerprint } from '../selectors/index.js';
import type { FlowContext } from './types.js';

/** What one element shows of itself, as the real page would tell a screen reader. */
export interface ElementSignals {
  /** Explicit role, or the one its tag implies (`button`, `link`, `textbox`, …). */
  role: string;
  /** Accessible name: `aria-labelledby`, `aria-label`, a field's placeholder or title, an image's alt, else its text. */
  name: string;
  testid: string | null;
  /** Visible text, whitespace folded, at most 80 characters. */
  text: string;
  /** The landmarks around it, outermost first (`main>form`, `main>article>form`). */
  landmark: string;
}

/**
 * The in-page reader of an element's signals (source text: see the serializer note in
 * proofs/dom.ts). Called with the element.
 */
export const ELEMENT_SIGNALS = String.raw`(el) => {
  const IMPLIED = { A: (e) => (e.hasAttribute('href') ? 'link' : ''), BUTTON: () => 'button', SELECT: () => 'combobox', TEXTAREA: () => 'textbox',
    INPUT: (e) => ({ button: 'button', submit: 'button', checkbox: 'checkbox', radio: 'radio', file: 'button', search: 'searchbox' })[(e.getAttribute('type') || 'text').toLowerCase()] || 'textbox',
    FORM: () => 'form', NAV: () => 'navigation', MAIN: () => 'main', HEADER: () => 'banner', FOOTER: () => 'contentinfo', ASIDE: () => 'complementary',
    ARTICLE: () => 'article', DIALOG: () => 'dialog', IMG: () => 'img', SUMMARY: () => 'button', OPTION: () => 'option',
    SECTION: (e) => (e.hasAttribute('aria-label') || e.hasAttribute('aria-labelledby') ? 'region' : '') };
  const LANDMARKS = new Set(['main', 'navigation', 'banner', 'contentinfo', 'complementary', 'form', 'dialog', 'alertdialog', 'article', 'region', 'search']);
  const fold = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const roleOf = (e) => e.getAttribute('role') || (IMPLIED[e.tagName] ? IMPLIED[e.tagName](e) : '');
  const nameOf = (e) => {
    const ids = (e.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    if (ids.length) return fold(ids.map((id) => document.getElementById(id)?.textContent || '').join(' '));
    return fold(e.getAttribute('aria-label') || e.getAttribute('placeholder') || e.getAttribute('title') || e.getAttribute('alt') || e.textContent);
  };
  const marks = [];
  for (let p = el.parentElement; p; p = p.parentElement) { const r = roleOf(p); if (LANDMARKS.has(r)) marks.unshift(r); }
  const testid = ['data-testid', 'data-test-id', 'data-qa', 'data-test', 'data-cy'].map((a) => el.getAttribute(a)).find(Boolean) || null;
  return { role: roleOf(el), name: nameOf(el).slice(0, 80), testid, text: fold(el.textContent).slice(0, 80), landmark: marks.join('>') };
}`;

/**
 * The reader as a function built from its source in Node: Playwright sends a function's text to
 * the page and calls it with the element (a string would be evaluated as an expression, without
 * the element). No eval runs in the page.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const signalsOf = new Function('el', `return (${ELEMENT_SIGNALS})(el);`) as (el: Element) => ElementSignals;

/** The signals of the first element a locator finds. */
export async function readSignals(element: Locator): Promise<ElementSignals> {
  return element.first().evaluate(signalsOf);
}

/** Which independent signals of an element agree with its recorded fingerprint. */
export interface Agreement {
  /** The same test id. */
  testid: boolean;
  /** Its accessible name or its text is one the annex recorded (per locale): one signal, the two often being the same words. */
  name: boolean;
  /** The same role, among the same landmarks. */
  place: boolean;
  count: number;
}

/**
 * Numbers folded: counts in names ("12 Likes. Like") and ids in test ids (`1500…101-follow`) are
 * content, not the element. Recorded fingerprints are stored folded.
 */
export const foldNumbers = (s: string): string => s.replace(/\d+(?:[.,]\d+)*/g, '#');

export function agreement(fp: ElementFingerprint, seen: ElementSignals): Agreement {
  const f = foldNumbers;
  const testid = !!fp.testid && seen.testid !== null && f(seen.testid) === f(fp.testid);
  const name = fp.names.map(f).includes(f(seen.name)) || (seen.text !== '' && fp.texts.map(f).includes(f(seen.text)));
  const place = fp.role === seen.role && (fp.landmark ?? '') === seen.landmark;
  return { testid, name, place, count: Number(testid) + Number(name) + Number(place) };
}

/** The commit click's element must agree with its fingerprint on at least this many independent signals. */
export const COMMIT_SIGNALS = 2;

/** Stops an episode before its commit click: the element the annex's selector found is not, by its signals, the one recorded. */
export class CommitElementError extends DriftError {
  constructor(message: string, readonly element: string, readonly seen: ElementSignals | null, readonly candidates: ElementSignals[]) {
    super(message);
  }
}

/**
 * An element a step needs is not on the page, by its selector nor (where healing is allowed) by
 * its fingerprint. Not a RaizeError on purpose: before the commit, `runFlow` judges the page the
 * step failed on as its surface — a changed layout is drift and stops the platform, the known
 * layout (an element late or gone for now) is a transient failure, retried within the cap.
 */
export class ElementMissingError extends Error {
  override readonly name = 'ElementMissingError';
}

/** Elements the page shows that share the fingerprint's test id, or its role and one of its names: what a human compares. */
const CANDIDATES = String.raw`(fp) => {
  const read = ${ELEMENT_SIGNALS};
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    if (out.length >= 5) break;
    const s = read(el);
    if ((fp.testid && s.testid === fp.testid) || (s.role === fp.role && (fp.names.includes(s.name) || fp.texts.includes(s.text)))) out.push(s);
  }
  return out;
}`;

/** A name or text as the log may keep it: one the annex recorded, or a hash of it. */
export function knownWords(fp: ElementFingerprint, words: string): string {
  if (words === '' || [...fp.names, ...fp.texts].map(foldNumbers).includes(foldNumbers(words))) return words;
  return `sha256:${createHash('sha256').update(words).digest('hex').slice(0, 16)}`;
}

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const candidatesOf = new Function('fp', `return (${CANDIDATES})(fp);`) as (fp: ElementFingerprint) => ElementSignals[];

/**
 * The commit element check (issue 13): right before the commit click, the element the annex's
 * selector found must agree with the fingerprint recorded for it (`elements["surface.key"]`) on
 * at least two independent signals — test id, accessible name or text (per locale), role among
 * its landmarks. A selector that now finds something else (a deploy reused a test id, moved the
 * button into another panel, renamed it) stops the episode before anything is clicked, with
 * the element seen and the page's candidates as evidence. An element the annex has no
 * fingerprint for is refused the same way: a commit never clicks on a selector alone.
 */
export async function assertCommitElement(fc: FlowContext, key: string, button: Locator): Promise<Agreement> {
  const fp = fc.layout.annex.elements[key];
  const platform = fc.action.platform;
  if (!fp) throw new CommitElementError(`${platform}: the annex records no fingerprint for commit element ${key}: not clicked`, key, null, []);
  const safe = (sig: ElementSignals): ElementSignals => ({ ...sig, name: knownWords(fp, sig.name), text: knownWords(fp, sig.text) });
  if ((await button.count()) === 0) {
    // Where a typing step would look for the element by its fingerprint, a commit never does: the
    // lookalikes are evidence for the human who updates the annex, not something to click.
    const candidates = await fc.page.evaluate(candidatesOf, fp).catch(() => [] as ElementSignals[]);
    fc.episode.log('commit element refused', { element: key, agreed: 'not found', candidates: candidates.map(safe) });
    throw new ElementMissingError(`${platform}: commit element ${key} not found by its selector; a commit click is never healed: not clicked (${candidates.length} candidate(s) on the page)`);
  }
  const seen = await readSignals(button);
  const agreed = agreement(fp, seen);
  if (agreed.count >= COMMIT_SIGNALS) return agreed;
  const candidates = await fc.page.evaluate(candidatesOf, fp).catch(() => [] as ElementSignals[]);
  const which = (['testid', 'name', 'place'] as const).filter((k) => agreed[k]).join(', ') || 'none';
  // What a page element says may be anyone's words (a message where a button was): the log keeps
  // a name or text only when it is one the annex recorded, else its hash (safe above).
  fc.episode.log('commit element refused', { element: key, agreed: which, seen: safe(seen), candidates: candidates.map(safe) });
  throw new CommitElementError(
    `${platform}: commit element ${key} matches its fingerprint by ${agreed.count} signal(s) (${which}), ${COMMIT_SIGNALS} needed: not clicked (${candidates.length} candidate(s) on the page)`,
    key, seen, candidates);
}
