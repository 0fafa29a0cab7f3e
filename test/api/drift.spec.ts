import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import {
  appendDriftRecord, baselinePaths, createProofStore, driftDecisionsDir, listBaselines, loadBaseline, readDriftDecisions, recognizeLayout, recordBaseline,
  type DriftRecord,
} from '../../proofs/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const V1 = sha('profile structure v1');

let h: ApiHarness;
test.beforeEach(async () => {
  h = await startApiHarness();
  // The confirmed v1 profile: what every drift record below was compared with.
  await recordBaseline(h.dir, { platform: 'instagram', surface: 'profile', layout: 'v1', png: await solid(40, 40, 40), width: 64, height: 48, structure: V1, confirmedBy: 'ops' });
});
test.afterEach(async () => { await h.close(); });

function solid(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

/** A drift record as the drift guard writes it: images in the proof store, one line in records.jsonl. */
async function driftRecord(options: { surface?: string; structure?: string; at?: string; color?: number } = {}): Promise<DriftRecord> {
  const store = createProofStore(h.dir);
  const current = await store.put(await solid(options.color ?? 200, 30, 30), { kind: 'screenshot', ext: 'png' });
  const baseline = await store.put(await solid(40, 40, 40), { kind: 'screenshot', ext: 'png' });
  const diff = await store.put(await solid(255, 0, 0), { kind: 'screenshot', ext: 'png' });
  return appendDriftRecord(h.dir, {
    platform: 'instagram', surface: options.surface ?? 'profile', layout_expected: 'v1', layout_seen: 'unknown',
    diff_ratio: 0.42, structure_match: false, structure_expected: V1, structure_seen: options.structure ?? sha('profile structure v2'),
    block_ratio: 0.01, blocked: true, mask_boxes: [{ x: 1, y: 2, width: 3, height: 4 }], width: 64, height: 48,
    screenshots: { baseline, current, diff }, ...(options.at ? { at: options.at } : {}),
  });
}

async function baselineFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out[path] = sha((await readFile(path)).toString('base64'));
    }
  };
  await walk(join(h.dir, 'baselines'));
  return out;
}

test.describe('drift records API (list, promote, reject)', () => {
  test('should list drift records newest first with what was seen and their status, for unscoped tokens only', async () => {
    expect((await h.call('GET', '/api/v1/drift/records', { token: h.admin })).body).toEqual({ items: [] });
    const older = await driftRecord({ at: '2030-01-01T10:00:00.000Z' });
    const newer = await driftRecord({ surface: 'post', at: '2030-01-01T11:00:00.000Z', color: 120 });
    const reviewer = await h.token('reviewer');
    const res = await h.call('GET', '/api/v1/drift/records', { token: reviewer });
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { record_id: string }) => r.record_id)).toEqual([newer.id, older.id]);
    expect(res.body.items[1]).toEqual({
      record_id: older.id, at: older.at, platform: 'instagram', surface: 'profile', layout_expected: 'v1', layout_seen: 'unknown',
      structure_match: false, diff_ratio: 0.42, block_ratio: 0.01, blocked: true, status: 'open', decision: null,
      screenshots: { baseline: older.screenshots.baseline!.sha256, current: older.screenshots.current.sha256, diff: older.screenshots.diff!.sha256 },
    });
    // Hashes, never paths of the data dir.
    expect(JSON.stringify(res.body)).not.toContain('proofs/');
    expect(JSON.stringify(res.body)).not.toContain(h.dir);

    expect((await h.call('GET', '/api/v1/drift/records?status=open', { token: reviewer })).body.items).toHaveLength(2);
    expect((await h.call('GET', '/api/v1/drift/records?status=rejected', { token: reviewer })).body.items).toEqual([]);
    const bad = await h.call('GET', '/api/v1/drift/records?status=maybe', { token: reviewer });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', field: 'query.status' });

    expect((await h.call('GET', '/api/v1/drift/records')).status).toBe(401);
    for (const role of ['client_viewer', 'admin'] as const) {
      const scoped = await h.call('GET', '/api/v1/drift/records', { token: await h.token(role, h.a.client_id) });
      expect(scoped.status).toBe(404);
      expect(JSON.stringify(scoped.body)).not.toContain(older.id);
    }
  });

  test('should refuse a promotion by role, scope, unknown record and bad or mismatching input, with nothing changed', async () => {
    const record = await driftRecord();
    const before = await baselineFiles();
    const path = `/api/v1/drift/records/${record.id}/promote`;
    const body = { platform: 'instagram', surface: 'profile', layout: 'v2' };

    expect((await h.call('POST', path, { body })).status).toBe(401);
    for (const token of [await h.token('reviewer'), await h.token('client_viewer', h.a.client_id)]) {
      const refused = await h.call('POST', path, { token, body });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'forbidden' });
    }
    expect((await h.call('POST', path, { token: await h.token('operator', h.a.client_id), body })).status).toBe(404);

    const operator = await h.token('operator');
    const unknown = await h.call('POST', '/api/v1/drift/records/00000000-0000-4000-8000-000000000000/promote', { token: operator, body });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found', message: 'no drift record 00000000-0000-4000-8000-000000000000' });
    expect((await h.call('POST', '/api/v1/drift/records/not-a-record/promote', { token: operator, body })).status).toBe(404);

    const cases: [unknown, string][] = [
      [{ ...body, platform: 'x' }, 'body.platform'],
      [{ ...body, surface: 'post' }, 'body.surface'],
      [{ ...body, layout: '../../etc' }, 'body.layout'],
      [{ ...body, layout: 'unknown' }, 'body.layout'],
      [{ platform: 'instagram', surface: 'profile' }, 'body.layout'],
      [{ ...body, confirmed_by: 'someone else' }, 'body'],
    ];
    for (const [bad, field] of cases) {
      const res = await h.call('POST', path, { token: operator, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', field });
    }
    expect((await h.call('POST', path, { token: operator, body: 'layout=v2', headers: { 'content-type': 'text/plain' } })).status).toBe(415);

    expect(await baselineFiles()).toEqual(before);
    expect(await readDriftDecisions(h.dir)).toEqual([]);
    expect((await h.call('GET', '/api/v1/drift/records', { token: operator })).body.items[0].status).toBe('open');
  });

  test("should promote the record's current screenshot to the new baseline as the CLI does, confirmed by the token's name", async () => {
    const record = await driftRecord();
    const operator = await h.token('operator', null, 'dana@agency');
    const res = await h.call('POST', `/api/v1/drift/records/${record.id}/promote`, { token: operator, body: { platform: 'instagram', surface: 'profile', layout: 'v2' } });
    expect(res.status).toBe(200);
    const variant = record.structure_seen.slice(0, 12);
    expect(res.body.baseline).toMatchObject({ platform: 'instagram', surface: 'profile', layout: 'v2', variant, confirmed_by: 'dana@agency' });
    expect(res.body.record).toMatchObject({ record_id: record.id, status: 'promoted', decision: { decision: 'promoted', by: 'dana@agency', layout: 'v2' } });

    const baseline = await loadBaseline(h.dir, { platform: 'instagram', surface: 'profile', layout: 'v2', variant });
    expect(baseline!.meta).toMatchObject({
      structure: record.structure_seen, width: 64, height: 48, mask_boxes: record.mask_boxes, confirmed_by: 'dana@agency',
      from_record: record.id, source: 'human', png_sha256: res.body.baseline.png_sha256,
    });
    const current = await createProofStore(h.dir).read(record.screenshots.current);
    expect(Buffer.compare(await sharp(baseline!.png).raw().toBuffer(), await sharp(current).raw().toBuffer())).toBe(0);
    // The new structure is now a confirmed layout; v1 is untouched.
    expect(await recognizeLayout(h.dir, 'instagram', 'profile', record.structure_seen)).toBe('v2');
    expect((await listBaselines(h.dir, { platform: 'instagram', surface: 'profile', layout: 'v1' }))).toHaveLength(1);

    const listed = (await h.call('GET', '/api/v1/drift/records?status=promoted', { token: operator })).body.items;
    expect(listed.map((r: { record_id: string }) => r.record_id)).toEqual([record.id]);
    const report = await h.call('GET', '/api/v1/drift/report', { token: operator });
    expect(report.body).toContain('promoted to the baseline of layout v2 by dana@agency');
    // A rejection cannot undo a promotion: another record has to be promoted.
    const late = await h.call('POST', `/api/v1/drift/records/${record.id}/reject`, { token: operator, body: { reason: 'changed my mind' } });
    expect(late.status).toBe(409);
  });

  test('should reject a record with a reason, append the decision and leave every baseline as it was', async () => {
    const record = await driftRecord();
    const before = await baselineFiles();
    const path = `/api/v1/drift/records/${record.id}/reject`;
    const reason = 'a half-loaded page with a <b>cookie banner</b>, not a new layout';

    expect((await h.call('POST', path, { body: { reason } })).status).toBe(401);
    expect((await h.call('POST', path, { token: await h.token('reviewer'), body: { reason } })).status).toBe(403);
    expect((await h.call('POST', path, { token: await h.token('client_viewer', h.b.client_id), body: { reason } })).status).toBe(403);
    expect((await h.call('POST', path, { token: await h.token('admin', h.b.client_id), body: { reason } })).status).toBe(404);
    const operator = await h.token('operator', null, 'lee@agency');
    for (const bad of [{}, { reason: '   ' }, { reason: 'x'.repeat(1001) }, { reason, extra: 1 }]) {
      const res = await h.call('POST', path, { token: operator, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.field).toMatch(/^body/);
    }
    expect((await h.call('POST', '/api/v1/drift/records/00000000-0000-4000-8000-000000000000/reject', { token: operator, body: { reason } })).status).toBe(404);
    expect(await readDriftDecisions(h.dir)).toEqual([]);

    const res = await h.call('POST', path, { token: operator, body: { reason: `  ${reason} ` } });
    expect(res.status).toBe(200);
    expect(res.body.record).toMatchObject({ record_id: record.id, status: 'rejected', decision: { decision: 'rejected', by: 'lee@agency', reason } });
    expect(await baselineFiles()).toEqual(before);
    expect(await loadBaseline(h.dir, { platform: 'instagram', surface: 'profile', layout: 'v1' })).toMatchObject({ meta: { structure: V1, confirmed_by: 'ops' } });

    const listed = (await h.call('GET', '/api/v1/drift/records', { token: operator })).body.items;
    expect(listed[0]).toMatchObject({ record_id: record.id, status: 'rejected', decision: { by: 'lee@agency', reason } });
    const report = (await h.call('GET', '/api/v1/drift/report', { token: operator })).body as string;
    expect(report).toContain('rejected by lee@agency');
    expect(report).toContain('&lt;b&gt;cookie banner&lt;/b&gt;');
    expect(report).not.toContain('<b>cookie banner</b>');

    // Decided once: a second rejection is a conflict, and the log only grows (one file per decision, never rewritten).
    expect((await h.call('POST', path, { token: operator, body: { reason: 'again' } })).status).toBe(409);
    const [firstName, ...others] = await readdir(driftDecisionsDir(h.dir));
    expect(others).toHaveLength(0);
    const first = await readFile(join(driftDecisionsDir(h.dir), firstName!), 'utf8');
    // A human may still accept the layout later; the rejection stays in the history.
    const promoted = await h.call('POST', `/api/v1/drift/records/${record.id}/promote`, { token: operator, body: { platform: 'instagram', surface: 'profile', layout: 'v2' } });
    expect(promoted.status).toBe(200);
    expect(await readdir(driftDecisionsDir(h.dir))).toHaveLength(2);
    expect(await readFile(join(driftDecisionsDir(h.dir), firstName!), 'utf8')).toBe(first);
    expect((await readDriftDecisions(h.dir)).map((d) => d.decision)).toEqual(['rejected', 'promoted']);
    expect(await readFile(baselinePaths(h.dir, { platform: 'instagram', surface: 'profile', layout: 'v1' }).json, 'utf8')).toContain('"confirmed_by": "ops"');
  });

  test('should document the drift routes in the OpenAPI document with their permissions', async () => {
    const doc = (await h.call('GET', '/api/v1/openapi.json')).body;
    expect(doc.paths['/api/v1/drift/records'].get['x-raize-permission']).toBe('read');
    expect(doc.paths['/api/v1/drift/records/{record_id}/promote'].post['x-raize-permission']).toBe('drift');
    expect(doc.paths['/api/v1/drift/records/{record_id}/promote'].post.requestBody.content['application/json'].schema.required).toEqual(['platform', 'surface', 'layout']);
    expect(doc.paths['/api/v1/drift/records/{record_id}/reject'].post.requestBody.content['application/json'].schema.required).toEqual(['reason']);
  });
});
