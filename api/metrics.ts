import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { RequestHandler } from 'express';
import type { Services } from '../runners/index.js';
import { ACCOUNT_STATES, KILL_SCOPES, LANES, type ProgressBucket } from '../store/index.js';
import { principal } from './auth/index.js';
import { ApiError } from './errors.js';

/** The Prometheus text exposition format this endpoint speaks. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const BUCKETS: readonly ProgressBucket[] = ['scheduled', 'due', 'held', 'running', 'unknown', 'done', 'failed', 'blocked'];

/** One gauge family: every label set is listed, zeros included, so a series never vanishes. */
interface Gauge {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/**
 * The farm as the store sees it at scrape time. Counts only, labelled by lane, bucket, state or
 * scope: never a client, an account, a handle or a reason (metrics cross tenants).
 */
export async function farmGauges(services: Services, now: Date = new Date()): Promise<Gauge[]> {
  const { store } = services;
  const [progress, leases, accounts, switches, escalations] = await Promise.all([
    store.actions.progress(now), store.leases.active(now), store.accounts.list(), store.killSwitches.list(), store.escalations.open(),
  ]);
  const count = <T>(rows: T[], pick: (row: T) => boolean) => rows.reduce((n, row) => n + (pick(row) ? 1 : 0), 0);
  return [
    {
      name: 'raize_actions', help: 'Actions per lane and progress bucket (scheduled, due, held, running, unknown, done, failed, blocked)',
      samples: LANES.flatMap((lane) => BUCKETS.map((bucket) => ({
        labels: { lane, bucket },
        value: progress.filter((p) => p.lane === lane && p.bucket === bucket).reduce((n, p) => n + p.n, 0),
      }))),
    },
    { name: 'raize_runners', help: 'Accounts with a runner now (unexpired runner leases)', samples: [{ labels: {}, value: leases.length }] },
    {
      name: 'raize_accounts', help: 'Platform accounts per state',
      samples: ACCOUNT_STATES.map((state) => ({ labels: { state }, value: count(accounts, (a) => a.state === state) })),
    },
    {
      name: 'raize_kill_switches_engaged', help: 'Engaged kill switches per scope (global, client, account)',
      samples: KILL_SCOPES.map((scope) => ({ labels: { scope }, value: count(switches, (s) => s.engaged && s.scope === scope) })),
    },
    { name: 'raize_escalations_open', help: 'Escalations to a human not yet resolved', samples: [{ labels: {}, value: escalations.length }] },
  ];
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function serializeGauges(gauges: Gauge[]): string {
  return gauges.map((g) => {
    const lines = g.samples.map(({ labels, value }) => {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      return `${g.name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value}`;
    });
    return `# HELP ${g.name} ${g.help}\n# TYPE ${g.name} gauge\n${lines.join('\n')}\n`;
  }).join('');
}

/**
 * The §10 instruments as the OTel→Prometheus exporter names them (`side_effect_attempts_total`,
 * `side_effect_success_total`, `side_effect_unknown_total`, `side_effect_latency_ms_bucket|_sum|_count`),
 * then the farm gauges. Empty when the services were given a foreign MeterProvider.
 */
export async function renderMetrics(services: Services): Promise<string> {
  let instruments = '';
  const reader = services.metrics.prometheus;
  if (reader) {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) services.logger.warn({ errors: errors.map(String) }, 'metrics collection errors');
    // The scope labels stay (otel_scope_name="raize.safety"); target_info carries nothing useful here.
    instruments = new PrometheusSerializer('', false, undefined, true, false).serialize(resourceMetrics).trim();
  }
  return `${instruments ? `${instruments}\n` : ''}${serializeGauges(await farmGauges(services))}`;
}

/**
 * GET /metrics: a bearer token (or session) of any role, for every client. Anonymous → 401; a
 * token scoped to one client → 404, as for any resource it may not see: metrics cross tenants.
 */
export function metricsHandler(services: Services): RequestHandler {
  return async (_req, res, next) => {
    try {
      if (principal(res).client_id !== null) throw new ApiError(404, 'not_found', 'no route GET /metrics');
      const text = await renderMetrics(services);
      res.status(200).set('cache-control', 'no-store').type(PROMETHEUS_CONTENT_TYPE).send(text);
    } catch (error) {
      next(error);
    }
  };
}
