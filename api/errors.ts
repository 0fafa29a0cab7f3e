import type { ErrorRequestHandler } from 'express';
import { IdempotencyError, IllegalTransitionError, PolicyDeniedError, ValidationError } from '../safety/index.js';
import { StaleStateError } from '../store/index.js';

/** An error the API answers with its own status; anything else is a 500 without details. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Errors of the libraries in front of the routes, by their `type` or `code`: a stable code of ours each. */
const KNOWN: Record<string, { status: number; code: string; message: string }> = {
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  'entity.parse.failed': { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: 'unsupported content encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'unsupported charset' },
  EBADCSRFTOKEN: { status: 403, code: 'csrf_invalid', message: 'the form is missing its CSRF token or it is not valid (reload the page)' },
};

/**
 * The kernel's refusals, as HTTP: a field it rejects is a 400 naming the field, a policy refusal a
 * 403, a state that moved on (the action ran, was cancelled) a 409.
 */
export function fromKernel(error: unknown): ApiError | undefined {
  if (error instanceof ValidationError) return new ApiError(400, 'invalid_request', `body.${error.message}`, { field: `body.${error.field}` });
  if (error instanceof PolicyDeniedError) return new ApiError(403, 'policy_denied', error.message);
  if (error instanceof IdempotencyError) return new ApiError(409, 'idempotency_conflict', error.message);
  if (error instanceof IllegalTransitionError || error instanceof StaleStateError) return new ApiError(409, 'conflict', error.message);
  return undefined;
}

/** The one error handler: typed errors keep their status, unknown ones are logged once and hidden. */
export function errorHandler(log: (message: string, fields: Record<string, unknown>) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = error instanceof ApiError ? error : fromKernel(error);
    const library = KNOWN[String(error?.type ?? error?.code ?? '')];
    const status = known?.status ?? library?.status ?? (typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500);
    if (status >= 500) log('api request failed', { method: req.method, path: req.path, error: (error as Error)?.message, request_id: req.id });
    const code = known?.code ?? library?.code ?? (status >= 500 ? 'internal_error' : 'bad_request');
    const message = status >= 500 ? 'internal error' : (library?.message ?? (error as Error).message);
    if (res.headersSent) return;
    res.status(status).json({ error: code, message, ...(known?.details ?? {}), ...(req.id !== undefined ? { request_id: String(req.id) } : {}) });
  };
}
