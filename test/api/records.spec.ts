import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { expect, test } from '@playwright/test';
import { createProofStore, type ProofStore } from '../../proofs/index.js';
import { runAction, type ActionContext, type AttemptReceipt, type IdentityProof } from '../../safety/index.js';
import { sha256Hex } from '../../store/index.js';
import { startApiHarness, type ApiHarness } from '../helpers/api.js';
import { FakePlatform } from '../helpers/fake-platform.js';

/** A fake platform whose lane leaves real proof files: an identity screenshot, a DOM snapshot and a trace per action. */
class ProvingPlatform extends FakePlatform {
  constructor(private readonly proofs: ProofStore) {
    super();
  }

  override async verifyIdentity(ctx: ActionContext): Promise<IdentityProof> {
    await super.verifyIdentity(ctx);
    const shot = await this.proofs.put(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(`identity ${ctx.action.action_id}`)]), { kind: 'screenshot', ext: 'png' });
    const dom = await this.proofs.put(Buffer.from(`<main data-id="${ctx.action.action_id}"></main>`), { kind: 'dom', ext: 'dom.txt' });
    return { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }], proofs: [shot, dom] };
  }

  override async attempt(ctx: ActionContext): Promise<AttemptReceipt> {
    const receipt = await super.attempt(ctx);
    const step = await this.proofs.put(Buffer.from(`RIFF-step-${ctx.action.action_id}`), { kind: 'screenshot', ext: 'webp' });
    const trace = await this.proofs.put(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(`trace ${ctx.action.action_id}`)]), { kind: 'trace', ext: 'zip' });
    return { ...receipt, proofs: [step, trace, { kind: 'request', ref: `req-${ctx.action.action_id}` }] };
  }
}

let h: ApiHarness;
let proofs: ProofStore;
/** One completed post per tenant, with its episode and proofs. */
let ran: { a: { action_id: string; episode_id: string }; b: { action_id: string; episode_id: string } };

test.beforeEach(async () => {
  h = await startApiHarness();
  proofs = createProofStore(h.dir);
  const platform = new ProvingPlatform(proofs);
  for (const p of ['instagram', 'x'] as const) h.services.performers.register('api', p, platform);
  const run = async (account: string) => {
    const res = await h.call('POST', '/api/v1/actions', { token: h.admin, body: { platform_account_id: account, lane: 'api', action_type: 'publish', payload: { caption: `Proof ${account}` } } });
    expect((await runAction(h.services.kernel, res.body.action_id)).status).toBe('confirmed_success');
    return { action_id: res.body.action_id as string, episode_id: res.body.episode_id as string };
  };
  ran = { a: await run(h.a.accounts[0]!.platform_account_id), b: await run(h.b.accounts[0]!.platform_account_id) };
});
test.afterEach(async () => { await h.close(); });

/** The proofs of an episode as the API lists them. */
async function proofsOf(episodeId: string, token = h.admin): Promise<{ kind: string; ref: string; sha256: string | null; href: string | null }[]> {
  return (await h.call('GET', `/api/v1/episodes/${episodeId}`, { token })).body.actions.flatMap((a: { proofs: unknown[] }) => a.proofs);
}

/** A GET whose path is sent exactly as written (fetch would normalise dot segments). */
function rawGet(path: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function download(path: string, token = h.admin): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

test.describe('records API: episodes, audit events, proofs and traces', () => {
  test('should show an episode with its actions, audit trail, proofs by kind and sha256, verification level, identity result and trace', async () => {
    const res = await h.call('GET', `/api/v1/episodes/${ran.a.episode_id}`, { token: h.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ episode_id: ran.a.episode_id, client_id: h.a.client_id, kind: 'publish' });
    const [action] = res.body.actions;
    expect(action).toMatchObject({ action_id: ran.a.action_id, state: 'postcheck_complete', verification_level: 2, identity: { ok: true } });
    expect(action.identity.proofs.map((p: { kind: string }) => p.kind)).toEqual(['screenshot', 'dom']);
    expect(action.audit.map((r: { event: { transition: { to: string } } }) => r.event.transition.to)).toEqual(
      ['queued', 'preflight_passed', 'identity_verified', 'attempted', 'confirmed_success', 'postcheck_complete']);
    expect(action.audit[0].seq).toBeLessThan(action.audit.at(-1).seq);
    const kinds = action.proofs.map((p: { kind: string }) => p.kind).sort();
    expect(kinds).toEqual(['dom', 'request', 'screenshot', 'screenshot', 'trace']);
    for (const p of action.proofs) {
      if (p.kind === 'request') expect(p).toMatchObject({ sha256: null, href: null });
      else expect(p.href).toBe(`/api/v1/proofs/${p.sha256}`);
    }
    expect(res.body.trace).toMatchObject({ kind: 'trace', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(res.body)).not.toContain('"owner_id"');
  });

  test('should list episodes newest first with filters and a cursor, and refuse bad queries', async () => {
    const first = await h.call('GET', '/api/v1/episodes?limit=1', { token: h.admin });
    expect(first.body.items.map((e: { episode_id: string }) => e.episode_id)).toEqual([ran.b.episode_id]);
    const second = await h.call('GET', `/api/v1/episodes?limit=1&cursor=${first.body.next_cursor}`, { token: h.admin });
    expect(second.body.items.map((e: { episode_id: string }) => e.episode_id)).toEqual([ran.a.episode_id]);
    expect(second.body.next_cursor).toBeNull();
    expect((await h.call('GET', `/api/v1/episodes?client_id=${h.a.client_id}`, { token: h.admin })).body.items).toHaveLength(1);
    expect((await h.call('GET', `/api/v1/episodes?platform_account_id=${h.b.accounts[0]!.platform_account_id}`, { token: h.admin })).body.items[0].episode_id).toBe(ran.b.episode_id);
    for (const [query, field] of [['limit=abc', 'query.limit'], ['cursor=eyJ4IjoxfQ', 'query.cursor'], ['kind=publish', 'query']] as const) {
      const res = await h.call('GET', `/api/v1/episodes?${query}`, { token: h.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.field ?? '').toContain(field);
    }
  });

  test('should page audit events newest first by sequence with filters, and refuse bad queries', async () => {
    const all: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { seq: number }[]; next_cursor: string | null } } = await h.call('GET', `/api/v1/audit/events?limit=4${cursor ? `&cursor=${cursor}` : ''}`, { token: h.admin });
      expect(page.status).toBe(200);
      all.push(...page.body.items.map((r) => r.seq));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(all).toEqual([...all].sort((x, y) => y - x));
    expect(all).toHaveLength(await h.services.store.audit.count());
    const byAction = await h.call('GET', `/api/v1/audit/events?action_id=${ran.a.action_id}`, { token: h.admin });
    expect(byAction.body.items.map((r: { event: { transition: { to: string } } }) => r.event.transition.to)[0]).toBe('postcheck_complete');
    expect(byAction.body.items.every((r: { event: { action_id: string } }) => r.event.action_id === ran.a.action_id)).toBe(true);
    for (const filter of [`client_id=${h.b.client_id}`, `episode_id=${ran.b.episode_id}`, `platform_account_id=${h.b.accounts[0]!.platform_account_id}`]) {
      const res = await h.call('GET', `/api/v1/audit/events?${filter}`, { token: h.admin });
      expect(res.body.items.length, filter).toBe(6);
      expect(res.body.items.every((r: { event: { client_id: string } }) => r.event.client_id === h.b.client_id)).toBe(true);
    }
    // Hashes and pointers only: no content in the trail.
    expect(JSON.stringify(byAction.body)).not.toContain('Proof ');
    for (const [query, field] of [['cursor=' + Buffer.from(JSON.stringify({ created_at: 'x', id: 'y' })).toString('base64url'), 'query.cursor'], ['limit=1000', 'query.limit'], ['seq=3', 'query']] as const) {
      const res = await h.call('GET', `/api/v1/audit/events?${query}`, { token: h.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.field ?? '').toContain(field);
    }
  });

  test('should serve a proof by its sha256 with its content type, nosniff, and zips as attachments', async () => {
    const listed = await proofsOf(ran.a.episode_id);
    const expectType: Record<string, string> = { png: 'image/png', webp: 'image/webp', 'dom.txt': 'text/plain; charset=utf-8', zip: 'application/zip' };
    for (const p of listed.filter((x) => x.sha256)) {
      const ext = p.ref.slice(p.ref.indexOf('.') + 1);
      const res = await download(p.href!);
      expect(res.status, p.ref).toBe(200);
      expect(res.headers.get('content-type')).toBe(expectType[ext]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(sha256Hex(res.bytes)).toBe(p.sha256);
      expect(res.headers.get('content-disposition')!.startsWith(ext === 'zip' ? 'attachment' : 'inline')).toBe(true);
    }
    const trace = await download(`/api/v1/episodes/${ran.a.episode_id}/trace`);
    expect(trace.status).toBe(200);
    expect(trace.headers.get('content-type')).toBe('application/zip');
    expect(trace.headers.get('content-disposition')).toMatch(/^attachment; filename="[0-9a-f]{64}\.zip"$/);
    expect(trace.bytes.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
  });

  test('should refuse a malformed hash or a path, and never serve a file the audit trail does not name', async () => {
    const viewer = await h.token('client_viewer', h.a.client_id);
    for (const path of ['/api/v1/proofs/..%2f..%2fetc%2fpasswd', '/api/v1/proofs/proofs%2f..%2fx', '/api/v1/proofs/%2e%2e%2f%2e%2e%2fkeys%2fcsrf.key', `/api/v1/proofs/${'A'.repeat(64)}`, `/api/v1/proofs/${'a'.repeat(63)}`, `/api/v1/proofs/${'a'.repeat(64)}.png`]) {
      const res = await rawGet(path, viewer);
      expect(res.status, path).toBe(400);
      expect(res.body).not.toContain('root:');
      expect(JSON.parse(res.body).field).toBe('params.sha256');
    }
    // Dot segments in the path never reach a proof: the route is not matched or the hash is refused.
    for (const path of ['/api/v1/proofs/../../etc/passwd', '/api/v1/proofs/proofs/../x']) {
      const res = await rawGet(path, viewer);
      expect([400, 404], path).toContain(res.status);
      expect(res.body).not.toContain('root:');
    }
    // A well-formed file in the proof store that no audit event points to is not found.
    const planted = await proofs.put(Buffer.from('never recorded'), { kind: 'artifact', ext: 'txt' });
    expect((await h.call('GET', `/api/v1/proofs/${planted.sha256}`, { token: h.admin })).status).toBe(404);
    expect((await h.call('GET', `/api/v1/proofs/${'0'.repeat(64)}`, { token: h.admin })).body.error).toBe('not_found');
  });

  test('should refuse a tampered proof with 409 and a missing one with 410, never sending the bytes', async () => {
    const shot = (await proofsOf(ran.a.episode_id)).find((p) => p.kind === 'screenshot' && p.sha256)!;
    const file = proofs.resolve(shot.ref);
    writeFileSync(file, 'TAMPERED-BYTES');
    const tampered = await h.call('GET', shot.href!, { token: h.admin });
    expect(tampered.status).toBe(409);
    expect(tampered.body.error).toBe('proof_tampered');
    expect(JSON.stringify(tampered.body)).not.toContain('TAMPERED');
    const trace = (await proofsOf(ran.a.episode_id)).find((p) => p.kind === 'trace')!;
    writeFileSync(proofs.resolve(trace.ref), 'PK\u0003\u0004 forged trace');
    const forged = await h.call('GET', `/api/v1/episodes/${ran.a.episode_id}/trace`, { token: h.admin });
    expect(forged.status).toBe(409);
    expect(JSON.stringify(forged.body)).not.toContain('forged');
    rmSync(file);
    expect((await h.call('GET', shot.href!, { token: h.admin })).body.error).toBe('proof_missing');
    expect((await h.call('GET', shot.href!, { token: h.admin })).status).toBe(410);
    // Something else where the file was (a directory) is no proof either.
    mkdirSync(file, { recursive: true });
    expect((await h.call('GET', shot.href!, { token: h.admin })).body).toMatchObject({ error: 'proof_missing' });
  });

  test("should answer a client-scoped token 404 on another client's episodes, audit events, proofs and traces, and leave them out of listings", async () => {
    for (const role of ['client_viewer', 'operator', 'admin'] as const) {
      const mine = await h.token(role, h.a.client_id);
      const other = await h.call('GET', `/api/v1/episodes/${ran.b.episode_id}`, { token: mine });
      const missing = await h.call('GET', '/api/v1/episodes/no-such-episode', { token: mine });
      expect(other.status).toBe(404);
      expect(other.body).toEqual({ ...missing.body, message: `no episode ${ran.b.episode_id}`, request_id: other.body.request_id });
      expect((await h.call('GET', `/api/v1/episodes/${ran.b.episode_id}/trace`, { token: mine })).status).toBe(404);
      expect((await h.call('GET', `/api/v1/episodes/${ran.a.episode_id}/trace`, { token: mine })).status).toBe(200);
      const episodes = await h.call('GET', '/api/v1/episodes', { token: mine });
      expect(episodes.body.items.map((e: { episode_id: string }) => e.episode_id)).toEqual([ran.a.episode_id]);
      expect((await h.call('GET', `/api/v1/episodes?client_id=${h.b.client_id}`, { token: mine })).status).toBe(404);
      const events = await h.call('GET', '/api/v1/audit/events?limit=200', { token: mine });
      expect(events.body.items.length).toBeGreaterThan(0);
      expect(events.body.items.every((r: { event: { client_id: string } }) => r.event.client_id === h.a.client_id)).toBe(true);
      expect((await h.call('GET', `/api/v1/audit/events?client_id=${h.b.client_id}`, { token: mine })).status).toBe(404);
      expect((await h.call('GET', `/api/v1/audit/events?action_id=${ran.b.action_id}`, { token: mine })).body.items).toEqual([]);
      expect((await h.call('GET', `/api/v1/audit/events?episode_id=${ran.b.episode_id}`, { token: mine })).body.items).toEqual([]);
      for (const p of (await proofsOf(ran.b.episode_id)).filter((x) => x.sha256)) {
        const res = await download(p.href!, mine);
        expect(res.status, p.ref).toBe(404);
        expect(res.bytes.toString('utf8')).not.toContain(ran.b.action_id);
      }
      for (const p of (await proofsOf(ran.a.episode_id, mine)).filter((x) => x.sha256)) expect((await download(p.href!, mine)).status).toBe(200);
    }
  });

  test('should answer 404 for an episode without a trace, and 401 without a token', async () => {
    const queued = await h.call('POST', '/api/v1/actions', { token: h.admin, body: { platform_account_id: h.a.accounts[1]!.platform_account_id, lane: 'api', action_type: 'like', payload: { target: 'post-9' }, due_at: '2031-01-01T00:00:00Z' } });
    const res = await h.call('GET', `/api/v1/episodes/${queued.body.episode_id}/trace`, { token: h.admin });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(`episode ${queued.body.episode_id} has no trace`);
    expect((await h.call('GET', `/api/v1/episodes/${queued.body.episode_id}`, { token: h.admin })).body.trace).toBeNull();
    expect((await h.call('GET', `/api/v1/episodes/${ran.a.episode_id}`)).status).toBe(401);
    expect((await h.call('GET', `/api/v1/proofs/${'a'.repeat(64)}`)).status).toBe(401);
  });
});
