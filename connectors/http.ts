import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Agent, fetch, type Dispatcher } from 'undici';
import { OutcomeUnknownError, TransientError } from '../safety/index.js';

/** A credential that does not print (store's `Secret`): read only here, for the Authorization header. */
export interface TokenSecret {
  reveal(): string;
}

export interface HttpClientOptions {
  /** The platform's API origin (the real host or the sandbox's), e.g. `https://graph.instagram.com`. */
  baseUrl: string;
  /** Extra CA certificates (PEM) to trust besides the system's: the sandbox's local CA. Never "verification off". */
  ca?: string;
  /** Per-request deadline (connect to last body byte). @default 30000 */
  timeoutMs?: number;
  userAgent?: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query relative to the base URL (no token in it). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** `application/x-www-form-urlencoded` body (Graph API) … */
  form?: Record<string, string | number | boolean | undefined>;
  /** … or a JSON body (X API v2). */
  json?: unknown;
  /** Sent as `Authorization: Bearer …`; never logged, never in an error. */
  token?: TokenSecret;
  headers?: Record<string, string>;
  /** Whether the request can change the platform: a failure after it may have left is an unknown outcome, not a retry. */
  mutating: boolean;
  /** The episode's deadline. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  /** Milliseconds from send to the last body byte. */
  ms: number;
  /** `METHOD /path` without query: what logs and audits may show. */
  what: string;
}

/** Transport failures that happen before a request can have left this host. */
const NEVER_SENT = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_INVALID_ARG',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function causeCode(error: unknown): string | undefined {
  let e = error as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i += 1) {
    if (typeof e.code === 'string' && e.code !== 'ABORT_ERR') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * One platform's HTTP transport for the API lane: base URL, an extra trusted CA, a deadline
 * per request and the episode's signal, the token as a Bearer header. Transport failures are
 * told apart by whether the request can have left: never sent → TransientError(sent: false),
 * retried safely; anything later on a mutating request (a reset connection, a timeout waiting
 * for the answer) → OutcomeUnknownError, settled by read-only verification, never retried blind.
 * Statuses are returned, not thrown: each connector classifies its platform's answers.
 */
export class HttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly base: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.baseUrl);
    if (!['http:', 'https:'].includes(this.base.protocol)) throw new Error(`baseUrl: expected http(s), got ${this.base.protocol}`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // Node's `ca` replaces the default roots: the extra CA is added to them, never instead.
    const ca = options.ca ? [...rootCertificates, options.ca] : undefined;
    this.dispatcher = new Agent({ connect: { ...(ca ? { ca } : {}), timeout: Math.min(this.timeoutMs, 10_000) }, keepAliveTimeout: 4_000 });
  }

  get origin(): string {
    return this.base.origin;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base.href : `${this.base.href}/`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const what = `${req.method} ${url.pathname}`;
    const headers: Record<string, string> = { accept: 'application/json', ...(this.options.userAgent ? { 'user-agent': this.options.userAgent } : {}), ...req.headers };
    if (req.token) headers.authorization = `Bearer ${req.token.reveal()}`;
    let body: string | undefined;
    if (req.form) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(req.form)) if (v !== undefined) form.set(k, String(v));
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = performance.now();
    let res;
    let text: string;
    try {
      res = await fetch(url, { method: req.method, headers, body, signal, dispatcher: this.dispatcher, redirect: 'manual' });
      text = await res.text();
    } catch (error) {
      const code = causeCode(error);
      const why = code ?? (timeout.aborted ? 'timeout' : req.signal?.aborted ? 'deadline' : 'transport error');
      if (code && NEVER_SENT.has(code)) {
        const tls = /CERT|SSL|TLS|SIGNATURE|ISSUER/.test(code);
        throw new TransientError(`${what}: ${tls ? `TLS: ${code} (is the platform's CA trusted? see RAIZE_EXTRA_CA)` : code}; the request never left`, false);
      }
      if (!req.mutating) throw new TransientError(`${what}: ${why} (a read; nothing changed)`, false);
      throw new OutcomeUnknownError(`${what}: ${why} after the request may have reached the platform`);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    return { status: res.status, headers: out, body: parsed, ms: performance.now() - started, what };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The PEM of an extra CA to trust (`RAIZE_EXTRA_CA`), checked to be one: a wrong path fails at start-up, naming it. */
export async function loadExtraCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`RAIZE_EXTRA_CA: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`RAIZE_EXTRA_CA: ${path} holds no PEM certificate`);
  return pem;
}
