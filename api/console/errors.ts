import type { ErrorRequestHandler } from 'express';
import { PolicyDeniedError, ScheduleConflictError } from '../../safety/index.js';
import type { Principal } from '../auth/index.js';
import { ApiError, fromKernel } from '../errors.js';
import { html } from './html.js';
import { BASE, layout, pageOf, send, type ConsoleDeps, type Page } from './page.js';

/** What a person reads when the console refuses something: the reason, and nothing changed. */
function describe(error: unknown): { status: number; title: string; message: string } {
  if ((error as { code?: unknown })?.code === 'EBADCSRFTOKEN') {
    return { status: 403, title: 'Form refused', message: 'The form was refused: its security token is missing or out of date. Nothing was changed. Go back, reload the page and try again.' };
  }
  if (error instanceof PolicyDeniedError && error.reason === 'self_approval') {
    return { status: 403, title: 'Approval refused', message: 'You created this action, so you cannot approve it: the two-person rule needs someone else to approve it. Nothing was changed.' };
  }
  if (error instanceof ScheduleConflictError) {
    const why = error.conflict === 'approval_expired'
      ? 'it was due without its approval, so it expired and will never run late'
      : error.conflict === 'started' ? 'a runner took it meanwhile' : `it is ${error.state ?? 'gone'} now`;
    return { status: 409, title: 'Too late for that', message: `That action can no longer be changed: ${why}. Nothing was changed.` };
  }
  const status = (error as { status?: unknown })?.status;
  const library = typeof status === 'number' && status >= 400 && status < 500 && !(error instanceof ApiError)
    ? new ApiError(status, 'refused', status === 413 ? 'the form is too large' : 'the request was refused')
    : undefined;
  const known = error instanceof ApiError ? error : (fromKernel(error) ?? library);
  if (known) {
    const title = known.status === 404 ? 'Not found' : known.status === 403 ? 'Not allowed' : known.status === 401 ? 'Log in first' : 'Refused';
    // A 404 says the same for a missing resource and another tenant's: no hint which.
    const message = known.status === 404 ? 'There is nothing here, or nothing you may see.' : `${known.message}. Nothing was changed.`;
    return { status: known.status, title, message };
  }
  return { status: 500, title: 'Something went wrong', message: 'The console could not finish this request. Nothing was shown or changed; try again, and tell an operator if it persists.' };
}

/** The console's one error handler: an HTML page with the status, never a stack or a JSON body. */
export function consoleErrorHandler(deps: ConsoleDeps): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, title, message } = describe(error);
    if (status >= 500) deps.services.logger.error({ method: req.method, path: req.path, request_id: req.id, error: (error as Error)?.message }, 'console request failed');
    let page: Page | undefined;
    const principal = res.locals.principal as Principal | undefined;
    if (principal?.via === 'session') {
      try {
        page = pageOf(deps, req, res);
      } catch {
        page = undefined;
      }
    }
    const back = principal ? html`<p><a href="${BASE}/">Back to the dashboard</a></p>` : html`<p><a href="${BASE}/login">Log in</a></p>`;
    send(res, layout({ title, nav: 'none', ...(page ? { page } : {}), error: message, body: back }), status);
  };
}
