import type { Page } from 'playwright-core';
import { evaluateQuietly } from '../proofs/index.js';
import type { LayoutAnnex } from '../selectors/index.js';
import type { FlowContext } from './types.js';

/** Takes the proof screenshot of a prompt before it is dismissed (the runner's step listeners, phase `friction`). */
type PromptProof = (step: string) => Promise<void>;
const PROOF = new WeakMap<FlowContext, PromptProof>();

/** Where the proofs of dismissed prompts go for this flow context (set by the runner around each phase). */
export function onPromptProof(fc: FlowContext, proof: PromptProof): void {
  PROOF.set(fc, proof);
}

/**
 * The accessible names of the dialogs the page shows now: `aria-label`, else the text of the
 * elements `aria-labelledby` names, else the first heading's. Source text, not a function (see
 * the serializer note in proofs/dom.ts).
 */
const SHOWN_DIALOGS = String.raw`(() => {
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const name = (d) => {
    const label = d.getAttribute('aria-label');
    if (label) return label;
    const ids = (d.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    if (ids.length) return ids.map((id) => document.getElementById(id)?.textContent || '').join(' ');
    return d.querySelector('h1,h2,h3,[role="heading"]')?.textContent || '';
  };
  return [...document.querySelectorAll('[role="dialog"],[role="alertdialog"],dialog[open]')].filter(shown).map((d) => name(d).replace(/\s+/g, ' ').trim());
})()`;

/**
 * Dismisses the interstitial prompts the annex lists (notifications, save login, promotions,
 * cookie banners) that the page shows now, each with a proof screenshot first, declining with
 * the button the annex names. A dialog the annex does not list is left alone — a flow's own
 * confirmation sheet, or something new, which the flow's next step or the guardrails read.
 * Resolves the kinds dismissed, in order.
 */
export async function dismissPrompts(fc: FlowContext): Promise<string[]> {
  return dismissListedPrompts(fc.page, fc.layout.annex.prompts, { proof: PROOF.get(fc), log: (message, fields) => fc.episode.log(message, fields) });
}

/**
 * `dismissPrompts` for a page outside an episode (the login flows at connect time): the same
 * prompts of the layout the page was recognised as, declined the same way; `proof` is taken
 * before each, `log` says what was done.
 */
export async function dismissListedPrompts(page: Page, prompts: LayoutAnnex['prompts'], hooks: { proof?: PromptProof | undefined; log?: (message: string, fields: Record<string, unknown>) => void } = {}): Promise<string[]> {
  if (prompts.length === 0) return [];
  const dismissed: string[] = [];
  // A page may queue a second prompt behind the first; a few at most.
  for (let round = 0; round < 3; round += 1) {
    const names = await evaluateQuietly<string[]>(page, SHOWN_DIALOGS).catch(() => [] as string[]);
    const found = names.flatMap((name) => prompts.filter((p) => p.names.includes(name)).map((p) => ({ prompt: p, name })))[0];
    if (!found) break;
    const { prompt, name } = found;
    await hooks.proof?.(`prompt_${prompt.kind}`);
    const dialog = page.getByRole('dialog', { name, exact: true }).or(page.getByRole('alertdialog', { name, exact: true })).first();
    let clicked = false;
    for (const label of prompt.dismiss) {
      const button = dialog.getByRole('button', { name: label, exact: true });
      if ((await button.count()) === 0) continue;
      await button.first().click({ timeout: 5000 });
      clicked = true;
      break;
    }
    if (!clicked) {
      hooks.log?.('prompt without its dismiss button', { kind: prompt.kind });
      break;
    }
    await dialog.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    hooks.log?.('prompt dismissed', { kind: prompt.kind });
    dismissed.push(prompt.kind);
  }
  return dismissed;
}
