import type { Locator, Response } from 'playwright-core';
import { AuthExpiredError, CheckpointError, DriftError, PlatformRefusalError, TransientError, ValidationError } from '../../safety/errors.js';
import { X_BLOCKED_TOAST } from '../../selectors/x.js';
import { probePage } from '../probe.js';
import type { Verification } from '../../safety/performer.js';
import type { FlowContext } from '../types.js';

/** Navigation timeout: X pages are small; a slow one is a transient failure, not a hang. */
const NAV_TIMEOUT_MS = 15_000;

import { matchPath, sel, urlOf, waitWhileLoading } from '../run.js';

export { matchPath, sel, urlOf };

export function receiptSel(fc: FlowContext, name: string): string {
  const value = fc.layout.annex.receipts[name];
  if (!value) throw new DriftError(`x annex layout ${fc.layout.version} has no receipt ${name}`);
  return value;
}

/** The account's handle without `@`. */
export function ownHandle(fc: FlowContext): string {
  return fc.account.fingerprint.handle.replace(/^@/, '');
}

/** Text as the platform compares it: line endings unified, outer whitespace dropped. */
export function sameText(a: string | null | undefined, b: string): boolean {
  const norm = (s: string) => s.replace(/\r\n?/g, '\n').trim();
  return a !== null && a !== undefined && norm(a) === norm(b);
}

export function payloadText(fc: FlowContext, field = 'text'): string {
  const value = fc.action.payload[field];
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`payload.${field}`, 'expected non-empty text');
  return value;
}

/** A tweet to act on: its id and the handle of its author (X's status URLs carry both). */
export interface TweetRef {
  id: string;
  handle: string;
}

/**
 * Resolves `payload.target`: a permalink (`https://x.com/{handle}/status/{id}`), the path
 * `/{handle}/status/{id}`, or a bare tweet id with the author's handle in `payload.target_handle`
 * (without it, a bare id is taken to be one of the account's own tweets).
 */
export function targetTweet(fc: FlowContext): TweetRef {
  const target = fc.action.payload.target;
  if (typeof target !== 'string' || target.trim() === '') throw new ValidationError('payload.target', 'expected a tweet permalink or id');
  const t = target.trim();
  if (/^\d+$/.test(t)) {
    const given = fc.action.payload.target_handle;
    const handle = typeof given === 'string' && given.trim() ? given.trim().replace(/^@/, '') : ownHandle(fc);
    return { id: t, handle };
  }
  const m = matchPath(fc, 'status', t.startsWith('/') || /^https?:\/\//.test(t) ? t : `/${t}`);
  if (!m?.id || !m.handle || !/^\d+$/.test(m.id)) throw new ValidationError('payload.target', 'expected a tweet permalink (/{handle}/status/{id}) or id');
  return { id: m.id, handle: m.handle };
}

/** Reads a tweet permalink link (the time stamp's) into an id and an absolute URL. */
export async function permalinkOf(fc: FlowContext, link: Locator): Promise<{ id: string; handle: string; permalink: string } | undefined> {
  if ((await link.count()) === 0) return undefined;
  const href = await link.first().getAttribute('href');
  if (!href) return undefined;
  const m = matchPath(fc, 'status', href);
  if (!m?.id || !m.handle) return undefined;
  return { id: m.id, handle: m.handle, permalink: new URL(href, fc.origin).toString() };
}

/**
 * Friction on the page now (§8.4): the login form (session gone), a checkpoint, an
 * "Action Blocked" toast, a rate-limit or error page. Throws the error class whose
 * classification matches what the platform did; returns when the page is clean.
 * `status` is the HTTP status of the response that produced the page, when known; `sent` says
 * whether the page answers a commit (an error page after one may hide an applied effect).
 */
export async function assertNoFriction(fc: FlowContext, status?: number, retryAfterS?: string | null, sent = false): Promise<void> {
  const f = fc.layout.annex.friction;
  // One read of the page for every kind of friction.
  const present: Record<string, string[]> = { checkpoint: [f.checkpoint] };
  if (f.login) present.login = [f.login];
  if (f.error) present.error = [f.error];
  const p = await probePage(fc.page, { all: present, visible: { toast: f.toast }, text: { toast: f.toast, error: f.error } });
  const has = (k: string) => p.all[k] === true;
  if (matchPath(fc, 'login', p.path) || has('login')) {
    throw new AuthExpiredError('x: the session is gone (login page shown)');
  }
  if (matchPath(fc, 'challenge', p.path) || has('checkpoint')) {
    throw new CheckpointError('x: account access checkpoint shown');
  }
  // Other toasts (e.g. "Switched account.") are informational.
  if (p.visible.toast && (containsText(fc.layout.annex.texts, 'action_blocked', p.text.toast) ?? X_BLOCKED_TOAST.test(p.text.toast ?? ''))) throw new CheckpointError('x: action blocked');
  // A rate-limit page after a commit (the submit went through and its redirect's page was
  // limited) may hide an applied effect: only a 429 to the request itself proves nothing left.
  const rateLimited = () => {
    const secs = Number(retryAfterS);
    return new TransientError(`x: rate limited${sent ? ' after the submit' : ''}`, sent, Number.isFinite(secs) && secs > 0 ? secs * 1000 : undefined, 429);
  };
  if (status === 429) throw rateLimited();
  if (has('error')) {
    if (/rate limit|wait a few minutes/i.test(p.text.error ?? '')) throw rateLimited();
    if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
      throw new PlatformRefusalError(`x: the page answered ${status}`, status);
    }
    throw new TransientError(`x: error page${status ? ` (${status})` : ''}`, sent, undefined, status);
  }
}

/** Opens a surface by its annex path (read-only) and stops on friction. */
export async function open(fc: FlowContext, surface: string, path: string, params: Record<string, string> = {}): Promise<Response | null> {
  fc.episode.signal.throwIfAborted();
  const first = await fc.page.goto(urlOf(fc, path, params), { waitUntil: 'domcontentloaded', timeout: NAV_TIMEOUT_MS });
  fc.surface(surface);
  // A page still drawing behind its spinner is waited out (and reloaded if it never ends).
  const reloaded = await waitWhileLoading(fc);
  const response = reloaded === undefined ? first : reloaded;
  await assertNoFriction(fc, response?.status(), response?.headers()['retry-after']);
  return response;
}

/**
 * A tweet's own URL, read as one known object: shown with this text by `handle`, "not found"
 * (the platform answers 404 with its error page), `foreign` (x.com moved the browser to another
 * author's URL for this id: the tweet exists, made by someone else), or something else (another
 * text, a page we cannot read). Friction (checkpoint, login, rate limit, a 5xx) throws as on any page.
 */
export async function statusState(fc: FlowContext, handle: string, id: string, text: string): Promise<'shown' | 'missing' | 'other' | 'foreign'> {
  fc.episode.signal.throwIfAborted();
  const first = await fc.page.goto(urlOf(fc, 'status', { handle, id }), { waitUntil: 'domcontentloaded', timeout: NAV_TIMEOUT_MS });
  fc.surface('post');
  const reloaded = await waitWhileLoading(fc);
  const response = reloaded === undefined ? first : reloaded;
  const status = response?.status();
  if (status === 404) {
    const f = fc.layout.annex.friction;
    const p = await probePage(fc.page, { all: { error: [f.error ?? f.checkpoint] }, text: { handle: fc.layout.annex.identity.handle } });
    // Only a 404 page of the platform, shown to our own session, says "no such post".
    return p.all.error && (p.text.handle ?? '').trim().replace(/^@/, '') === ownHandle(fc) ? 'missing' : 'other';
  }
  await assertNoFriction(fc, status, response?.headers()['retry-after']);
  const at = matchPath(fc, 'status', fc.page.url());
  if (at?.id === id && at.handle && !sameHandle(at.handle, handle)) return 'foreign';
  // x.com renders a status under any handle and moves the URL to the author's only once its
  // script has run: the URL proves nothing yet, the tweet's own author line does.
  const author = await tweetAuthor(fc);
  if (author !== undefined && !sameHandle(author, handle)) return 'foreign';
  const p = await probePage(fc.page, { text: { text: sel(fc, 'status', 'text') } });
  return author !== undefined && sameText(p.text.text, text) ? 'shown' : 'other';
}

const sameHandle = (a: string, b: string) => a.replace(/^@/, '').toLowerCase() === b.replace(/^@/, '').toLowerCase();

/** The focal tweet's author handle, from its profile link (`/{handle}`); undefined when unreadable. */
async function tweetAuthor(fc: FlowContext): Promise<string | undefined> {
  const link = fc.page.locator(sel(fc, 'status', 'author')).first();
  if ((await link.count()) === 0) return undefined;
  const href = await link.getAttribute('href');
  return href ? matchPath(fc, 'profile', href)?.handle : undefined;
}

/** The author of the status page the browser is on (its author line, else its URL), for a WrongAccountEffectError. */
export async function authorOnPage(fc: FlowContext): Promise<string> {
  return `@${(await tweetAuthor(fc)) ?? matchPath(fc, 'status', fc.page.url())?.handle ?? 'unknown'}`;
}

/** A verdict with the surface it read and whether the look was precise (flows/types.ts `Flow.verify`). */
export function seen(v: Omit<Verification, 'surface' | 'precise'>, surface: string, precise: boolean): Verification {
  return { ...v, surface, precise };
}

/** Whether the page shows the account we act for (the current-account handle in the chrome). */
export async function showsOwnAccount(fc: FlowContext): Promise<boolean> {
  const handle = fc.page.locator(fc.layout.annex.identity.handle);
  if ((await handle.count()) === 0) return false;
  const text = ((await handle.first().textContent()) ?? '').trim().replace(/^@/, '');
  return text === ownHandle(fc);
}

export { commitClick, isPost, type Submitted } from '../commit.js';
import { commitInBackground as commitBackground, containsText } from '../background.js';
export { settle, saysText } from '../background.js';

/** The X commit of a background action (flows/background.ts): the page's friction read as after a submit. */
export function commitInBackground(fc: FlowContext, element: string, button: Locator): Promise<number> {
  return commitBackground(fc, element, button, { friction: (f) => assertNoFriction(f, undefined, undefined, true) });
}
