import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runAction, verifyAuditChain, buildAuditEvent } from '../../safety/index.js';
import { createHash } from 'node:crypto';
import { AuditEvent, RecordInvalidError, canonicalJson } from '../../store/index.js';
import { cliEnv, createHarness, type Harness } from '../helpers/kernel.js';
import { openRaw } from '../helpers/raw-db.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));

function raize(h: Harness, ...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    env: cliEnv(h),
    encoding: 'utf8',
    timeout: 30_000,
  });
}

async function withActivity(fn: (h: Harness) => Promise<void>) {
  const h = await createHarness({ performer: new FakePlatform() });
  try {
    for (let i = 0; i < 3; i += 1) await runAction(h.services.kernel, (await h.submit()).action_id);
    await fn(h);
  } finally {
    await h.close();
  }
}

test.describe('audit log (spec 000 §9, Invariant D)', () => {
  test('should chain every event by sequence and hash, and verify intact', async () => {
    await withActivity(async (h) => {
      const verdict = await verifyAuditChain(h.services.store);
      expect(verdict).toMatchObject({ ok: true, count: 3 * 6 });
      const rows = await h.services.store.audit.scan(0, 100);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
      for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
      for (const row of rows) expect(AuditEvent.safeParse(JSON.parse(row.event_json)).success).toBe(true);
      // Independently recomputed: sha256 over seq, prev_hash and the stored canonical event bytes.
      for (const row of rows) {
        expect(createHash('sha256').update(`${row.seq}\n${row.prev_hash}\n${row.event_json}`).digest('hex')).toBe(row.hash);
        expect(row.event_json).toBe(canonicalJson(JSON.parse(row.event_json)));
      }
    });
  });

  test('should refuse UPDATE and DELETE at the database', async () => {
    await withActivity(async (h) => {
      const raw = await openRaw(h);
      try {
        await expect(raw.run("UPDATE audit_events SET event_json = '{}' WHERE seq = 2")).rejects.toThrow(/append-only: UPDATE refused/);
        await expect(raw.run('DELETE FROM audit_events WHERE seq = 2')).rejects.toThrow(/append-only: DELETE refused/);
        await expect(raw.run('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
      } finally {
        await raw.close();
      }
      expect((await verifyAuditChain(h.services.store)).ok).toBe(true);
    });
  });

  test('should detect an edited row and name it, through the library and `raize audit verify`', async () => {
    await withActivity(async (h) => {
      const ok = raize(h, 'audit', 'verify');
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('audit chain intact: 18 events');

      // A tamperer with a raw connection: drops the guard, then rewrites one event's outcome.
      const raw = await openRaw(h);
      const victim = (await raw.get<{ audit_event_id: string; event_json: string }>('SELECT audit_event_id, event_json FROM audit_events WHERE seq = 7'))!;
      const edited = JSON.parse(victim.event_json);
      edited.result.status = 'confirmed_failed';
      await raw.dropGuards();
      await raw.run('UPDATE audit_events SET event_json = ? WHERE seq = 7', JSON.stringify(edited));
      await raw.close();

      const verdict = await verifyAuditChain(h.services.store);
      expect(verdict).toEqual({ ok: false, count: 6, broken: { seq: 7, audit_event_id: victim.audit_event_id, problem: 'hash does not match the event content' } });
      const cli = raize(h, 'audit', 'verify');
      expect(cli.status).toBe(1);
      expect(cli.stderr).toContain(`BROKEN at seq 7 (audit_event_id ${victim.audit_event_id})`);
    });
  });

  test('should detect a deleted row and a re-hashed row', async () => {
    await withActivity(async (h) => {
      const raw = await openRaw(h);
      await raw.dropGuards();
      // Re-hash one event consistently: its own hash matches, its successor's prev_hash does not.
      const { auditLinkHash, canonicalJson } = await import('../../store/index.js');
      const row = (await raw.get<{ event_json: string; prev_hash: string }>('SELECT event_json, prev_hash FROM audit_events WHERE seq = 4'))!;
      const event = JSON.parse(row.event_json);
      event.reason = 'rewritten';
      await raw.run('UPDATE audit_events SET event_json = ?, hash = ? WHERE seq = 4', canonicalJson(event), auditLinkHash(4, row.prev_hash, canonicalJson(event)));
      let verdict = await verifyAuditChain(h.services.store);
      expect(verdict).toMatchObject({ ok: false, broken: { seq: 5, problem: 'prev_hash does not match the previous event' } });
      await raw.run('DELETE FROM audit_events WHERE seq >= 4 AND seq <= 5');
      verdict = await verifyAuditChain(h.services.store);
      expect(verdict).toMatchObject({ ok: false, broken: { seq: 6, problem: 'sequence gap: expected 4' } });
      await raw.close();
    });
  });

  test('should export the chain as JSON lines with `raize audit export --jsonl`', async () => {
    await withActivity(async (h) => {
      const out = raize(h, 'audit', 'export', '--jsonl');
      expect(out.status, out.stderr).toBe(0);
      const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(18);
      expect(lines[0]).toMatchObject({ seq: 1, prev_hash: '0'.repeat(64), event: { transition: { from: null, to: 'queued' } } });
      expect(lines[17].event.transition.to).toBe('postcheck_complete');
      expect(lines.every((l) => AuditEvent.safeParse(l.event).success)).toBe(true);
    });
  });

  test('should refuse an event that does not match the §9 schema, naming the field', async () => {
    await withActivity(async (h) => {
      const action = (await h.services.store.actions.list())[0]!;
      const event = buildAuditEvent(action, { from: 'queued', to: 'queued' });
      await expect(h.services.store.audit.append({ ...event, request: { ...event.request, safe_payload_hash: 'not-a-hash' } })).rejects.toThrow(RecordInvalidError);
      await expect(h.services.store.audit.append({ ...event, lane: 'carrier-pigeon' as never })).rejects.toThrow(/lane/);
      await expect(h.services.store.audit.append({ ...event, raw_text: 'hello' } as never)).rejects.toThrow(/invalid AuditEvent/);
      expect((await verifyAuditChain(h.services.store)).ok).toBe(true);
    });
  });
});
