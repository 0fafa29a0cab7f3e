import type { Page } from 'playwright-core';
import { evaluateQuietly } from '../proofs/index.js';

/** What to read from a page in one round trip. Selectors are CSS (the annexes hold CSS only). */
export interface ProbeQuery {
  /** Per name: all of these selectors must match at least one element (layout markers). */
  all?: Record<string, readonly string[]>;
  /** Per name: whether any element matching the selector is visible. */
  visible?: Record<string, string | undefined>;
  /** Per name: the text content of the first element matching the selector (null when none). */
  text?: Record<string, string | undefined>;
  /** Per name: an attribute of the first element matching the selector (null when none). */
  attr?: Record<string, readonly [selector: string, attribute: string] | undefined>;
  /** Per name: the value of the first input or textarea matching the selector (null when none). */
  value?: Record<string, string | undefined>;
}

export interface PageProbe {
  /** The page's path (no query: it may carry tokens). */
  path: string;
  all: Record<string, boolean>;
  visible: Record<string, boolean>;
  text: Record<string, string | null>;
  attr: Record<string, string | null>;
  value: Record<string, string | null>;
  /** Selectors the page's engine refused (not CSS): an annex bug, reported, never a silent "absent". */
  invalid: string[];
}

/**
 * The in-page reader, kept as source text: a function passed to `page.evaluate` would be
 * rewritten by the TypeScript loader (it adds `__name` helpers that do not exist in the page).
 * Visibility follows Playwright's rule: a non-empty box and no `visibility: hidden`.
 */
const PROBE = String.raw`((q) => {
  const invalid = [];
  const all = (s) => { try { return [...document.querySelectorAll(s)]; } catch { invalid.push(s); return []; } };
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const map = (o, f) => Object.fromEntries(Object.entries(o || {}).filter(([, v]) => v).map(([k, v]) => [k, f(v)]));
  return {
    path: location.pathname,
    all: map(q.all, (list) => list.every((s) => all(s).length > 0)),
    visible: map(q.visible, (s) => all(s).some(shown)),
    text: map(q.text, (s) => { const e = all(s)[0]; return e ? e.textContent : null; }),
    attr: map(q.attr, ([s, a]) => { const e = all(s)[0]; return e ? e.getAttribute(a) : null; }),
    value: map(q.value, (s) => { const e = all(s)[0]; return e && 'value' in e ? String(e.value) : null; }),
    invalid,
  };
})`;

/**
 * Reads many facts of a page in one round trip. Flows and guardrails ask after every step and
 * while waiting for a receipt; one `evaluate` instead of a locator call per fact keeps the
 * checks (and the episode's trace, which snapshots every call) cheap.
 */
export async function probePage(page: Page, query: ProbeQuery): Promise<PageProbe> {
  const script = `${PROBE}(${JSON.stringify(query)})`;
  let probe: PageProbe;
  try {
    probe = await evaluateQuietly<PageProbe>(page, script);
  } catch (error) {
    // A navigation replaced the document mid-read: read the new one once it has loaded.
    if (!/context was destroyed|navigat|Cannot find (default )?(execution )?context/i.test((error as Error).message)) throw error;
    await page.waitForLoadState('domcontentloaded');
    probe = await evaluateQuietly<PageProbe>(page, script);
  }
  if (probe.invalid.length) throw new TypeError(`selectors the page refused as CSS: ${[...new Set(probe.invalid)].join(', ')}`);
  return probe;
}
