import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { RaizeConfig } from '../config/index.js';
import { createSqliteStore, createVault, loadSecretKey, type Store, type Vault } from '../store/index.js';
import { createLogger, createTelemetry, newOwnerId, stopOwner, type KernelDeps, type Logger, type LoggerOptions, type Telemetry } from '../safety/index.js';
import { PerformerRegistry } from './performers.js';

export interface Services {
  readonly config: RaizeConfig;
  readonly store: Store;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly performers: PerformerRegistry;
  /** What runAction and friends take: the kernel's whole world. */
  readonly kernel: KernelDeps;
  /** Sealed API tokens per account (the key is loaded, or generated, on first use). */
  readonly vault: Vault;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  store?: Store;
  log?: LoggerOptions;
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  performers?: PerformerRegistry;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The kernel's clock (tests run it virtually: sleeps advance it). */
  now?: () => Date;
  /** The kernel instance's owner id (tests run two "hosts" in one process). */
  ownerId?: string;
}

/** The one place that wires the product: store, logger, telemetry, performers, kernel. */
export function createServices(config: RaizeConfig, overrides: ServiceOverrides = {}): Services {
  const store = overrides.store ?? createSqliteStore({ file: config.dbFile, busyTimeoutMs: config.dbBusyTimeoutMs });
  const logger = createLogger({ level: config.logLevel, ...overrides.log });
  const telemetry = createTelemetry({ tracerProvider: overrides.tracerProvider, meterProvider: overrides.meterProvider });
  const performers = overrides.performers ?? new PerformerRegistry();
  const kernel: KernelDeps = {
    store, logger, telemetry, performers: performers.resolve, ownerId: overrides.ownerId ?? newOwnerId(),
    settings: {
      actionDeadlineMs: config.actionDeadlineMs, retryBaseMs: config.retryBaseMs, retryCapMs: config.retryCapMs,
      retryMaxAttempts: config.retryMaxAttempts, verifyBaseMs: config.verifyBaseMs, verifyCapMs: config.verifyCapMs,
      verifyMaxTries: config.verifyMaxTries, escalateAfterMs: config.escalateAfterMs, authFailureLimit: config.authFailureLimit, authFailureWindowMs: config.authFailureWindowMs,
      absenceWindowMs: config.absenceWindowMs, absenceLooks: config.absenceLooks, heartbeatMs: config.heartbeatMs,
      ownerStaleMs: config.ownerStaleMs, foreignOwnerStaleMs: config.foreignOwnerStaleMs,
    },
    ...(overrides.random ? { random: overrides.random } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
  };
  let vault: Vault | undefined;
  return {
    config, store, logger, telemetry, performers, kernel,
    get vault() {
      return (vault ??= createVault(store.secrets, loadSecretKey(config.dataDir, config.secretKey), kernel.now));
    },
    async close() {
      stopOwner(kernel);
      await store.close();
    },
  };
}
