export { createServices, createStore, type Services, type ServiceOverrides } from './services.js';
export { PerformerRegistry } from './performers.js';
export { BrowserProvider, launchBrowserProvider, resolveChromium, redactEndpoint, CHROMIUM_ARGS, NoBrowserCapacityError, type BrowserProviderOptions, type EndpointHealth } from './browser/provider.js';
export { serveBrowser, type BrowserServerOptions, type ServedBrowser } from './browser/server.js';
export { SessionStore, type SessionState } from './browser/sessions.js';
export { connectBrowserAccount, type ConnectAccountInput } from './browser/connect.js';
export { createBrowserPerformer, fileTraceRecorder, proofStoreTraceRecorder, type AnchorCheck, type BrowserPerformer, type BrowserPerformerOptions, type TraceRecorder } from './browser-performer.js';
export { DriftGuard, SurfaceDriftError, ANCHOR_SURFACE, type DriftGuardOptions } from './browser/drift-guard.js';
export { createInstagramApiPerformer, type InstagramApiOptions } from './api/index.js';
export { createXApiPerformer, type XApiOptions } from './api/index.js';
export { createHybridPerformer, DEFAULT_HYBRID_ROUTE, type HybridOptions } from './hybrid.js';
export { registerApiLanes, type ApiLanes, type ApiLanesOptions } from './api-lanes.js';
export {
  runAccount, accountGap, DEFAULT_PACING, DEFAULT_CAPS, defaultBudgets, humanGap, pacingFor, ConcurrencyGovernor, defaultFarmConcurrency, dispatchOnce, RunnerPool,
  startFarm, serveFarm, strayRejectionHandler, checkAnchorDrift, browserCommentReader, type BrowserCommentReaderOptions, pacingWait, progressLine, startProgress, type ProgressReporter, PacingTableSchema, DEFAULT_JOB_INTERVALS, type Farm, type FarmJob, type FarmJobMessage, type FarmOptions, type FarmProcessOptions,
  type AccountRunnerOptions, type RunnerEvent, type RunnerExit, type RunnerReport, type PacingProfile, type PacingTable, type DispatchResult, type DispatchSkip, type RunnerPoolOptions,
} from './farm/index.js';
