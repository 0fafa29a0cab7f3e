import { AuthExpiredError, CheckpointError, OutcomeUnknownError, PlatformRefusalError, TransientError } from '../../safety/index.js';
import type { HttpResponse } from '../http.js';

/** Meta's error body: `{error: {message, type, code, error_subcode, is_transient, error_user_title, error_user_msg, fbtrace_id}}`. */
export interface GraphError {
  message: string;
  type?: string;
  code: number;
  error_subcode?: number;
  is_transient?: boolean;
  fbtrace_id?: string;
}

export type GraphErrorKind =
  /** Nothing happened and trying again later may work (`is_transient`, 1/2, server errors before a write). */
  | 'transient'
  /** Nothing happened and will not: invalid parameter, permission, unsupported media. */
  | 'definite'
  /** A request limit (app 4, user 17, page 32, custom 613, Instagram 80002): hold until the usage header's regain time. */
  | 'rate_limit'
  /** content_publishing_limit reached (9/2207042): hold publishing until the rolling 24 h window frees a slot. */
  | 'quota'
  /** The token is invalid or expired (190, 102, 10/200-299 permission revoked is definite): reconnect, no retry. */
  | 'auth'
  /** The container is still processing (9007/2207027): poll its status, then publish. */
  | 'not_ready'
  /** The container can no longer be published (24/2207008, -2/2207020): make a new one — it was never published. */
  | 'container_gone'
  /** The container was already published (506 "Duplicate Post"): the post exists; find it, never publish again. */
  | 'already_published'
  /** "We restrict certain activity" (4/2207051): the account is restricted; a human must look. */
  | 'restricted'
  /** A message outside the 24 h window after the user's last message (10/2534022): refused, nothing sent, not retried. */
  | 'messaging_window'
  /** "Object with ID … does not exist" (100/33): on a read by id, the object is not there (or not this token's). */
  | 'not_found';

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80001, 80002]);

/**
 * The one table of Instagram Graph errors (developers.facebook.com/docs/instagram-platform/
 * instagram-graph-api/reference/error-codes and Graph API "Handling Errors"), by code and subcode.
 */
export function kindOf(e: GraphError, httpStatus: number): GraphErrorKind {
  const sub = e.error_subcode;
  if (e.code === 9 && sub === 2207042) return 'quota';
  if (e.code === 4 && sub === 2207051) return 'restricted';
  // Instagram Messaging, "Send API" error codes: (#10) "This message is sent outside of allowed window."
  if (e.code === 10 && sub === 2534022) return 'messaging_window';
  if (e.code === 100 && sub === 33) return 'not_found';
  if (RATE_LIMIT_CODES.has(e.code)) return 'rate_limit';
  if (e.code === 190 || e.code === 102) return 'auth';
  if (e.code === 9007 || sub === 2207027) return 'not_ready';
  if ((e.code === 24 && sub === 2207008) || sub === 2207020) return 'container_gone';
  if (e.code === 506) return 'already_published';
  if (e.is_transient || e.code === 1 || e.code === 2 || e.code === -1 || e.code === -2 || httpStatus >= 500) return 'transient';
  return 'definite';
}

/**
 * Who a request limit holds ("Rate Limits": Platform Rate Limits are app-wide, code 4;
 * user 17, page 32, custom 613 and Instagram Business Use Case 80001/80002 count per account):
 * an app-level limit stops every account the app serves, the others stop one account.
 */
export function rateLimitScope(e: Pick<GraphError, 'code'>): 'app' | 'account' {
  return e.code === 4 ? 'app' : 'account';
}

/** Whether a read by id says the object is not there (100/33): the one answer that can prove absence. */
export const isMissing = (e: GraphError | undefined): boolean => e?.code === 100 && e.error_subcode === 33;

/** The error of a Graph answer, or undefined for a success. */
export function graphErrorOf(res: HttpResponse): GraphError | undefined {
  const e = (res.body as { error?: GraphError } | undefined)?.error;
  if (e && typeof e.code === 'number') return e;
  if (res.status >= 400) return { message: `HTTP ${res.status} without a Graph error body`, code: res.status >= 500 ? 2 : 1, is_transient: res.status >= 500 };
  return undefined;
}

/** The request id Meta gives every answer (`x-fb-trace-id`, else the body's `fbtrace_id`): level 1 evidence. */
export function traceIdOf(res: HttpResponse): string | undefined {
  return res.headers['x-fb-trace-id'] ?? res.headers['x-fb-request-id'] ?? (res.body as { error?: GraphError } | undefined)?.error?.fbtrace_id;
}

/**
 * How long Meta says to wait: the largest `estimated_time_to_regain_access` (minutes) of the
 * `X-Business-Use-Case-Usage` header (Meta sends no Retry-After). Undefined when it says nothing.
 */
export function regainAfterMs(res: HttpResponse): number | undefined {
  const raw = res.headers['x-business-use-case-usage'];
  if (!raw) return undefined;
  try {
    const usage = JSON.parse(raw) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Object.values(usage).flat().map((u) => u.estimated_time_to_regain_access ?? 0);
    const max = Math.max(0, ...minutes);
    return max > 0 ? max * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Graph error as the kernel's error class. `sent` says whether the request was a write that
 * reached the platform: a transient error after a write is an unknown outcome (the publish may
 * have gone through before the error), never a blind retry.
 */
export function toKernelError(res: HttpResponse, e: GraphError, options: { write: boolean }): Error {
  const what = `${res.what}: Graph ${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''}`;
  switch (kindOf(e, res.status)) {
    case 'auth':
      return new AuthExpiredError(`${what} (the token is invalid or expired; reconnect the account)`);
    case 'rate_limit':
      // The limit refused the call: nothing happened. Hold until Meta's regain time (1 h when it says nothing).
      return new TransientError(`${what} (request limit)`, false, regainAfterMs(res) ?? 3_600_000, 429);
    case 'restricted':
      // On a write it may come after the effect (the sandbox's error_after_commit does exactly
      // that): the account stops (read_only) *and* the outcome is verified, never assumed.
      return options.write
        ? new OutcomeUnknownError(`${what} (Instagram restricts this account's activity; the write may have landed)`, 'read_only')
        : new CheckpointError(`${what} (Instagram restricts this account's activity)`);
    case 'already_published':
      return new OutcomeUnknownError(`${what} (the container was already published: the post exists)`);
    case 'transient':
      return options.write ? new OutcomeUnknownError(`${what} (a transient error after the write reached the platform)`) : new TransientError(`${what} (transient)`, false, undefined, res.status);
    case 'messaging_window':
      return new PlatformRefusalError(`${what} (outside the 24 h messaging window: the recipient has not written in the last 24 hours; nothing was sent)`, res.status, String(e.code));
    case 'quota':
    case 'not_ready':
    case 'not_found':
    case 'container_gone':
    case 'definite':
      return new PlatformRefusalError(`${what} (${e.message.slice(0, 160)})`, res.status, String(e.code));
  }
}
