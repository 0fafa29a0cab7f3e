import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler, Response } from 'express';
import { loadOrCreateKeyFile } from '../../store/index.js';
import { PRESESSION_COOKIE, SESSION_COOKIE } from './session.js';

export const CSRF_COOKIE = 'raize_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Csrf {
  /** The token to put in a form (and its cookie, set on the response). */
  token(req: Request, res: Response): string;
  /** Refuses a state-changing request whose token is missing or not this session's (403 csrf_invalid). */
  protect: RequestHandler;
}

/**
 * CSRF protection for the console (csrf-csrf's signed double-submit cookie): the token is an
 * HMAC over the console session id (the pre-login id on the login form), with a secret kept in
 * `<dataDir>/keys/csrf.key`. A form carries it as `_csrf`, a script as the `x-csrf-token` header.
 */
export function createCsrf(dataDir: string): Csrf {
  const secret = loadOrCreateKeyFile(join(dataDir, 'keys', 'csrf.key'), () => randomBytes(32).toString('base64url'), (m) => new Error(m));
  const { generateCsrfToken, doubleCsrfProtection } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => {
      const cookies = (req.cookies ?? {}) as Record<string, string>;
      return cookies[SESSION_COOKIE] ?? cookies[PRESESSION_COOKIE] ?? '';
    },
    cookieName: CSRF_COOKIE,
    // Served over loopback http (a proxy adds TLS): `secure` would drop the cookie there.
    cookieOptions: { sameSite: 'lax', httpOnly: true, secure: false, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const field = typeof body?.[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : undefined;
      return field ?? (req.headers[CSRF_HEADER] as string | undefined);
    },
  });
  return {
    token: (req, res) => generateCsrfToken(req, res, { overwrite: false }),
    protect: doubleCsrfProtection,
  };
}

/** Session-authenticated requests that change something need the token; bearer calls carry no ambient credential. */
export function csrfForSessions(csrf: Csrf): RequestHandler {
  return (req, res, next) => {
    const principal = res.locals.principal as { via?: string } | undefined;
    if (principal?.via !== 'session') return next();
    csrf.protect(req, res, next);
  };
}
