import type { ErrorRequestHandler } from 'express';

/** An error the API answers with its own status; anything else is a 500 without details. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The one error handler: typed errors keep their status, unknown ones are logged once and hidden. */
export function errorHandler(log: (message: string, fields: Record<string, unknown>) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = error instanceof ApiError ? error : undefined;
    const status = known?.status ?? (typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500);
    if (status >= 500) log('api request failed', { method: req.method, path: req.path, error: (error as Error)?.message });
    res.status(status).json({ error: known?.code ?? (status >= 500 ? 'internal_error' : 'bad_request'), message: status >= 500 ? 'internal error' : (error as Error).message });
  };
}
