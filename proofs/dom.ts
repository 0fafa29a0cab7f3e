import type { Page } from 'playwright-core';
import { sha256Hex } from '../store/hash.js';
import type { Box } from './baselines.js';
import { evaluateQuietly } from './cdp.js';

/**
 * What one page looked like, reduced to what is stable across reloads.
 * `dom` keeps text and attributes (minus volatile ones); `structure` keeps only the
 * tag/role/test-id skeleton, with repeated siblings folded, so it names a layout version
 * rather than a page's content.
 */
export interface DomSnapshot {
  /** sha256 of `normalized`: the DOM proof of a step. */
  dom_sha256: string;
  /** sha256 of `skeleton`: the DOM-structure fingerprint of the layout (selectors annex `fingerprint.structure`). */
  structure_sha256: string;
  normalized: string;
  skeleton: string;
  /** Viewport boxes of the dynamic regions asked for (empty when none were). */
  mask_boxes: Box[];
  /**
   * The churn-proof structure: "grandparent>parent>element" of every element with a role or a
   * test id, wrappers folded, sorted. Compared by `structureContainment` (and `structureSimilarity`), not equality.
   */
  features: string[];
  /** The page shows a transient notice (toast, status line, open dialog): its pixels prove no restyle. */
  transient: boolean;
}

/**
 * How alike two pages' structures are (Jaccard index of their `features`, 0–1): a deploy's
 * churn (hashed classes, wrappers, reordered siblings) keeps it at 1, an added panel lowers it
 * (0.44–0.9 on the sandbox's small pages): a measure of change, while `structureContainment`
 * decides whether the known layout is still there.
 */
export function structureSimilarity(a: readonly string[], b: readonly string[]): number {
  const left = new Set(a);
  const right = new Set(b);
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  for (const f of left) if (right.has(f)) shared += 1;
  return shared / (left.size + right.size - shared);
}

/** The share of a known structure's features a page still shows (0–1): churn adds, a redesign takes away. */
export function structureContainment(known: readonly string[], seen: readonly string[]): number {
  if (known.length === 0) return 1;
  const have = new Set(seen);
  return known.filter((f) => have.has(f)).length / new Set(known).size;
}

/**
 * The features every recorded structure of a layout shares (top bar, toast slot, main column):
 * the shell a page of any surface shows. A small structure (an error page) is mostly shell, so
 * any page would contain it; its own part is what tells it apart.
 */
export function layoutShell(structures: readonly (readonly string[])[]): Set<string> {
  const [first, ...rest] = structures;
  const shell = new Set(first ?? []);
  for (const s of rest) {
    const have = new Set(s);
    for (const f of shell) if (!have.has(f)) shell.delete(f);
  }
  return shell;
}

/**
 * How far a page is the known structure (0–1): the lower of its containment of the whole set and
 * of the set's own part beyond the layout's shell — a redesigned post page keeps the top bar and
 * so most of a 404 page's features, but not the error panel that makes it the 404 page.
 */
export function structureMatch(known: readonly string[], seen: readonly string[], shell: ReadonlySet<string>): number {
  const own = known.filter((f) => !shell.has(f));
  return Math.min(structureContainment(known, seen), own.length > 0 ? structureContainment(own, seen) : 1);
}

/**
 * The containment at or above which a page is the known layout: churn only adds (a panel, a
 * prompt) and keeps every known element (1.0 over ten seeds and both locales, see
 * test/unit/structure-similarity.spec.ts); a redesign takes most of them away (v2: 0).
 */
export const SAME_LAYOUT_CONTAINMENT = 0.9;

/**
 * The in-page serializer, kept as source text: a function literal passed to `page.evaluate`
 * would be rewritten by the TypeScript loader (tsx/esbuild add `__name` helpers) and break in
 * the browser.
 */
const SERIALIZER = String.raw`((opts) => {
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'LINK', 'META', 'BASE']);
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
  const TEST_IDS = ['data-testid', 'data-test-id', 'data-qa', 'data-test', 'data-cy'];
  // Attributes that change between two loads of the same page or carry secrets.
  const DROP = /^(style|nonce|integrity|datetime|jsaction|jsname|jscontroller|jslog|data-ved|data-reactid|data-reactroot|data-react-[\w-]*|data-v-[\w-]*|data-(?:csrf|xsrf|nonce|token|timestamp|time|ts|request-id|trace-id|rendered-at|hydrated)[\w-]*)$/i;
  const VOLATILE_NAME = /csrf|xsrf|nonce|token|authenticity|timestamp|signature/i;
  const ID_REFS = new Set(['id', 'for', 'aria-controls', 'aria-labelledby', 'aria-describedby', 'aria-owns', 'aria-activedescendant', 'form', 'list']);
  const TEXTY = new Set(['alt', 'title', 'aria-label', 'placeholder', 'aria-valuenow', 'aria-valuetext']);
  const URLY = new Set(['src', 'href', 'action', 'srcset', 'poster']);
  const VOLATILE_PARAM = /^(t|ts|_|cb|v|ver|nonce|sig|signature|token|csrf|timestamp|expires|x-amz-[\w-]+)$/i;
  const text = (s) => s
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?/gi, '<time>')
    .replace(/\b\d+\s?(?:s|m|h|d|w|y|secs?|seconds?|mins?|minutes?|hrs?|hours?|days?|weeks?|months?|years?)\b(?:\s+ago)?/gi, '<time>')
    .replace(/\b(?:just now|yesterday|today)\b/gi, '<time>')
    .replace(/\d+(?:[.,]\d+)*(?:\s?[KkMmBb]\b)?/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
  const generatedId = (v) => /\d|^:|^[a-f0-9]{8,}$|^(?:radix|react|headlessui|mui|ember|ext-gen)[-:_]/i.test(v);
  const url = (v) => {
    const q = v.indexOf('?');
    if (q < 0) return v;
    const params = new URLSearchParams(v.slice(q + 1));
    for (const key of [...params.keys()]) if (VOLATILE_PARAM.test(key)) params.delete(key);
    const rest = params.toString();
    return v.slice(0, q) + (rest ? '?' + rest : '');
  };
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const attrs = (el) => {
    const volatileElement = ['name', 'property', 'http-equiv', 'id'].some((a) => VOLATILE_NAME.test(el.getAttribute(a) || ''));
    const out = [];
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (DROP.test(name) || VOLATILE_NAME.test(name)) continue;
      if (volatileElement && (name === 'value' || name === 'content')) continue;
      let v = a.value;
      if (ID_REFS.has(name)) v = v.split(/\s+/).map((id) => (generatedId(id) ? '*' : id)).join(' ');
      else if (TEXTY.has(name)) v = text(v);
      else if (URLY.has(name)) v = url(v);
      else if (name === 'class') v = v.split(/\s+/).filter(Boolean).sort().join(' ');
      out.push(name + '="' + esc(v) + '"');
    }
    return out.sort().join(' ');
  };
  const children = (node) => {
    const kids = [...node.childNodes];
    if (node.shadowRoot) kids.unshift(...node.shadowRoot.childNodes);
    return kids;
  };
  const dom = (node) => {
    if (node.nodeType === 3) {
      const t = text(node.nodeValue || '');
      return t ? esc(t) : '';
    }
    if (node.nodeType !== 1) return '';
    const tag = node.localName;
    const a = attrs(node);
    const open = '<' + tag + (a ? ' ' + a : '') + '>';
    if (SKIP.has(node.tagName) || VOID.has(tag)) return open;
    return open + children(node).map(dom).join('') + '</' + tag + '>';
  };
  // Dynamic regions (feeds, counts, user content) keep their own label but not their insides:
  // what they hold is content, not layout.
  const dynamic = new Set();
  for (const s of opts.dynamic || []) { try { for (const e of document.querySelectorAll(s)) dynamic.add(e); } catch {} }
  const boxes = [...dynamic].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0)
    .map((r) => ({ x: r.x - opts.pad, y: r.y - opts.pad, width: r.width + 2 * opts.pad, height: r.height + 2 * opts.pad }));
  const skel = (el) => {
    if (SKIP.has(el.tagName) || el.localName === 'head') return '';
    if (dynamic.has(el)) return el.localName + '[dynamic]';
    let label = el.localName;
    const role = el.getAttribute('role');
    if (role) label += '[role=' + role + ']';
    for (const a of TEST_IDS) {
      const v = el.getAttribute(a);
      if (v) label += '[' + a + '=' + v.replace(/\d+/g, '#') + ']';
    }
    // Repeated siblings (posts in a grid, comments, messages) fold into one: a new post
    // changes the content, not the layout.
    const seen = new Set();
    const kids = [];
    for (const child of children(el)) {
      if (child.nodeType !== 1) continue;
      const s = skel(child);
      if (s && !seen.has(s)) { seen.add(s); kids.push(s); }
    }
    return kids.length ? label + '(' + kids.join(',') + ')' : label;
  };
  // The churn-proof view: only elements with a meaning (a role, explicit or implied by the tag,
  // or a test id) count, each as "grandparent>parent>itself" of such elements. Wrappers fold
  // away, classes and text never count, sibling order is lost in the set, so a deploy that
  // re-hashes classes, adds wrappers or reorders a nav keeps its features; a new layout does not.
  const IMPLIED = { A: (e) => (e.hasAttribute('href') ? 'link' : ''), BUTTON: () => 'button', SELECT: () => 'combobox', TEXTAREA: () => 'textbox',
    INPUT: (e) => 'input:' + (e.getAttribute('type') || 'text').toLowerCase(), FORM: () => 'form', NAV: () => 'navigation', MAIN: () => 'main',
    HEADER: () => 'banner', FOOTER: () => 'contentinfo', ASIDE: () => 'complementary', ARTICLE: () => 'article', DIALOG: () => 'dialog',
    H1: () => 'heading', H2: () => 'heading', H3: () => 'heading', H4: () => 'heading', H5: () => 'heading', H6: () => 'heading', IMG: () => 'img',
    UL: () => 'list', OL: () => 'list', LI: () => 'listitem', TIME: () => 'time', DETAILS: () => 'group', SUMMARY: () => 'summary', OPTION: () => 'option',
    LABEL: () => 'label', TABLE: () => 'table', FIELDSET: () => 'group', PROGRESS: () => 'progressbar',
    SECTION: (e) => (e.hasAttribute('aria-label') || e.hasAttribute('aria-labelledby') ? 'region' : '') };
  const roleOf = (el) => el.getAttribute('role') || (IMPLIED[el.tagName] ? IMPLIED[el.tagName](el) : '');
  const meaning = (el) => {
    const role = roleOf(el);
    let id = '';
    for (const a of TEST_IDS) { const v = el.getAttribute(a); if (v) { id = v.replace(/\d+/g, '#'); break; } }
    return role || id ? role + (id ? '#' + id : '') : '';
  };
  const features = new Set();
  const walk = (el, parent, grand) => {
    if (SKIP.has(el.tagName) || el.localName === 'head') return;
    // Transient layers are not the layout: a modal prompt over the page, a loading spinner.
    if (el.getAttribute('aria-modal') === 'true' || el.getAttribute('role') === 'progressbar') return;
    const label = meaning(el);
    // A dynamic region is content: its role stays, not its test id (a heart's "like" turns "unlike").
    if (dynamic.has(el)) { features.add(grand + '>' + parent + '>' + (roleOf(el) || el.localName) + '[dynamic]'); return; }
    let p = parent, g = grand;
    if (label) { features.add(grand + '>' + parent + '>' + label); g = parent; p = label; }
    for (const child of children(el)) if (child.nodeType === 1) walk(child, p, g);
  };
  if (document.body) walk(document.body, 'body', '');
  // A notice the page is showing right now (a toast, a status line, an open dialog) pushes the
  // layout around for a moment: the pixels of such a page say nothing about a restyle.
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const transient = [...document.querySelectorAll('[role="alert"], [role="status"], [aria-live="assertive"], [aria-modal="true"], dialog[open]')]
    .some((e) => shown(e) && (e.textContent || '').trim() !== '');
  const root = document.documentElement;
  return { dom: '<!doctype html>' + dom(root), skeleton: skel(root), boxes, features: [...features].sort(), transient };
})`;

export interface SnapshotOptions {
  /**
   * The layout's dynamic regions (annex `dynamic_regions`): folded to one node in the structure
   * fingerprint, and their viewport boxes (grown by 4 px) returned for masking screenshots.
   */
  dynamicRegions?: readonly string[];
}

/** Serialises the page in place (one round trip) and hashes both views. */
export async function snapshotDom(page: Page, options: SnapshotOptions = {}): Promise<DomSnapshot> {
  const { dom, skeleton, boxes, features, transient } = await evaluateQuietly<{ dom: string; skeleton: string; boxes: Box[]; features: string[]; transient: boolean }>(page,
    `${SERIALIZER}(${JSON.stringify({ dynamic: options.dynamicRegions ?? [], pad: 4 })})`);
  return { dom_sha256: sha256Hex(dom), structure_sha256: sha256Hex(skeleton), normalized: dom, skeleton, mask_boxes: boxes, features, transient };
}

/** sha256 of the normalised DOM (volatile attributes, times, counts and whitespace removed). */
export async function domHash(page: Page): Promise<string> {
  return (await snapshotDom(page)).dom_sha256;
}

/** sha256 of the tag/role/test-id skeleton: recognises a layout version, ignores content. */
export async function structureHash(page: Page): Promise<string> {
  return (await snapshotDom(page)).structure_sha256;
}
