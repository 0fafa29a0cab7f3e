import { randomBytes } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import {
  closeSession, looksLikeToken, openSession, PRESESSION_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, tokenHash, type Principal,
} from '../auth/index.js';
import { html } from './html.js';
import { BASE, field, layout, send, type ConsoleDeps } from './page.js';

/**
 * Sent with every login and logout: the trace viewer's service worker keeps the traces it loaded
 * in memory by URL, so the next person on this browser must not find the last one's there.
 */
const CLEAR_STORAGE = '"cache", "storage"';

/** HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), the whole site. */
function cookieOptions(req: Request, maxAge?: number): CookieOptions {
  // Served on loopback http behind a TLS proxy: `secure` only when this request came over TLS.
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: req.secure, ...(maxAge !== undefined ? { maxAge } : {}) };
}

/** Where to go after logging in: a console page, never another site (`//host`, `/\host`). */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string') return `${BASE}/`;
  return /^\/console\/[A-Za-z0-9/_\-.?=&%]*$/.test(value) && !value.includes('//') && !value.includes('\\') ? value : `${BASE}/`;
}

function cookies(req: Request): Record<string, string> {
  return (req.cookies ?? {}) as Record<string, string>;
}

function loginPage(deps: ConsoleDeps, req: Request, res: Response, options: { next: string; error?: string; status?: number }): void {
  // The form's CSRF token is bound to a pre-login id (no login CSRF); a session cookie that no
  // longer names a session (expired, revoked, planted) is dropped so the token binds to the id.
  const jar = cookies(req);
  if (jar[SESSION_COOKIE] !== undefined) {
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    delete jar[SESSION_COOKIE];
  }
  if (!jar[PRESESSION_COOKIE]) {
    const pre = randomBytes(32).toString('base64url');
    res.cookie(PRESESSION_COOKIE, pre, cookieOptions(req, 3_600_000));
    jar[PRESESSION_COOKIE] = pre;
  }
  const csrf = deps.csrf.token(req, res);
  const body = html`
<p>Paste an API token to open a console session. An admin creates one with <code>npx raize token create --role reviewer</code>; the token itself is never stored or shown again.</p>
<form method="post" action="${BASE}/login" class="stack">
  <input type="hidden" name="_csrf" value="${csrf}">
  <input type="hidden" name="next" value="${options.next}">
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required autofocus aria-describedby="token-help"${options.error ? html` aria-invalid="true"` : ''}>
  <p id="token-help" class="muted">Starts with <code>rzt_</code>. Your role and client scope come with it.</p>
  <button type="submit">Log in</button>
</form>`;
  send(res, layout({ title: 'Log in', nav: 'none', body, ...(options.error ? { error: options.error } : {}) }), options.status ?? 200);
}

/** GET /console/login: the form (or the dashboard, for someone already logged in). */
export function showLogin(deps: ConsoleDeps): RequestHandler {
  return (req, res) => {
    const principal = res.locals.principal as Principal | undefined;
    if (principal?.via === 'session') return res.redirect(303, safeNext(req.query.next));
    loginPage(deps, req, res, { next: safeNext(req.query.next) });
  };
}

/**
 * POST /console/login (CSRF-checked before it runs): a valid, unrevoked token opens a session
 * with a fresh random id — whatever session cookie the browser brought is closed and replaced,
 * so a value planted before login is never the one after it (no session fixation).
 */
export function doLogin(deps: ConsoleDeps): RequestHandler {
  const { store } = deps.services;
  return async (req, res, next) => {
    try {
      const token = field(req.body, 'token', 200);
      const record = token && looksLikeToken(token) ? await store.apiTokens.findByHash(tokenHash(token)) : null;
      const nextPath = safeNext(field(req.body, 'next', 500));
      if (!record) {
        deps.services.logger.info({ outcome: 'refused' }, 'console login');
        return loginPage(deps, req, res, { next: nextPath, error: 'That token is not valid (or it was revoked). Nothing was logged in.', status: 401 });
      }
      await closeSession(store, cookies(req)[SESSION_COOKIE]);
      const session = await openSession(store, record.token_id);
      res.cookie(SESSION_COOKIE, session.id, cookieOptions(req, SESSION_TTL_MS));
      res.clearCookie(PRESESSION_COOKIE, cookieOptions(req));
      res.setHeader('clear-site-data', CLEAR_STORAGE);
      deps.services.logger.info({ outcome: 'opened', token_id: record.token_id, role: record.role, client_id: record.client_id }, 'console login');
      res.redirect(303, nextPath);
    } catch (error) {
      next(error);
    }
  };
}

/** POST /console/logout (CSRF-checked): the session ends in the store, not only in the browser. */
export function doLogout(deps: ConsoleDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      await closeSession(deps.services.store, cookies(req)[SESSION_COOKIE]);
      res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      res.setHeader('clear-site-data', CLEAR_STORAGE);
      const principal = res.locals.principal as Principal | undefined;
      deps.services.logger.info({ outcome: 'closed', token_id: principal?.token_id }, 'console logout');
      res.redirect(303, `${BASE}/login`);
    } catch (error) {
      next(error);
    }
  };
}
