import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { renderDriftReport } from '../proofs/index.js';
import { ApiError, errorHandler } from './errors.js';

export interface ApiAppOptions {
  dataDir: string;
  /** Bearer token required on `/api/v1/*` when set. */
  token?: string;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

function bearer(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, _res, next) => {
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    next(new ApiError(401, 'unauthorized', 'a bearer token is required'));
  };
}

/** The report inlines its images and needs no script: nothing else may load. */
const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function createApiApp(options: ApiAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  const v1 = express.Router();
  if (options.token) v1.use(bearer(options.token));
  v1.get('/drift/report', async (_req, res) => {
    const html = await renderDriftReport(options.dataDir);
    res.set('content-security-policy', REPORT_CSP).set('cache-control', 'no-store').type('html').send(html);
  });
  app.use('/api/v1', v1);
  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(options.log ?? ((message, fields) => console.error(JSON.stringify({ msg: message, ...fields })))));
  return app;
}
