export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/**
 * Full jitter (AWS Builders' Library): sleep = random(0, min(cap, base · 2^n)), n from 0.
 * `random` returns [0, 1) and is injectable so tests can pin the bounds.
 */
export function backoffDelay(n: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, n));
  return Math.floor(random() * ceiling);
}

/**
 * The delay before retry number n: full jitter, but never earlier than the platform's
 * Retry-After. Retry-After may exceed the cap: the platform's word wins over our ceiling.
 */
export function retryDelay(n: number, options: BackoffOptions, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const jitter = backoffDelay(n, options, random);
  return retryAfterMs !== undefined && retryAfterMs > jitter ? retryAfterMs : jitter;
}

/** Parses an HTTP Retry-After header (delta-seconds or HTTP-date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Resolves after ms, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
