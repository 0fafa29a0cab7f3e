import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Fields every log line written inside `logContext.run(fields, fn)` carries, whoever writes it:
 * the API runs each request in one, so the kernel's lines for it name the request id too.
 */
export const logContext = new AsyncLocalStorage<Record<string, string>>();

/** Keys whose values never reach a log line, at any depth (OWASP logging cheat sheet). */
const SECRET_KEY = /pass(word)?|secret|token|cookie|authorization|session|api[-_]?key|credential|private|^text$|^caption$|^message$|^body$|payload$/i;
const REDACTED = '[redacted]';

function scrub(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : scrub(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a collecting stream. */
  destination?: NodeJS.WritableStream | { write(line: string): void };
}

/**
 * pino with deep, key-based redaction of every object logged (secrets, session data and raw
 * content such as DM text or captions), and errors reduced to their class and code: a foreign
 * error message may quote a token.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      // The fields of the work under way (an API request's id): on every line written for it.
      mixin: () => logContext.getStore() ?? {},
      formatters: { log: (obj) => scrub(obj, 0) as Record<string, unknown> },
      serializers: { err: (e: unknown) => scrub(e, 0) },
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
