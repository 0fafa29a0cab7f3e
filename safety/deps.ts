import type { Store } from '../store/index.js';
import type { Logger } from './log.js';
import type { PerformerResolver } from './performer.js';
import type { Telemetry } from './telemetry.js';

export interface KernelSettings {
  actionDeadlineMs: number;
  retryBaseMs: number;
  retryCapMs: number;
  retryMaxAttempts: number;
  verifyBaseMs: number;
  verifyCapMs: number;
  verifyMaxTries: number;
  /** An unknown outcome this old (ms since its attempt ended) is escalated whatever its tries. */
  escalateAfterMs: number;
  /** Auth failures of one account within `authFailureWindowMs` that make it read-only (§8.4). */
  authFailureLimit: number;
  authFailureWindowMs: number;
  /** Absence proofs when a performer declares no rule of its own (see AbsenceRule). */
  absenceWindowMs: number;
  absenceLooks: number;
  /** Owner liveness (see recovery): heartbeat period and the staleness bounds on this host and on others. */
  heartbeatMs: number;
  ownerStaleMs: number;
  foreignOwnerStaleMs: number;
}

/** Everything the kernel needs, passed in (built once by createServices); no hidden singletons. */
export interface KernelDeps {
  store: Store;
  performers: PerformerResolver;
  logger: Logger;
  telemetry: Telemetry;
  settings: KernelSettings;
  /** Who holds the lease of an action in `attempted`: `host/pid/thread/nonce`. */
  ownerId: string;
  now?: () => Date;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}
