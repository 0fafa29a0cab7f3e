import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { FaultResponses } from '../gate.js';
import type { FaultRule, FaultScope } from '../faults.js';
import type { GraphUsage } from './graph-usage.js';

/**
 * Meta's error body, as "Handling Errors" documents it
 * (developers.facebook.com/docs/graph-api/guides/error-handling):
 * {error:{message,type,code,error_subcode?,is_transient?,error_user_title?,error_user_msg?,fbtrace_id}}.
 */
export interface GraphErrorSpec {
  status: number;
  code: number;
  message: string;
  subcode?: number;
  type?: string;
  extra?: Record<string, unknown>;
}

/** Thrown by route helpers; the router's error handler answers it. */
export class GraphFailure extends Error {
  constructor(readonly spec: GraphErrorSpec) {
    super(spec.message);
  }
}

/** One trace id per request: the `x-fb-trace-id` header and every error's `fbtrace_id`. */
export function traceId(res: Response): string {
  const locals = res.locals as { fbtrace?: string };
  return (locals.fbtrace ??= `A${randomBytes(16).toString('base64url')}`);
}

export function sendGraphError(res: Response, e: GraphErrorSpec): void {
  res.status(e.status).json({
    error: { message: e.message, type: e.type ?? 'OAuthException', code: e.code, ...(e.subcode !== undefined ? { error_subcode: e.subcode } : {}), ...e.extra, fbtrace_id: traceId(res) },
  });
}

export function graphError(res: Response, status: number, code: number, message: string, subcode?: number, extra: Record<string, unknown> = {}): void {
  sendGraphError(res, { status, code, message, ...(subcode !== undefined ? { subcode } : {}), extra });
}

/** Code 100: invalid parameter, the message naming the field. */
export const invalidParam = (message: string): GraphErrorSpec => ({ status: 400, code: 100, message: `(#100) ${message}` });

export const notFound = (id: string): GraphErrorSpec => ({
  status: 400,
  code: 100,
  subcode: 33,
  type: 'GraphMethodException',
  message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
});

/** A row of Meta's Instagram error table: the table's "User Message" is `error_user_msg`. */
const igError = (code: number, subcode: number, message: string, title: string, userMsg: string, transient = false): GraphErrorSpec => ({
  status: 400,
  code,
  subcode,
  message,
  extra: { is_transient: transient, error_user_title: title, error_user_msg: userMsg },
});

/**
 * Publish and container outcomes, from Meta's Instagram error table
 * (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes), all HTTP 400.
 */
export const IG_ERRORS = {
  /** 9007 / 2207027: "The media is not ready for publishing, please wait for a moment". */
  notReady: () => igError(9007, 2207027, 'Media ID is not available', 'Media not ready', 'The media is not ready for publishing, please wait for a moment'),
  /**
   * 24 / 2207008: "The media builder with creation id = {creation-id} does not exist or has been
   * expired." Answered for unknown and EXPIRED containers (24 h after creation).
   */
  builderGone: (id: string) =>
    igError(24, 2207008, `The media builder with creation id = ${id} does not exist or has been expired.`, 'Media builder expired', `The media builder with creation id = ${id} does not exist or has been expired.`),
  /**
   * Already published. Meta's Instagram table has no row for it; the Graph API's documented code
   * for publishing the same post again is 506 "Duplicate Post" ("Handling Errors", error codes).
   * Not 2207020, which the table defines as "The media you are trying to access has expired".
   */
  alreadyPublished: (id: string): GraphErrorSpec => ({
    status: 400,
    code: 506,
    message: `(#506) Duplicate Post: the media container ${id} has already been published`,
    extra: { is_transient: false, error_user_title: 'Duplicate Post', error_user_msg: 'Duplicate posts cannot be published consecutively.' },
  }),
  /**
   * 10 / 2534022, "This message is sent outside of allowed window.": a message with no inbound one
   * from the recipient in the last 24 hours, and a private reply to a comment older than 7 days
   * (Meta's Messaging error for a closed window; its docs name no separate code for the 7-day one).
   */
  outsideWindow: (): GraphErrorSpec => ({ status: 400, code: 10, subcode: 2534022, message: '(#10) This message is sent outside of allowed window.' }),
  /**
   * 10900, "Activity already replied to": a second private reply to the same comment. Meta's
   * Private Replies docs say only one message can be sent per comment and name no code; 10900 with
   * this message is what Graph answers (the Pages private-replies error integrations handle), with no subcode.
   */
  alreadyRepliedPrivately: (): GraphErrorSpec => ({ status: 400, code: 10900, message: '(#10900) Activity already replied to' }),
  /** 9 / 2207042: content_publishing_limit reached. */
  quotaReached: () =>
    igError(9, 2207042, 'Application request limit reached', 'Publishing limit reached', 'You reached maximum number of posts that is allowed to be published by Content Publishing API.'),
  /** 100 / 2207028: a carousel takes 2 to 10 children. */
  carouselSize: () =>
    igError(100, 2207028, 'Invalid parameter', 'Carousel size', "Your post won't work as a carousel. Carousels need at least 2 photos/videos and no more than 10 photos/videos."),
  /** 100 / 2207023: "The media type {media-type} is unknown." */
  unknownMediaType: (type: string) => igError(100, 2207023, 'Invalid parameter', 'Unknown media type', `The media type ${type} is unknown.`),
  /** Publishing a container whose status is ERROR answers the error that failed it. */
  failed: (subcode: number) => {
    const row = FAILURES[subcode] ?? FAILURES[2207001]!;
    return igError(row.code, subcode, row.message, row.title, row.message, row.code === -1);
  },
};

/** The table's rows behind a container's ERROR status (`status` says "... error code <subcode>"). */
export const FAILURES: Record<number, { code: number; title: string; message: string }> = {
  2207001: { code: -1, title: 'Server error', message: 'Instagram server error. Try again.' },
  2207052: { code: 9004, title: 'Media download failed', message: 'The media could not be fetched from this uri' },
  2207005: { code: 36001, title: 'Unsupported image format', message: 'The image format is not supported.' },
  2207026: { code: 352, title: 'Unsupported video format', message: 'The video format is not supported. Please check spec for supported video format' },
};

/**
 * Throttling, as "Rate Limits" documents it (developers.facebook.com/docs/graph-api/overview/rate-limiting):
 * 4 app-level, 17 user-level, 32 page-level, 613 custom, 80002 Instagram BUC; HTTP 400, no Retry-After.
 */
const RATE_LIMIT_MESSAGES: Record<number, string> = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
  80002:
    '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.',
};

/** How the Graph lane answers injected faults. */
export function graphFaults(usage: GraphUsage): FaultResponses {
  return {
    serverError: (res) => graphError(res, 500, 2, 'An unexpected error has occurred. Please retry your request later.', undefined, { is_transient: true }),
    // The effect went live; 4 / 2207051 is the table's "We restrict certain activity to protect our community".
    afterCommit: (res) =>
      graphError(res, 400, 4, 'We restrict certain activity to protect our community. Tell us if you think we made a mistake.', 2207051, {
        is_transient: false,
        error_user_title: 'Action blocked',
        error_user_msg: 'We restrict certain activity to protect our community. Tell us if you think we made a mistake.',
      }),
    rateLimited: (res, retryAfterS, rule?: FaultRule, scope?: FaultScope) => {
      const code = rule?.graph_code ?? 4;
      // "X-Business-Use-Case-Usage": {"<ig-user-id>":[{type,call_count,total_cputime,total_time,estimated_time_to_regain_access}]},
      // the last in minutes; an app-level limit (4) shows in X-App-Usage {call_count,total_cputime,total_time} too.
      const account = scope?.account ?? '';
      res.set('X-Business-Use-Case-Usage', usage.header(account, Math.ceil(retryAfterS / 60)));
      if (code === 4) res.set('X-App-Usage', JSON.stringify({ ...usage.snapshot(account), call_count: 100 }));
      res.removeHeader('Retry-After');
      graphError(res, 400, code, RATE_LIMIT_MESSAGES[code] ?? RATE_LIMIT_MESSAGES[4]!, undefined, { is_transient: true });
    },
    tokenExpired: (res) => graphError(res, 400, 190, 'Error validating access token: Session has expired.', 463),
  };
}
