import type { Activity } from './activity.js';
import type { ChurnConfig } from './ui/churn-http.js';
import type { Faults } from './faults.js';
import type { FaultGate } from './gate.js';
import type { Lag } from './lag.js';
import type { Reverter } from './revert.js';
import type { SandboxState } from './state.js';
import type { Webhooks } from './webhooks.js';
import type { World } from './world.js';

/** Tunables of the simulated platforms. */
export interface PlatformOptions {
  /** Graph media containers go IN_PROGRESS → FINISHED after this delay. @default 300 */
  containerDelayMs: number;
  /** Unpublished containers become EXPIRED after this long (Graph: 24 h). @default 86400000 */
  containerTtlMs: number;
  /** Graph REELS (and video carousel items) go IN_PROGRESS → FINISHED after this delay plus a seeded draw of up to half of it. @default 3000 */
  reelDelayMs: number;
  /** Graph content_publishing_limit quota_total per 24 h. @default 100 */
  igPublishQuota: number;
  /** X v2 requests per caller and endpoint per 15-minute window, for every endpoint; absent = X's per-endpoint table (sandbox/x/api-limits.ts). */
  xRateLimit?: number;
  /** X POST /2/tweets 24-hour caps per user and per app; absent = X's (100 per user, 10,000 per app). */
  xPostCaps24h?: { user?: number; app?: number };
}

/** Everything a route needs, wired once by startSandbox. */
export interface SandboxContext {
  state: SandboxState;
  world: World;
  faults: Faults;
  gate: FaultGate;
  webhooks: Webhooks;
  /** Read-after-write lag of the surfaces (also reachable as world.lag). */
  lag: Lag;
  reverter: Reverter;
  /** Requests in flight on the platform origins (for quiescence). */
  activity: Activity;
  options: PlatformOptions;
  /** UI churn and locale of the browser pages, changed at runtime by `POST /__sandbox/churn`. */
  churn: ChurnConfig;
  avatar(accountId: string): Promise<Buffer>;
}
