import { test, expect } from '@playwright/test';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { runAction, exportAuditJsonl, createLogger } from '../../safety/index.js';
import { createHarness } from '../helpers/kernel.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const CANARY = {
  token: 'EAAG-canary-token-7c1e9f0b2d',
  cookie: 'sessionid=canary-cookie-51a4e8',
  password: 'canary-Passw0rd!-93b2',
  dm: 'canary DM: my phone is 555-0199 and I feel awful',
  caption: 'canary caption 2f6d',
};

test.describe('logs, audit and telemetry (spec 000 §9–§10)', () => {
  test('should keep planted secrets and raw DM text out of every log line and the audit', async () => {
    const platform = new FakePlatform({ attempts: ['applied_then_error'] });
    const originalAttempt = platform.attempt.bind(platform);
    platform.attempt = async (ctx) => {
      ctx.log('logging in', { cookie: CANARY.cookie, token: CANARY.token, auth: { password: CANARY.password, headers: { authorization: `Bearer ${CANARY.token}` } } });
      ctx.log('sending', { text: CANARY.dm, payload: ctx.action.payload });
      return originalAttempt(ctx);
    };
    const originalVerify = platform.verify.bind(platform);
    let verifies = 0;
    platform.verify = async (ctx) => {
      verifies += 1;
      // A foreign error whose message quotes the token, as HTTP clients often do.
      if (verifies === 1) throw new Error(`GET /me?access_token=${CANARY.token} failed: 401`);
      return originalVerify(ctx);
    };
    const spans = new InMemorySpanExporter();
    const h = await createHarness({
      performer: platform,
      overrides: { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }) },
    });
    try {
      const dm = await h.submit({ action_type: 'dm_send', payload: { recipient: '1789', text: CANARY.dm } });
      const outcome = await runAction(h.services.kernel, dm.action_id);
      expect(outcome.status).toBe('confirmed_success');
      const post = await h.submit({ payload: { caption: CANARY.caption } });
      await runAction(h.services.kernel, post.action_id);
      h.services.logger.info({ user: { password: CANARY.password, api_key: CANARY.token }, session: CANARY.cookie }, 'direct use of the logger');

      let audit = '';
      for await (const line of exportAuditJsonl(h.services.store)) audit += line;
      const logs = h.logLines.join('');
      const telemetry = JSON.stringify(spans.getFinishedSpans().map((s) => ({ a: s.attributes, e: s.events, st: s.status })));
      expect(logs.length).toBeGreaterThan(1000);
      expect(logs).toContain('[redacted]');
      expect(audit).toContain(dm.payload_hash);
      for (const [name, secret] of Object.entries(CANARY)) {
        for (const [where, text] of [['logs', logs], ['audit', audit], ['telemetry', telemetry]] as const) {
          expect(text.includes(secret), `${name} leaked into ${where}`).toBe(false);
        }
      }
      // The parts that must not leak are also absent piecemeal.
      expect(logs).not.toContain('555-0199');
      expect(logs).not.toContain('canary-token');
    } finally {
      await h.close();
    }
  });

  test('should redact secrets at any depth when the logger is used directly', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void lines.push(l) } });
    logger.child({ action_id: 'a1' }).warn({ deep: { deeper: { Cookie: CANARY.cookie, list: [{ refresh_token: CANARY.token }] } }, err: new Error(CANARY.password) }, 'nested');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ action_id: 'a1', msg: 'nested', deep: { deeper: { Cookie: '[redacted]', list: [{ refresh_token: '[redacted]' }] } }, err: { type: 'Error' } });
    expect(lines[0]).not.toContain(CANARY.password);
  });

  test('should emit the side_effect.action span with correlation attributes, and the counters and latency histogram', async () => {
    const spans = new InMemorySpanExporter();
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const platform = new FakePlatform({ attempts: ['not_sent', 'ok', 'applied_then_error'], inconclusiveVerifies: 0 });
    const h = await createHarness({
      performer: platform,
      config: { verifyMaxTries: 1 },
      overrides: { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }), meterProvider },
    });
    try {
      const ok = await h.submit();
      await runAction(h.services.kernel, ok.action_id);
      // Second action: the ambiguous error is followed by verifications that never see it.
      platform.verify = async () => ({ outcome: 'inconclusive', level: 1 });
      const unknown = await h.submit();
      expect((await runAction(h.services.kernel, unknown.action_id)).status).toBe('unknown');

      const finished = spans.getFinishedSpans();
      // The verification loop of the unknown outcome has its own span, inside the action's.
      expect(finished.map((s) => s.name)).toEqual(['side_effect.action', 'side_effect.verify', 'side_effect.action']);
      expect(finished[1]!.parentSpanContext?.spanId ?? (finished[1] as unknown as { parentSpanId?: string }).parentSpanId).toBe(finished[2]!.spanContext().spanId);
      // Every log line of the action carries its trace and span ids (§10 correlation).
      const lines = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.action_id === unknown.action_id);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => l.trace_id === finished[2]!.spanContext().traceId)).toBe(true);
      finished.splice(1, 1);
      expect(finished[0]!.attributes).toMatchObject({
        episode_id: ok.episode_id, action_id: ok.action_id, client_id: ok.client_id,
        platform_account_id: ok.platform_account_id, 'raize.outcome': 'confirmed_success',
      });
      expect(finished[1]!.attributes).toMatchObject({ action_id: unknown.action_id, 'raize.outcome': 'unknown' });

      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const sum = (name: string) => all.find((m) => m.descriptor.name === name)!.dataPoints.reduce((t, p) => t + (p.value as number), 0);
      expect(sum('side_effect.attempts')).toBe(3);
      expect(sum('side_effect.success')).toBe(1);
      expect(sum('side_effect.unknown')).toBe(1);
      const latency = all.find((m) => m.descriptor.name === 'side_effect.latency_ms')!;
      expect(latency.descriptor.unit).toBe('ms');
      expect(latency.dataPoints.reduce((t, p) => t + (p.value as { count: number }).count, 0)).toBe(2);
      await meterProvider.shutdown();
    } finally {
      await h.close();
    }
  });
});
