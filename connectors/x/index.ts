export { XClient, POST_FIELDS, xPostSchema, xUserSchema, xDmEventSchema, type XClientOptions, type XAnswer, type XPost, type XUser, type XDmEvent, type XList } from './client.js';
export { kindOf as xKindOf, toKernelError as xToKernelError, problemOf as xProblemOf, isNotFound as xIsNotFound, limitsOf as xLimitsOf, waitMsOf as xWaitMsOf, requestIdOf as xRequestIdOf, RESOURCE_NOT_FOUND, type XProblem, type XErrorKind, type XLimit, type XLimits } from './errors.js';
export { XLimitBook, type XEndpoint, type SpentLimit } from './limits.js';
