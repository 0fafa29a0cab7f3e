import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { AggregationType, createAllowListAttributesProcessor, InstrumentType, MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import type { RaizeConfig } from '../config/index.js';
import { createPostgresStore, createSqliteStore, createVault, loadSecretKey, type Store, type Vault } from '../store/index.js';
import { createLogger, createTelemetry, newOwnerId, stopOwner, type KernelDeps, type Logger, type LoggerOptions, type Telemetry } from '../safety/index.js';
import { PerformerRegistry } from './performers.js';

export interface Services {
  readonly config: RaizeConfig;
  readonly store: Store;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Where the §10 instruments are measured; the API's /metrics reads `prometheus`. */
  readonly metrics: ProductMetrics;
  readonly performers: PerformerRegistry;
  /** What runAction and friends take: the kernel's whole world. */
  readonly kernel: KernelDeps;
  /** Sealed API tokens per account (the key is loaded, or generated, on first use). */
  readonly vault: Vault;
  close(): Promise<void>;
}

export interface ProductMetrics {
  readonly meterProvider: MeterProvider;
  /**
   * The pull reader /metrics serialises (no port of its own: the API serves it). Null when a
   * test passed its own `meterProvider`: its readers are the test's.
   */
  readonly prometheus: PrometheusExporter | null;
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

/**
 * The product's store: PostgreSQL when `RAIZE_DATABASE_URL` is set (several farm hosts share one
 * database), else the embedded SQLite file of the data dir.
 */
export function createStore(config: RaizeConfig): Store {
  return config.databaseUrl
    ? createPostgresStore({ url: config.databaseUrl, poolSize: config.databasePoolSize })
    : createSqliteStore({ file: config.dbFile, busyTimeoutMs: config.dbBusyTimeoutMs });
}

/** The one place that wires the product: store, logger, telemetry, performers, kernel. */
export function createServices(config: RaizeConfig, overrides: ServiceOverrides = {}): Services {
  const store = overrides.store ?? createStore(config);
  const logger = createLogger({ level: config.logLevel, ...overrides.log });
  const metrics = overrides.meterProvider ? { meterProvider: overrides.meterProvider, prometheus: null } : productMetrics();
  const telemetry = createTelemetry({ tracerProvider: overrides.tracerProvider, meterProvider: metrics.meterProvider });
  const performers = overrides.performers ?? new PerformerRegistry();
  const kernel: KernelDeps = {
    store, logger, telemetry, performers: performers.resolve, ownerId: overrides.ownerId ?? newOwnerId(config.hostId),
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
    config, store, logger, telemetry, metrics, performers, kernel,
    get vault() {
      return (vault ??= createVault(store.secrets, loadSecretKey(config.dataDir, config.secretKey), kernel.now));
    },
    async close() {
      stopOwner(kernel);
      if (metrics.prometheus) await (metrics.meterProvider as SdkMeterProvider).shutdown();
      await store.close();
    },
  };
}

/** Attributes the §10 instruments may carry: counts by platform and action type, never a client, account or handle. */
const METRIC_ATTRIBUTES = ['platform', 'action_type', 'lane'];
/** An action takes milliseconds on the API lane and minutes on the browser lane (with backoff): the default buckets stop at 10 s. */
const LATENCY_BOUNDARIES_MS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];

/** The product's own MeterProvider (not the global one) with the Prometheus pull reader. */
function productMetrics(): ProductMetrics {
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutTargetInfo: true });
  const allow = createAllowListAttributesProcessor(METRIC_ATTRIBUTES);
  const meterProvider = new SdkMeterProvider({
    readers: [prometheus],
    views: [
      { meterName: 'raize.safety', instrumentType: InstrumentType.COUNTER, attributesProcessors: [allow] },
      {
        meterName: 'raize.safety', instrumentType: InstrumentType.HISTOGRAM, attributesProcessors: [allow],
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: LATENCY_BOUNDARIES_MS } },
      },
    ],
  });
  return { meterProvider, prometheus };
}
