import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import {
  runAction, verifyAuditChain, verifyAnchoredAudit, describeAnchoredVerdict, makeCheckpoint, loadOrCreateAuditKey,
  auditKeyPaths, checkpointFile, signCheckpoint, type AnchoredVerifyOptions,
} from '../../safety/index.js';
import { auditLinkHash, canonicalJson, GENESIS_HASH } from '../../store/index.js';
import { cliEnv, createHarness, tempDir, type Harness } from '../helpers/kernel.js';
import { openRaw, type RawDb } from '../helpers/raw-db.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));

function raize(h: Harness, ...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    env: cliEnv(h),
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** Runs `n` actions to the end: 6 events each (queued … postcheck_complete), in order. */
async function withActivity(n: number, fn: (h: Harness) => Promise<void>) {
  const h = await createHarness({ performer: new FakePlatform() });
  try {
    for (let i = 0; i < n; i += 1) await runAction(h.services.kernel, (await h.submit()).action_id);
    await fn(h);
  } finally {
    await h.close();
  }
}

/** What `raize audit verify` would print: the verdict plus its summary and problem lines. */
async function verify(h: Harness, options: Partial<AnchoredVerifyOptions> = {}) {
  const verdict = await verifyAnchoredAudit(h.services.store, { dataDir: h.dir, ...options });
  return { verdict, ...describeAnchoredVerdict(verdict), text: describeAnchoredVerdict(verdict).problems.join('\n') };
}

const checkpoint = (h: Harness) => makeCheckpoint(h.services.store, { dataDir: h.dir });

interface Row { seq: number; audit_event_id: string; action_id: string; event_json: string; prev_hash: string; hash: string }

/** A tamperer with a raw connection to the database (the SQLite file or PostgreSQL): drops the append-only guards first. */
async function tamper(h: Harness, fn: (raw: RawDb) => Promise<unknown>): Promise<void> {
  const raw = await openRaw(h);
  try {
    await raw.dropGuards();
    await fn(raw);
  } finally {
    await raw.close();
  }
}

const rowAt = async (raw: RawDb, seq: number) => (await raw.get<Row>('SELECT * FROM audit_events WHERE seq = ?', seq))!;

/** Recomputes prev_hash and hash of every event from `fromSeq` on: the chain is valid again. */
async function rechain(raw: RawDb, fromSeq: number): Promise<void> {
  let prev = fromSeq > 1 ? (await rowAt(raw, fromSeq - 1)).hash : GENESIS_HASH;
  for (const row of await raw.all<Row>('SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq', fromSeq)) {
    const hash = auditLinkHash(row.seq, prev, row.event_json);
    await raw.run('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?', prev, hash, row.seq);
    prev = hash;
  }
}

/** Deletes one event, closes the gap (renumbers the rest) and re-chains: only the cross-check can tell. */
async function deleteAndRechain(raw: RawDb, seq: number): Promise<void> {
  await raw.run('DELETE FROM audit_events WHERE seq = ?', seq);
  const later = await raw.all<{ seq: number }>('SELECT seq FROM audit_events WHERE seq > ? ORDER BY seq', seq);
  for (const r of later) await raw.run('UPDATE audit_events SET seq = ? WHERE seq = ?', r.seq - 1, r.seq);
  await rechain(raw, seq);
}

/** Appends a forged event after the head with a correctly recomputed link hash. */
async function forgeAppend(raw: RawDb, edit: (event: Record<string, any>) => void): Promise<number> {
  const head = (await raw.get<Row>('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1'))!;
  const event = JSON.parse(head.event_json);
  event.audit_event_id = randomUUID();
  edit(event);
  const json = canonicalJson(event);
  const seq = head.seq + 1;
  await raw.run('INSERT INTO audit_events (seq, audit_event_id, action_id, event_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)',
    seq, event.audit_event_id, event.action_id, json, head.hash, auditLinkHash(seq, head.hash, json));
  return seq;
}

test.describe('defect 5: the audit chain was not anchored — signed checkpoints and the actions cross-check', () => {
  test('should verify an untouched chain, saying how many events are anchored and how many not yet', async () => {
    await withActivity(3, async (h) => {
      const cp = await checkpoint(h);
      expect(cp).toMatchObject({ v: 1, seq: 18, key_id: loadOrCreateAuditKey(h.dir).keyId });
      await runAction(h.services.kernel, (await h.submit()).action_id);
      const { verdict, summary, problems } = await verify(h);
      expect(problems).toEqual([]);
      expect(verdict).toMatchObject({ ok: true, head: { seq: 24 }, anchoredSeq: 18, checkpoints: { file: 1, store: 1 }, actions: { checked: 4, events: 24 } });
      expect(summary).toContain('anchored: events 1–18 covered by a signed checkpoint; 6 after seq 18 not yet anchored');
      expect(summary).toContain('actions: 4 cross-checked against their 24 events');
      // The store copy is append-only like the events.
      const raw = await openRaw(h);
      try {
        await expect(raw.run('DELETE FROM audit_checkpoints')).rejects.toThrow(/append-only: DELETE refused/);
        await expect(raw.run('UPDATE audit_checkpoints SET seq = 1')).rejects.toThrow(/append-only: UPDATE refused/);
      } finally {
        await raw.close();
      }
    });
  });

  test('should detect truncation: the last events deleted after a checkpoint', async () => {
    await withActivity(3, async (h) => {
      await checkpoint(h);
      await tamper(h, (raw) => raw.run('DELETE FROM audit_events WHERE seq > 15'));
      expect((await verifyAuditChain(h.services.store)).ok).toBe(true); // the chain alone cannot tell
      const { verdict, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(text).toContain('truncated: checkpoint at seq 18 but the chain ends at 15');
    });
  });

  test('should detect a forged append with a recomputed hash: backdated, or for an action that does not exist', async () => {
    await withActivity(3, async (h) => {
      const cp = await checkpoint(h);
      await tamper(h, async (raw) => {
        await forgeAppend(raw, (e) => (e.timestamp = new Date(Date.parse(cp.time) - 60_000).toISOString()));
        await forgeAppend(raw, (e) => {
          e.action_id = randomUUID();
          e.transition = { from: null, to: 'queued' };
          e.timestamp = new Date().toISOString();
        });
      });
      expect((await verifyAuditChain(h.services.store)).ok).toBe(true);
      const { verdict, summary, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(text).toContain(`event at seq 19 (timestamp ${new Date(Date.parse(cp.time) - 60_000).toISOString()}) comes after the checkpoint at seq 18 but is older than it`);
      expect(text).toMatch(/event seq 19 goes confirmed_success → postcheck_complete but its events before it end at postcheck_complete/);
      expect(text).toContain('1 event(s) belong to no row of the actions table');
      expect(summary).toContain('anchored: events 1–18 covered by a signed checkpoint; 2 after seq 18 not yet anchored');
    });
  });

  test('should detect a re-chain from an edited event onward', async () => {
    await withActivity(3, async (h) => {
      await checkpoint(h);
      await tamper(h, async (raw) => {
        const row = await rowAt(raw, 7);
        const event = JSON.parse(row.event_json);
        event.reason = 'rewritten';
        await raw.run('UPDATE audit_events SET event_json = ? WHERE seq = 7', canonicalJson(event));
        await rechain(raw, 7);
      });
      expect((await verifyAuditChain(h.services.store)).ok).toBe(true);
      const { verdict, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(verdict.anchoredSeq).toBe(0);
      expect(text).toMatch(/^hash at seq 18 differs from the signed checkpoint \(store checkpoint #1, .*\): the chain was edited or re-chained$/m);
    });
  });

  test('should detect an event edit and name the event', async () => {
    await withActivity(3, async (h) => {
      await checkpoint(h);
      let id = '';
      await tamper(h, async (raw) => {
        const row = await rowAt(raw, 7);
        id = row.audit_event_id;
        const event = JSON.parse(row.event_json);
        event.result.status = 'confirmed_failed';
        await raw.run('UPDATE audit_events SET event_json = ? WHERE seq = 7', canonicalJson(event));
      });
      const { verdict, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(text).toContain(`audit chain BROKEN at seq 7 (audit_event_id ${id}): hash does not match the event content; 6 events before it verified`);
    });
  });

  test('should detect a missing transition event even when the chain was re-chained around it', async () => {
    await withActivity(3, async (h) => {
      const [first, second] = [(await h.services.store.audit.scan(0, 1))[0]!, (await h.services.store.audit.scan(6, 1))[0]!];
      const a1 = (JSON.parse(first.event_json) as { action_id: string }).action_id;
      const a2 = (JSON.parse(second.event_json) as { action_id: string }).action_id;
      await tamper(h, async (raw) => {
        expect(JSON.parse((await rowAt(raw, 6)).event_json).transition).toEqual({ from: 'confirmed_success', to: 'postcheck_complete' });
        expect(JSON.parse((await rowAt(raw, 10)).event_json).transition).toEqual({ from: 'identity_verified', to: 'attempted' });
        await deleteAndRechain(raw, 10); // action 2's `attempted`
        await deleteAndRechain(raw, 6); // action 1's last event
      });
      expect(await verifyAuditChain(h.services.store)).toMatchObject({ ok: true, count: 16 });
      const { verdict, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(text).toContain(`action ${a1}: state is postcheck_complete but its events end at confirmed_success`);
      expect(text).toContain(`action ${a2}: event seq 9 goes attempted → confirmed_success but its events before it end at identity_verified`);
    });
  });

  test('should detect a forged or edited checkpoint, and a malformed checkpoint line naming line and field', async () => {
    await withActivity(2, async (h) => {
      await checkpoint(h);
      // An edited store row: seq moved back, signature kept.
      await tamper(h, (raw) => raw.run('UPDATE audit_checkpoints SET seq = 6 WHERE checkpoint_no = 1'));
      // A line forged with the attacker's own key, and a line cut short.
      const other = tempDir();
      try {
        const forger = loadOrCreateAuditKey(other.path);
        const forged = signCheckpoint(forger, { seq: 12, hash: (await h.services.store.audit.head())!.hash }, new Date());
        const file = checkpointFile(h.dir);
        writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify(forged)}\n${JSON.stringify({ ...forged, sig: 'abc' })}\n`);
      } finally {
        other.remove();
      }
      const { verdict, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(text).toContain('checkpoint at seq 6 (store checkpoint #1): signature does not verify (forged or edited checkpoint)');
      expect(text).toMatch(/checkpoint at seq 12 \(audit-checkpoints\.jsonl line 2\) was signed by key [0-9a-f]{16}…, not the audit key [0-9a-f]{16}…/);
      expect(text).toContain('audit-checkpoints.jsonl line 3: sig: expected a 64-byte ed25519 signature in lowercase hex');
    });
  });

  test('should detect the checkpoint file and the store disagreeing, either way', async () => {
    await withActivity(2, async (h) => {
      await checkpoint(h);
      await runAction(h.services.kernel, (await h.submit()).action_id);
      await checkpoint(h);
      expect((await verify(h)).verdict.ok).toBe(true);
      await tamper(h, (raw) => raw.run('DELETE FROM audit_checkpoints WHERE checkpoint_no = 1'));
      const file = checkpointFile(h.dir);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      writeFileSync(file, `${lines[0]}\n`);
      const { verdict, text } = await verify(h);
      expect(verdict.ok).toBe(false);
      expect(text).toMatch(/^checkpoint at seq 12 \(audit-checkpoints\.jsonl line 1\) is missing from the store$/m);
      expect(text).toMatch(/^checkpoint at seq 18 \(store checkpoint #2\) is missing from the checkpoint file$/m);
    });
  });

  test('should detect, with the operator\'s --anchor copy, a re-chain by someone holding the database and the data dir', async () => {
    test.setTimeout(240_000);
    await withActivity(3, async (h) => {
      const anchorFile = join(h.dir, '..', `anchor-${randomUUID()}.jsonl`);
      const kept = await checkpoint(h);
      writeFileSync(anchorFile, `${JSON.stringify(kept)}\n`); // what the operator copied off the machine
      try {
        // The attacker edits an event, re-chains, wipes both checkpoint copies and re-signs with the data dir's key.
        await tamper(h, async (raw) => {
          const row = await rowAt(raw, 7);
          const event = JSON.parse(row.event_json);
          event.result.status = 'confirmed_failed';
          await raw.run('UPDATE audit_events SET event_json = ? WHERE seq = 7', canonicalJson(event));
          await rechain(raw, 7);
          await raw.run('DELETE FROM audit_checkpoints');
        });
        rmSync(checkpointFile(h.dir));
        await checkpoint(h);
        expect((await verify(h)).verdict.ok).toBe(true); // consistent: only an off-machine copy can tell

        const { verdict, summary, text } = await verify(h, { anchor: anchorFile });
        expect(verdict.ok).toBe(false);
        expect(verdict.anchor).toEqual({ seq: 18, ok: false });
        expect(summary).toContain('anchor copy: checkpoint at seq 18 does NOT hold');
        expect(text).toMatch(/^hash at seq 18 differs from the signed checkpoint \(the anchor copy, .*\)/m);
        expect(text).toContain('the anchor copy (checkpoint at seq 18');
        // The same by its JSON line, and by the public key kept off the machine after a key swap.
        expect((await verify(h, { anchor: JSON.stringify(kept) })).text).toContain('hash at seq 18 differs from the signed checkpoint');
        const publicKey = readFileSync(auditKeyPaths(h.dir).publicFile, 'utf8');
        rmSync(auditKeyPaths(h.dir).dir, { recursive: true });
        rmSync(checkpointFile(h.dir));
        await tamper(h, (raw) => raw.run('DELETE FROM audit_checkpoints'));
        await checkpoint(h);
        const swapped = await verify(h, { publicKey });
        expect(swapped.text).toMatch(/checkpoint at seq 18 \(audit-checkpoints\.jsonl line 1\) was signed by key [0-9a-f]{16}…, not the audit key [0-9a-f]{16}… \(a replaced key\?\)/);

        // End to end, after the key swap: the anchor is held against the chain all the same.
        const cli = raize(h, 'audit', 'verify', '--anchor', anchorFile);
        expect(cli.status, cli.stdout).toBe(1);
        expect(cli.stdout).toContain('anchor copy: checkpoint at seq 18 does NOT hold');
        expect(cli.stderr).toContain('audit verify FAILED');
        expect(cli.stderr).toContain('hash at seq 18 differs from the signed checkpoint (the anchor copy');
        expect(cli.stderr).toMatch(/checkpoint at seq 18 \(the anchor copy\) was signed by key [0-9a-f]{16}…, not the audit key/);
      } finally {
        rmSync(anchorFile, { force: true });
      }
    });
  });

  test('should checkpoint and verify end to end through `raize audit`, never printing or logging the private key', async () => {
    test.setTimeout(240_000);
    await withActivity(2, async (h) => {
      const made = raize(h, 'audit', 'checkpoint');
      expect(made.status, made.stderr).toBe(0);
      const line = JSON.parse(made.stdout.trim());
      const key = loadOrCreateAuditKey(h.dir);
      expect(line).toMatchObject({ v: 1, seq: 12, key_id: key.keyId });
      expect(made.stderr).toContain(`fingerprint (sha256) ${key.keyId}`);
      const ok = raize(h, 'audit', 'verify');
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('audit chain intact: 12 events, head seq 12');
      expect(ok.stdout).toContain('checkpoints: 1 in the checkpoint file, 1 in the store');
      expect(ok.stdout).toContain('anchored: events 1–12 covered by a signed checkpoint; 0 after seq 12 not yet anchored');
      expect(ok.stdout).toContain('actions: 2 cross-checked against their 12 events');
      expect(ok.stdout).toContain('audit verify: OK');

      const paths = auditKeyPaths(h.dir);
      expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
      expect(statSync(paths.privateFile).mode & 0o777).toBe(0o600);
      expect(statSync(checkpointFile(h.dir)).mode & 0o777).toBe(0o600);
      const secretHex = readFileSync(paths.privateFile, 'utf8').trim();
      const secretB64 = Buffer.from(secretHex, 'hex').toString('base64');
      await checkpoint(h); // through the library too, with the harness's logger collecting
      const raw = await openRaw(h);
      const database = await raw.dump().finally(() => raw.close());
      expect(database).toContain(line.sig); // the dump is the store's: the checkpoint is in it
      const seen = [
        made.stdout, made.stderr, ok.stdout, ok.stderr, h.logLines.join('\n'),
        readFileSync(checkpointFile(h.dir), 'utf8'), readFileSync(paths.publicFile, 'utf8'),
        JSON.stringify(key), inspect(key, { showHidden: true, depth: 5 }),
        database,
      ].join('\n');
      for (const canary of [secretHex, secretHex.toUpperCase(), secretB64]) expect(seen).not.toContain(canary);
    });
  });
});
