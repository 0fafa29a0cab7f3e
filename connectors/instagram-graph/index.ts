export { GraphClient, type GraphClientOptions, type GraphAnswer, type ContainerStatus, type MediaItem, type CommentItem, type MessageItem } from './client.js';
export { GraphAccount } from './account.js';
export { GraphThrottle, type GraphHold } from './throttle.js';
export { isMissing, kindOf, graphErrorOf, rateLimitScope, regainAfterMs, toKernelError, traceIdOf, type GraphError, type GraphErrorKind } from './errors.js';
