import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { createApiToken, startApi } from '../../api/index.js';
import { resolveConfig } from '../../config/index.js';
import { createServices } from '../../runners/index.js';
import { registerDrift, runDriftBaseline, runDriftReport } from '../../cli/drift.js';
import { UsageError } from '../../cli/context.js';
import { checkDrift, compareToBaseline, listDriftRecords, loadBaseline, readDriftDecisions, recordBaselineFromPage } from '../../proofs/index.js';
import { test, expect, loginInstagram, setLayout } from './fixtures.js';

const PROFILE = { platform: 'instagram', surface: 'profile', layout: 'v1' } as const;

test.describe('raize drift-report and drift-baseline', () => {
  test('should write the report and promote a drift record to the new baseline only with a confirmation', async ({ page, ig, sandbox, dataDir, store }) => {
    await loginInstagram(page, ig);
    await recordBaselineFromPage(page, { dataDir, ...PROFILE, confirmedBy: 'ops' });
    await setLayout(sandbox, 'v2');
    await page.reload();
    const { record } = await checkDrift(page, { dataDir, store, ...PROFILE });

    const report = await runDriftReport(dataDir, join(dataDir, 'out.html'));
    expect(report).toEqual({ path: join(dataDir, 'out.html'), records: 1 });
    expect(await readFile(report.path, 'utf8')).toContain(record!.id);

    const args = { platform: 'instagram', surface: 'profile', layout: 'v2', fromRecord: record!.id };
    await expect(runDriftBaseline(dataDir, args)).rejects.toThrow(UsageError);
    await expect(runDriftBaseline(dataDir, { ...args, confirmBy: '  ' })).rejects.toThrow(/--confirm-by/);
    await expect(runDriftBaseline(dataDir, { ...args, surface: 'post', confirmBy: 'dana' })).rejects.toThrow(/not instagram\/post/);
    await expect(runDriftBaseline(dataDir, { ...args, fromRecord: 'nope', confirmBy: 'dana' })).rejects.toThrow(/no drift record/);
    expect(await loadBaseline(dataDir, { ...PROFILE, layout: 'v2' })).toBeUndefined();
    await expect(runDriftBaseline(dataDir, { ...args, layout: 'unknown', confirmBy: 'dana' })).rejects.toThrow(UsageError);
    expect(await readDriftDecisions(dataDir)).toEqual([]);

    const meta = await runDriftBaseline(dataDir, { ...args, confirmBy: 'dana' });
    expect(meta).toMatchObject({ platform: 'instagram', surface: 'profile', layout: 'v2', confirmed_by: 'dana', from_record: record!.id, structure: record!.structure_seen });
    // The promotion is a decision the API's list and the report show.
    expect((await listDriftRecords(dataDir))[0]).toMatchObject({ id: record!.id, status: 'promoted', decision: { decision: 'promoted', by: 'dana', baseline: { layout: 'v2' } } });
    const cmp = await compareToBaseline(page, { dataDir, ...PROFILE, layout: 'v2' });
    expect(cmp.structure_match).toBe(true);
    expect(cmp.diff_ratio).toBeLessThan(0.001);
  });

  test('should register both commands and refuse drift-baseline without --confirm-by', async () => {
    const program = new Command('raize').exitOverride();
    registerDrift(program);
    expect(program.commands.map((c) => c.name())).toEqual(['drift-report', 'drift-baseline']);
    await expect(program.parseAsync(['drift-baseline', '--platform', 'instagram', '--surface', 'profile', '--layout', 'v2', '--from-record', 'x'], { from: 'user' })).rejects.toThrow(/--confirm-by/);
  });
});

test.describe('api', () => {
  const servicesFor = (dataDir: string, lines: string[] = []) =>
    createServices(resolveConfig({ dataDir, logLevel: 'error' }, {}), { log: { destination: { write: (line: string) => void lines.push(line) } } });

  test('should serve healthz and the drift report on 127.0.0.1 only', async ({ page, ig, sandbox, dataDir, store }) => {
    await loginInstagram(page, ig);
    await recordBaselineFromPage(page, { dataDir, ...PROFILE, confirmedBy: 'ops' });
    await setLayout(sandbox, 'v2');
    await page.reload();
    const { record } = await checkDrift(page, { dataDir, store, ...PROFILE });
    const services = servicesFor(dataDir);
    const { token } = await createApiToken(services.store, { name: 'ops', role: 'operator', client_id: null, created_by: 'test' });
    const api = await startApi({ services, port: 0 });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${api.url}/healthz`);
      expect(await health.json()).toEqual({ ok: true });
      const res = await fetch(`${api.url}/api/v1/drift/report`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await res.text();
      expect(html).toContain(record!.id);
      expect(html.match(/data:image\//g)).toHaveLength(3);
      const missing = await fetch(`${api.url}/api/v1/nothing`, { headers: { authorization: `Bearer ${token}` } });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: 'not_found' });
    } finally {
      await api.close();
      await services.close();
    }
  });

  test('should require a valid bearer token and hide internal errors', async ({ dataDir }) => {
    const services = servicesFor(dataDir);
    const { token } = await createApiToken(services.store, { name: 'ops', role: 'operator', client_id: null, created_by: 'test' });
    const api = await startApi({ services, port: 0 });
    try {
      expect((await fetch(`${api.url}/api/v1/drift/report`)).status).toBe(401);
      expect((await fetch(`${api.url}/api/v1/drift/report`, { headers: { authorization: 'Bearer wrong-token!' } })).status).toBe(401);
      expect((await fetch(`${api.url}/api/v1/drift/report`, { headers: { authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` } })).status).toBe(401);
      const ok = await fetch(`${api.url}/api/v1/drift/report`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('No drift recorded');
    } finally {
      await api.close();
      await services.close();
    }
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(dataDir, 'drift'), { recursive: true });
    await writeFile(join(dataDir, 'drift', 'records.jsonl'), 'not json\n');
    const lines: string[] = [];
    const services2 = servicesFor(dataDir, lines);
    const broken = await startApi({ services: services2, port: 0 });
    try {
      const res = await fetch(`${broken.url}/api/v1/drift/report`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: 'internal_error', message: 'internal error', request_id: expect.any(String) });
      expect(lines.filter((l) => l.includes('api request failed'))).toHaveLength(1);
    } finally {
      await broken.close();
      await services2.close();
    }
  });
});
