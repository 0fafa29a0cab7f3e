import type { Locator } from 'playwright-core';
import { OutcomeUnknownError, PlatformRefusalError, TransientError } from '../safety/index.js';
import { commitClick, isPost } from './commit.js';
import type { FlowContext } from './types.js';

/** Polls (every 20 ms: a check is one untraced page read) until `check` names a state, or the timeout passes (then 'timeout'). */
export async function settle<T extends string>(fc: FlowContext, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T | 'timeout'> {
  const deadline = Math.min(Date.now() + timeoutMs, fc.episode.deadline);
  for (;;) {
    const state = await check().catch(() => undefined);
    if (state) return state;
    if (Date.now() > deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A text of the layout's annex (`texts`), any of its variants; false when the annex has none. */
export function saysText(fc: FlowContext, name: string, shown: string | null | undefined): boolean {
  const variants = fc.layout.annex.texts[name];
  const text = (shown ?? '').trim();
  return variants !== undefined && variants.some((v) => v === text);
}

/** Whether the shown text contains any variant of an annex text (case-insensitive); undefined when the annex has none. */
export function containsText(texts: Record<string, string[]>, name: string, shown: string | null | undefined): boolean | undefined {
  const variants = texts[name];
  if (!variants) return undefined;
  const text = (shown ?? '').toLocaleLowerCase();
  return variants.some((v) => text.includes(v.toLocaleLowerCase()));
}

export interface BackgroundCommit {
  /** A confirmed action takes the page elsewhere (a deleted post's page goes to the profile). */
  leavesPage?: boolean;
  /** The platform's friction check of the page the answer left (login, checkpoint, "Action Blocked"): throws. */
  friction(fc: FlowContext): Promise<void>;
}

/**
 * The commit of an action the page sends in the background (like, follow, reply, DM, delete,
 * X's post): one click, then the answer to the request it sent — never the screen, which
 * changes at once whatever the platform does (optimistic UI), and never the answer's body (a
 * web client's private format, which says "done" in ways no flow should rely on). No answer, or
 * a 5xx, may hide an applied effect: unknown, verification decides. A 429 is answered before
 * anything is applied. Friction the page shows after the answer is thrown by `friction`.
 * Resolves the answer's status (2xx).
 */
export async function commitInBackground(fc: FlowContext, element: string, button: Locator, o: BackgroundCommit): Promise<number> {
  const platform = fc.action.platform;
  const sent = await commitClick(fc, element, button, isPost);
  if (!sent.response) throw new OutcomeUnknownError(`${platform}: ${sent.failure ?? 'no answer'} after the click`);
  const status = sent.response.status();
  const path = new URL(fc.page.url()).pathname;
  // The page's script applies the answer (a toast, a redirect to the login or a checkpoint).
  await settle(fc, async () => {
    if (new URL(fc.page.url()).pathname !== path) return 'left';
    return (await fc.page.locator(fc.layout.annex.friction.toast).first().isVisible()) ? 'toast' : undefined;
  }, status >= 200 && status < 300 ? (o.leavesPage ? 10_000 : 300) : 2000);
  await fc.page.waitForLoadState('domcontentloaded').catch(() => undefined);
  await o.friction(fc);
  if (status === 429) {
    const secs = Number(sent.response.headers()['retry-after']);
    throw new TransientError(`${platform}: rate limited before acting`, false, Number.isFinite(secs) && secs > 0 ? secs * 1000 : undefined, 429);
  }
  if (status >= 500) throw new OutcomeUnknownError(`${platform}: the action answered ${status} (it may have been applied)`);
  if (status >= 400) throw new PlatformRefusalError(`${platform}: the action was refused (${status})`, status);
  return status;
}
