import express, { type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { timingSafeEqual } from 'node:crypto';
import { verifyMetaSignature, type DmService } from '../../dm/index.js';
import { ApiError } from '../errors.js';

export const META_WEBHOOK_PATH = '/webhooks/meta';

export interface MetaWebhookOptions {
  dm: DmService;
  appSecret?: string;
  verifyToken?: string;
  /** POSTs per minute per address before 429 (Meta batches; a flood is not Meta). @default 6000 */
  perMinute?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * `/webhooks/meta` (spec 003 §1, DESIGN.md "DM assistant"). GET: Meta's subscription handshake,
 * echoing `hub.challenge` when `hub.verify_token` matches. POST: the raw bytes are checked
 * against `X-Hub-Signature-256` before anything parses them (bad or missing → 401, nothing
 * stored), written to the durable inbox, answered 200 at once, and processed in the background.
 */
export function metaWebhookRouter(options: MetaWebhookOptions): Router {
  const router = express.Router();
  const log = options.log ?? (() => undefined);
  router.use(rateLimit({
    windowMs: 60_000,
    limit: options.perMinute ?? 6000,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ApiError(429, 'rate_limited', 'too many webhook requests')),
  }));
  const configured = (need: 'appSecret' | 'verifyToken') => {
    if (!options[need]) throw new ApiError(503, 'webhooks_not_configured', `Meta webhooks are not configured: set ${need === 'appSecret' ? 'RAIZE_META_APP_SECRET' : 'RAIZE_META_VERIFY_TOKEN'}`);
    return options[need];
  };

  router.get('/', (req, res, next) => {
    try {
      const token = configured('verifyToken');
      const mode = req.query['hub.mode'];
      const given = req.query['hub.verify_token'];
      const challenge = req.query['hub.challenge'];
      if (mode !== 'subscribe' || typeof given !== 'string' || !sameText(given, token)) throw new ApiError(403, 'forbidden', 'hub.verify_token does not match (or hub.mode is not subscribe)');
      if (typeof challenge !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(challenge)) throw new ApiError(400, 'invalid_request', 'hub.challenge: expected the challenge Meta sent');
      res.type('text/plain').send(challenge);
    } catch (error) {
      next(error);
    }
  });

  // The raw bytes, whatever the content type says: the signature is over them, not over a parse.
  router.post('/', express.raw({ type: () => true, limit: '1mb' }), async (req, res, next) => {
    try {
      const secret = configured('appSecret');
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const header = req.get('x-hub-signature-256');
      if (!verifyMetaSignature(raw, header, secret)) {
        log('meta webhook refused', { reason: header ? 'signature mismatch' : 'no X-Hub-Signature-256', bytes: raw.length });
        throw new ApiError(401, 'unauthorized', 'X-Hub-Signature-256 is missing or does not match the body');
      }
      const deliveryId = await options.dm.receive(raw);
      res.status(200).json({ ok: true });
      log('meta webhook received', { delivery_id: deliveryId, bytes: raw.length });
      options.dm.kick();
    } catch (error) {
      next(error);
    }
  });
  return router;
}
