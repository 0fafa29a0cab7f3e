import type { RequestHandler, Response } from 'express';
import type { Store } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { principalOf, type Principal } from './principal.js';
import { SESSION_COOKIE } from './session.js';
import { looksLikeToken, tokenHash } from './tokens.js';

/** Last use is stamped at most this often per token (an operator's view, not an access log). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Finds who is calling — a bearer token, else a console session cookie — and keeps it in
 * `res.locals.principal`. Anonymous requests pass on; `requireAuth` answers them 401.
 */
export function authenticate(store: Store, now: () => Date = () => new Date()): RequestHandler {
  const touched = new Map<string, number>();
  return async (req, res, next) => {
    try {
      const header = req.get('authorization');
      let principal: Principal | undefined;
      if (header !== undefined) {
        const token = /^Bearer (\S+)$/.exec(header)?.[1];
        const record = token && looksLikeToken(token) ? await store.apiTokens.findByHash(tokenHash(token)) : null;
        // A malformed or unknown bearer token is a 401 even if a session cookie came along; the
        // answer waits for the rate limit, which counts such calls by address (a guesser cannot
        // buy a fresh allowance with every made-up token).
        if (!record) {
          res.locals.authFailure = 'the bearer token is not valid';
          return next();
        }
        principal = principalOf(record, 'bearer');
      } else {
        const sid = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
        if (sid) {
          const session = await store.consoleSessions.get(tokenHash(sid), now());
          const record = session ? await store.apiTokens.get(session.token_id) : null;
          if (record && record.revoked_at === null) principal = principalOf(record, 'session');
        }
      }
      if (principal) {
        res.locals.principal = principal;
        const at = now().getTime();
        if ((touched.get(principal.token_id) ?? 0) + TOUCH_EVERY_MS < at) {
          touched.set(principal.token_id, at);
          await store.apiTokens.touch(principal.token_id, now());
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

export const requireAuth: RequestHandler = (_req, res, next) => {
  if (!res.locals.principal) return next(new ApiError(401, 'unauthorized', (res.locals.authFailure as string | undefined) ?? 'a bearer token or a console session is required'));
  next();
};

export function principal(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new ApiError(401, 'unauthorized', 'a bearer token or a console session is required');
  return p;
}
