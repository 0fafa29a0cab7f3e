import { isSpanContextValid, metrics, trace, type Counter, type Histogram, type MeterProvider, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';

export interface Telemetry {
  tracer: Tracer;
  attempts: Counter;
  success: Counter;
  unknown: Counter;
  latency: Histogram;
}

export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

/** Spec 000 §10 instruments. Without an SDK registered these are the API's no-ops. */
export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('raize.safety', '0.1.0');
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter('raize.safety', '0.1.0');
  return {
    tracer,
    attempts: meter.createCounter('side_effect.attempts', { description: 'Calls of a performer attempt (side-effect tries)' }),
    success: meter.createCounter('side_effect.success', { description: 'Actions confirmed successful' }),
    unknown: meter.createCounter('side_effect.unknown', { description: 'Actions whose outcome became unknown' }),
    latency: meter.createHistogram('side_effect.latency_ms', { description: 'Kernel time of one action, queued to outcome', unit: 'ms' }),
  };
}

/** The trace and span ids of a span, for log lines (§10 correlation); empty when no SDK records spans. */
export function traceFields(span: Span): { trace_id?: string; span_id?: string } {
  const c = span.spanContext();
  return isSpanContextValid(c) ? { trace_id: c.traceId, span_id: c.spanId } : {};
}
