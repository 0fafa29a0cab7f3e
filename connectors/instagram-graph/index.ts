export { GraphClient, type GraphClientOptions, type GraphAnswer, type ContainerStatus, type MediaItem } from './client.js';
export { kindOf, graphErrorOf, regainAfterMs, toKernelError, traceIdOf, type GraphError, type GraphErrorKind } from './errors.js';
