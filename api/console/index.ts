import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Router } from 'express';
import type { Principal } from '../auth/index.js';
import { clearAccount, pacingPage } from './accounts.js';
import { approvalsPage, approvePost } from './approvals.js';
import { dashboard } from './dashboard.js';
import { dmApprovePost, dmPage, dmRejectPost } from './dm.js';
import { driftPage, promotePost, rejectPost } from './drift.js';
import { episodePage, episodesPage } from './episodes.js';
import { consoleErrorHandler } from './errors.js';
import { confirmKill, setKill } from './kill.js';
import { doLogin, doLogout, safeNext, showLogin } from './login.js';
import { BASE, type ConsoleDeps } from './page.js';
import { cancelPost, schedulePage } from './schedule.js';
import { traceViewerFiles } from './trace-viewer.js';

export type { ConsoleDeps } from './page.js';
export { TRACE_VIEWER_PATH, traceViewerCsp, traceViewerHeaders, traceViewerDir } from './trace-viewer.js';
export { BASE as CONSOLE_PATH } from './page.js';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** Every page but the login form needs a console session: a browser goes to log in first, anything else gets a 401. */
const requireSession: RequestHandler = (req, res, next) => {
  const principal = res.locals.principal as Principal | undefined;
  if (principal?.via === 'session') return next();
  if (req.method === 'GET' || req.method === 'HEAD') {
    const wanted = safeNext(req.originalUrl);
    return res.redirect(303, `${BASE}/login${wanted !== `${BASE}/` ? `?${new URLSearchParams({ next: wanted })}` : ''}`);
  }
  res.status(401).set('cache-control', 'no-store').type('text').send('log in to the console first');
};

/**
 * The reviewer console (issue 11): server-rendered pages under /console, no build step and no
 * inline script or style. Forms are urlencoded and each carries the session's CSRF token, checked
 * before the handler runs; every page reads through the caller's tenant scope.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const post = [form, deps.csrf.protect];

  router.use('/static', express.static(STATIC_DIR, { index: false, fallthrough: false, dotfiles: 'deny', maxAge: '1h' }));
  router.get('/login', showLogin(deps));
  router.post('/login', ...post, doLogin(deps));

  router.use(requireSession);
  router.post('/logout', ...post, doLogout(deps));
  router.use('/trace', traceViewerFiles());

  router.get('/', dashboard(deps));
  router.get('/kill/confirm', confirmKill(deps));
  router.post('/kill', ...post, setKill(deps));
  router.post('/accounts/:account_id/clear', ...post, clearAccount(deps));
  router.get('/accounts/:account_id/pacing', pacingPage(deps));
  router.get('/schedule', schedulePage(deps));
  router.post('/actions/:action_id/cancel', ...post, cancelPost(deps));
  router.get('/approvals', approvalsPage(deps));
  router.post('/actions/:action_id/approve', ...post, approvePost(deps));
  router.get('/episodes', episodesPage(deps));
  router.get('/episodes/:episode_id', episodePage(deps));
  router.get('/drift', driftPage(deps));
  router.post('/drift/:record_id/promote', ...post, promotePost(deps));
  router.post('/drift/:record_id/reject', ...post, rejectPost(deps));
  router.get('/dm', dmPage(deps));
  router.post('/dm/:trace_id/approve', ...post, dmApprovePost(deps));
  router.post('/dm/:trace_id/reject', ...post, dmRejectPost(deps));

  router.use((req, _res, next) => next(Object.assign(new Error(`no page ${req.path}`), { status: 404 })));
  router.use(consoleErrorHandler(deps));
  return router;
}
