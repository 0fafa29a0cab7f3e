import { randomUUID } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Services } from '../runners/index.js';
import { authenticate, createCsrf, csrfForSessions, requireAuth, type Csrf } from './auth/index.js';
import { createConsoleRouter, CONSOLE_PATH, TRACE_VIEWER_PATH, traceViewerHeaders } from './console/index.js';
import { logContext } from '../safety/index.js';
import { ApiError, errorHandler } from './errors.js';
import { ApiRoutes } from './http/index.js';
import { metricsHandler } from './metrics.js';
import { registerRoutes } from './routes/index.js';
import type { ConnectAccount } from './routes/deps.js';
import { createDmService, type DmService } from '../dm/index.js';
import { META_WEBHOOK_PATH, metaWebhookRouter } from './webhooks/meta.js';

export interface ApiAppOptions {
  services: Services;
  /** Requests per minute per caller (token, session or address). @default 600 */
  rateLimitPerMinute?: number;
  /** Largest JSON body accepted. @default '256kb' */
  bodyLimit?: string;
  /** Connects accounts through the browser lane's login flow; without it `POST /accounts` answers 503. */
  connect?: ConnectAccount;
  /** The DM assistant behind /webhooks/meta and the console's DM queue. @default one on the services' store and data dir */
  dm?: DmService;
}

/** Every page and answer: nothing loads from elsewhere, nothing inline, no framing. */
export const STRICT_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * The API (issue 11): JSON under /api/v1 with bearer tokens (or a console session), /healthz and
 * /metrics at the root. Order: request id and log line, security headers, rate limit, cookies,
 * who is calling, then the routes; bodies are parsed only on routes that take them.
 */
export function createApiApp(options: ApiAppOptions): Express {
  const { services } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(pinoHttp({
    logger: services.logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // The URL's query and the headers may carry tokens: the line keeps method, path and status.
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: String(req.url).split('?')[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
  }));
  // Every line logged while the request runs (routes, the kernel under them) names its id.
  app.use((req, _res, next) => logContext.run({ request_id: String(req.id) }, next));
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP }, crossOriginEmbedderPolicy: false }));
  app.use(cookieParser());
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // Meta calls without a token: the webhook authenticates by its signature, before any parse.
  const dm = options.dm ?? createDmService({ store: services.store, dataDir: services.config.dataDir, log: (message, fields) => services.logger.info(fields, message) });
  app.use(META_WEBHOOK_PATH, metaWebhookRouter({
    dm,
    appSecret: services.config.metaAppSecret,
    verifyToken: services.config.metaVerifyToken,
    log: (message, fields) => services.logger.info(fields, message),
  }));
  // Deliveries a previous process received but did not finish are processed now.
  dm.kick();
  app.use(authenticate(services.store));
  app.use(rateLimit({
    windowMs: 60_000,
    limit: options.rateLimitPerMinute ?? 600,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => callerKey(_req, res),
    handler: (_req, _res, next) => next(new ApiError(429, 'rate_limited', 'too many requests: slow down and retry after the Retry-After header')),
  }));
  // Prometheus text for an unscoped token of any role; a client's token gets 404 (it crosses tenants).
  app.get('/metrics', metricsHandler(services));

  const csrf: Csrf = createCsrf(services.config.dataDir);
  const routes = new ApiRoutes();
  registerRoutes(routes, { services, ...(options.connect ? { connect: options.connect } : {}) });
  const v1 = express.Router();
  v1.get('/openapi.json', (_req, res) => {
    res.json(routes.openapi({ title: 'Raize API', version: '1.0.0' }));
  });
  v1.use(requireAuth);
  v1.use(jsonBody(options.bodyLimit ?? '256kb'));
  v1.use(csrfForSessions(csrf));
  v1.use(routes.router);
  app.use('/api/v1', v1);
  // The reviewer console; Playwright's trace viewer under it needs a CSP of its own (see traceViewerCsp).
  app.get('/', (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
  app.use(TRACE_VIEWER_PATH, traceViewerHeaders());
  app.use(CONSOLE_PATH, createConsoleRouter({ services, csrf, dm }));
  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler((message, fields) => services.logger.error(fields, message)));
  return app;
}

/**
 * The rate limit's key: who is calling once authenticated (a token, with its console sessions),
 * else the address — anonymous calls and calls with a made-up token share their address's allowance.
 */
function callerKey(req: express.Request, res: express.Response): string {
  const principal = res.locals.principal as { token_id: string } | undefined;
  if (principal) return `t:${principal.token_id}`;
  return `a:${ipKeyGenerator(req.socket.remoteAddress ?? 'unknown')}`;
}

/** JSON bodies only: another content type with a body is a 415, an oversized one a 413. */
function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, type: 'application/json', strict: true });
  return (req, res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) return next(new ApiError(415, 'unsupported_media_type', 'send the body as application/json'));
    parse(req, res, next);
  };
}
