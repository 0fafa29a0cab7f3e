import type { Locator } from 'playwright-core';
import type { ElementFingerprint } from '../selectors/index.js';
import { agreement, ELEMENT_SIGNALS, ElementMissingError, knownWords, type Agreement, type ElementSignals } from './element.js';
import { probePage } from './probe.js';
import { sel } from './run.js';
import type { FlowContext } from './types.js';

/** How long a step waits for the annex's selector before it looks for the element by its fingerprint. */
const SELECTOR_PATIENCE_MS = 8000;

export interface FindOptions {
  /** Only inside this element (a comment's reply box). */
  within?: Locator;
  /** What the step needs: `visible` (the default) to type or click, `attached` for a hidden file input. */
  state?: 'visible' | 'attached';
  /** How long to wait for the annex's selector first. */
  timeoutMs?: number;
  /** The element may rightly be missing (a profile without a Message button): nothing found resolves undefined, not drift. */
  optional?: boolean;
}

/** What a healed step used instead of the annex's selector, for the operator to fold into the annex. */
export interface HealedElement {
  /** `surface.key`, as in the annex. */
  element: string;
  /** The annex's selector that found nothing. */
  selector: string;
  /** The signals the element used agreed on. */
  matched: ('testid' | 'name' | 'place')[];
  /** Its signals; a name or text the annex did not record is kept as a hash. */
  seen: ElementSignals;
  /** A selector that finds it on this page (its path from the document). */
  path: string;
}

type HealSink = (healed: HealedElement) => Promise<void> | void;
const SINK = new WeakMap<FlowContext, HealSink>();

/** Where the records of healed elements go for this flow context (set by the runner around each phase). */
export function onHeal(fc: FlowContext, sink: HealSink): void {
  SINK.set(fc, sink);
}

/**
 * The page's elements (inside `root`, or the document) that share something with a fingerprint:
 * its test id, one of its names or texts, or its role among its landmarks; each with its path
 * from the document. Source text (see the serializer note in proofs/dom.ts).
 */
const LOOKALIKES = String.raw`({ root, fp }) => {
  const read = ${ELEMENT_SIGNALS};
  const fold = (s) => (s || '').replace(/\d+(?:[.,]\d+)*/g, '#');
  const names = new Set([...fp.names, ...fp.texts].map(fold));
  const pathOf = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      let i = 1;
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === e.tagName) i += 1;
      parts.unshift(e.tagName.toLowerCase() + ':nth-of-type(' + i + ')');
    }
    return 'html > ' + parts.join(' > ');
  };
  const out = [];
  for (const el of (root || document).querySelectorAll('*')) {
    if (out.length >= 40) break;
    const s = read(el);
    const same = (fp.testid && s.testid && fold(s.testid) === fold(fp.testid)) || names.has(fold(s.name)) || (s.text && names.has(fold(s.text)))
      || (s.role === fp.role && s.landmark === (fp.landmark || ''));
    const r = el.getBoundingClientRect();
    if (same) out.push({ signals: s, path: pathOf(el), shown: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' });
  }
  return out;
}`;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const lookalikesOf = new Function('arg', `return (${LOOKALIKES})(arg);`) as (arg: unknown) => Lookalike[];
interface Lookalike { signals: ElementSignals; path: string; shown: boolean }

/** The one candidate a weak match may heal to: it shares the test id or a name (not only a place), has the recorded role, and no other candidate agrees as well. */
function healTarget(fp: ElementFingerprint, found: Lookalike[]): (Lookalike & { agreed: Agreement }) | 'ambiguous' | undefined {
  const scored = found
    .map((c) => ({ ...c, agreed: agreement(fp, c.signals) }))
    .filter((c) => c.signals.role === fp.role && (c.agreed.testid || c.agreed.name))
    .sort((a, b) => b.agreed.count - a.agreed.count);
  if (scored.length === 0) return undefined;
  if (scored.length > 1 && scored[1]!.agreed.count === scored[0]!.agreed.count) return 'ambiguous';
  return scored[0];
}

/**
 * The element an annex key (`surface.key`) names, for a navigation or typing step (never a
 * commit click: see `assertCommitElement`). The annex's selector first; when it finds nothing
 * (a deploy renamed a test id, restyled a class), the element is looked for by its recorded
 * fingerprint — the page element with the recorded role that shares its test id or one of its
 * names, and that no other element matches as well. Such a heal is logged and reported to the
 * runner (drift/healed.d, in the drift report) for a human to fold into the annex; nothing
 * found, or two equally good candidates, fails the step (ElementMissingError, the candidates in the
 * log): `runFlow` then judges the page as its surface — drift if its layout changed.
 * `within` scopes the search (a comment's reply box); `state` is what the step needs
 * (`attached` for a hidden file input).
 */
export async function findElement(fc: FlowContext, key: string, options: FindOptions & { optional: true }): Promise<Locator | undefined>;
export async function findElement(fc: FlowContext, key: string, options?: FindOptions): Promise<Locator>;
export async function findElement(fc: FlowContext, key: string, options: FindOptions = {}): Promise<Locator | undefined> {
  const [surface, name] = key.split('.') as [string, string];
  const selector = sel(fc, surface, name);
  const root = options.within ?? fc.page;
  const primary = root.locator(selector);
  const state = options.state ?? 'visible';
  // Most often it is already there: one quiet read (no trace snapshots) before a traced wait.
  if (!options.within) {
    const p = await probePage(fc.page, state === 'visible' ? { visible: { e: selector } } : { all: { e: [selector] } }).catch(() => undefined);
    if (p && (state === 'visible' ? p.visible.e : p.all.e)) return primary;
  }
  if (await primary.first().waitFor({ state, timeout: options.timeoutMs ?? SELECTOR_PATIENCE_MS }).then(() => true, () => false)) return primary;

  const platform = fc.action.platform;
  const fp = fc.layout.annex.elements[key];
  if (!fp) throw new ElementMissingError(`${platform}: ${key} not found by its selector, and the annex records no fingerprint to find it by`);
  const scope = options.within ? await options.within.first().elementHandle({ timeout: 1000 }).catch(() => null) : null;
  if (options.within && !scope) throw new ElementMissingError(`${platform}: ${key} not found (its container is not on the page either)`);
  const found = await fc.page.evaluate(lookalikesOf, { root: scope, fp } as unknown).catch(() => [] as Lookalike[]);
  await scope?.dispose();
  // A step that types or clicks needs an element a person could see; a file input may be hidden.
  const target = healTarget(fp, state === 'visible' ? found.filter((c) => c.shown) : found);
  const safe = (s: ElementSignals): ElementSignals => ({ ...s, name: knownWords(fp, s.name), text: knownWords(fp, s.text) });
  if (target === undefined && options.optional) return undefined;
  if (target === undefined || target === 'ambiguous') {
    fc.episode.log('element not healed', { element: key, reason: target ?? 'no candidate', candidates: found.slice(0, 5).map((c) => safe(c.signals)) });
    throw new ElementMissingError(`${platform}: ${key} not found by its selector, and ${target === 'ambiguous' ? 'two elements match its fingerprint equally' : 'no element matches its fingerprint by test id or name'}`);
  }
  const healed: HealedElement = {
    element: key, selector, path: target.path, seen: safe(target.signals),
    matched: (['testid', 'name', 'place'] as const).filter((k) => target.agreed[k]),
  };
  fc.episode.log('element healed', { ...healed });
  await SINK.get(fc)?.(healed);
  return fc.page.locator(target.path);
}
