import type { Response } from 'express';
import type { FieldIssue } from '../validation.js';

/**
 * X API v2 error bodies. Two shapes exist (docs.x.com/x-api/fundamentals/response-codes-and-errors,
 * components/schemas/Problem in the v2 OpenAPI): a top-level problem `{title, detail, type, status}`
 * for request-wide refusals (401, 403, 429, 5xx), and InvalidRequestProblem
 * `{errors:[{parameters:{name:[value]}, message}], title:"Invalid Request", detail, type}` for 400s.
 */
export function problem(res: Response, status: number, title: string, detail: string, type = 'about:blank'): void {
  res.status(status).json({ title, detail, type, status });
}

/** One invalid parameter: the name goes into `parameters`, the value into its array. */
export interface ParamError {
  parameter: string;
  value?: string;
  message: string;
}

export function invalidRequest(res: Response, errors: ParamError[]): void {
  res.status(400).json({
    errors: errors.map((e) => ({ parameters: { [e.parameter]: e.value === undefined ? [] : [e.value] }, message: e.message })),
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });
}

/** zod issues of a JSON body as X's invalid-request errors, each naming its field. */
export function invalidBody(res: Response, issues: FieldIssue[]): void {
  invalidRequest(res, issues.map((i) => ({ parameter: i.field, message: i.missing ? `The \`${i.field}\` field is required.` : `${i.field}: ${i.message}` })));
}

/** A lookup of something that does not exist answers 200 with `errors` (ResourceNotFoundProblem), not 404. */
export function notFoundError(kind: 'tweet' | 'user', id: string, parameter = 'id') {
  return {
    value: id,
    detail: `Could not find ${kind} with ${parameter}: [${id}].`,
    title: 'Not Found Error',
    resource_type: kind,
    parameter,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

export function notFound(res: Response, kind: 'tweet' | 'user', id: string): void {
  res.json({ errors: [notFoundError(kind, id)] });
}

export const forbidden = (res: Response, detail: string) => problem(res, 403, 'Forbidden', detail);

/** 403 for POST /2/tweets repeating one of the author's recent texts (observed body, e.g. sferik/x-ruby#24, akrherz/iembot#163). */
export const duplicateContent = (res: Response) => forbidden(res, 'You are not allowed to create a Tweet with duplicate content.');

/**
 * App-only Bearer on a user-context endpoint (UnsupportedAuthenticationProblem; detail as X sends it,
 * two spaces included).
 */
export const unsupportedAuthentication = (res: Response) =>
  problem(
    res,
    403,
    'Unsupported Authentication',
    'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
    'https://api.twitter.com/2/problems/unsupported-authentication',
  );

export const unauthorized = (res: Response) => problem(res, 401, 'Unauthorized', 'Unauthorized');

/** 429 body of every X rate limit, 15-minute or 24-hour (X sends no Retry-After: clients read x-rate-limit-reset). */
export const tooManyRequests = (res: Response) => problem(res, 429, 'Too Many Requests', 'Too Many Requests');
