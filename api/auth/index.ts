export { createApiToken, publicToken, tokenHash, looksLikeToken, TOKEN_PREFIX, type NewToken } from './tokens.js';
export { can, demand, seesClient, visibleOr404, clientScope, principalOf, PERMISSIONS, type Permission, type Principal } from './principal.js';
export { openSession, closeSession, SESSION_COOKIE, PRESESSION_COOKIE, SESSION_TTL_MS } from './session.js';
export { authenticate, requireAuth, principal } from './authenticate.js';
export { createCsrf, csrfForSessions, CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, type Csrf } from './csrf.js';
export { visibleAccount, visibleAccounts, visibleClient, visibleClients } from './visible.js';
