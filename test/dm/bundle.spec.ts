import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bundleKeyPaths, decide, loadOrCreateBundleKey, readBundlePublicKey, sha256Hex, signatureFile, sumsOf, verifyBundle, writeBundles, type DmMessage,
} from '../../dm/index.js';
import { tempDir } from '../helpers/kernel.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));
const CANARY = 'CANARY-dm-text-5521';
const T = Date.parse('2025-12-25T20:13:00.000Z');
const SETTINGS = { price_link: 'https://learn.example.com/prices', book_link: 'https://book.example.com/c', support_email: 'help@example.com' };

function message(text: string, extra: Partial<DmMessage> = {}): DmMessage {
  return { sender_id: '17841400000000077', recipient_id: '17841400000000001', mid: 'm_canary_mid_0001', timestamp_ms: T, text, conversation_id: 'aWdfZDoxOklHTWVzc2FnZVRocmVhZA', ...extra };
}

function allText(dir: string): string {
  return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
}

test.describe('IF.TTT bundles (spec 003 §6)', () => {
  test('should write a public and a private bundle that both verify, with the files of §6', () => {
    const data = tempDir();
    try {
      const key = loadOrCreateBundleKey(data.path);
      const m = message(`hola! cuanto cuesta el programa? ${CANARY}`);
      const decision = decide(m, SETTINGS);
      const dirs = writeBundles(data.path, m, decision, key, T);
      expect(readdirSync(dirs.public).sort()).toEqual(['draft.json', 'event.json', 'manifest.json', 'panel.json', 'sha256sums.txt', 'signature_ed25519.txt', 'triage.json']);
      for (const dir of [dirs.public, dirs.private]) {
        const verdict = verifyBundle(dir, { trustedKey: key.publicKey });
        expect(verdict.problems).toEqual([]);
        expect(verdict).toMatchObject({ ok: true, trace_id: decision.triage.trace_id, key_id: key.keyId });
      }
      const event = JSON.parse(readFileSync(join(dirs.public, 'event.json'), 'utf8'));
      expect(event.message_text_sha256).toBe(sha256Hex(m.text));
      expect(event.sender_id).toBe(`sha256:${sha256Hex(m.sender_id)}`);
      expect(event.redacted_preview).toBe('h•••! c••••• c••••• e• p•••••••? C•••••-••-••••-####');
      for (const secret of [CANARY, 'dm-text', 'cuanto', m.sender_id, m.mid]) expect(allText(dirs.public)).not.toContain(secret);
      const manifest = JSON.parse(readFileSync(join(dirs.public, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ kind: 'public', created_utc: '2025-12-25T20:13:00Z', created_cet: '2025-12-25T21:13:00+01:00' });
      expect(manifest.private_sums_sha256).toBe(sha256Hex(readFileSync(join(dirs.private, 'sha256sums.txt'))));
      const draft = JSON.parse(readFileSync(join(dirs.public, 'draft.json'), 'utf8'));
      expect(draft.draft_text_sha256).toBe(sha256Hex(decision.draft.text));
      expect(JSON.parse(readFileSync(join(dirs.public, 'panel.json'), 'utf8')).final_draft_text_sha256).toBe(sha256Hex(decision.final_text));
    } finally {
      data.remove();
    }
  });

  test('should keep raw text and ids out of the public bundle, and the private one 0600 in a 0700 directory', () => {
    const data = tempDir();
    try {
      const key = loadOrCreateBundleKey(data.path);
      const m = message(`i want to kill myself ${CANARY}`);
      const decision = decide(m, SETTINGS);
      expect(decision.escalation?.tier).toBe('urgent');
      const dirs = writeBundles(data.path, m, decision, key, T);
      const published = allText(dirs.public);
      for (const secret of [CANARY, 'kill myself', m.sender_id, m.mid, m.conversation_id!]) expect(published).not.toContain(secret);
      expect(JSON.parse(readFileSync(join(dirs.public, 'event.json'), 'utf8')).redacted_preview).toBe('[withheld: escalated]');
      expect(readdirSync(dirs.public)).toContain('escalation.json');
      expect(allText(dirs.private)).toContain(CANARY);
      expect(statSync(dirs.private).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(dirs.private)) expect(statSync(join(dirs.private, f)).mode & 0o777).toBe(0o600);
      expect(statSync(bundleKeyPaths(data.path).privateFile).mode & 0o777).toBe(0o600);
    } finally {
      data.remove();
    }
  });

  test('should fail verify naming what fails: an edited file, an added file, a re-hashed edit, another key', () => {
    const data = tempDir();
    try {
      const key = loadOrCreateBundleKey(data.path);
      const m = message('can you send me the link to the course');
      const fresh = () => writeBundles(data.path, { ...m, mid: `m_${Math.random()}` }, decide({ ...m }, SETTINGS), key, T).public;

      const edited = fresh();
      const triage = readFileSync(join(edited, 'triage.json'), 'utf8');
      writeFileSync(join(edited, 'triage.json'), triage.replace('"normal"', '"urgent"'));
      expect(verifyBundle(edited).problems).toContain('triage.json: sha256 does not match sha256sums.txt (the file was changed)');

      const added = fresh();
      writeFileSync(join(added, 'note.txt'), 'x');
      expect(verifyBundle(added).problems).toContain('note.txt: present but not in sha256sums.txt');

      // An attacker who edits a record and recomputes the sums cannot re-sign them.
      const rehashed = fresh();
      writeFileSync(join(rehashed, 'triage.json'), readFileSync(join(rehashed, 'triage.json'), 'utf8').replace('"normal"', '"urgent"'));
      const files = Object.fromEntries(readdirSync(rehashed).filter((f) => f.endsWith('.json')).map((f) => [f, readFileSync(join(rehashed, f), 'utf8')]));
      writeFileSync(join(rehashed, 'sha256sums.txt'), sumsOf(files));
      expect(verifyBundle(rehashed).problems).toContain('signature_ed25519.txt: the signature does not verify over sha256sums.txt');

      // Re-signed with another key: verifies against itself, fails against the trusted one.
      const other = loadOrCreateBundleKey(tempDir().path);
      writeFileSync(join(rehashed, 'signature_ed25519.txt'), signatureFile(other, readFileSync(join(rehashed, 'sha256sums.txt'), 'utf8')));
      expect(verifyBundle(rehashed).problems).toContain('manifest.json: key_id is not the signing key');
      expect(verifyBundle(rehashed, { trustedKey: key.publicKey }).problems.some((p) => p.includes('not the trusted key'))).toBe(true);

      // A raw id slipped into a public record fails its schema, naming the field.
      const leaky = fresh();
      const ev = JSON.parse(readFileSync(join(leaky, 'event.json'), 'utf8'));
      ev.sender_id = m.sender_id;
      const leakyFiles = Object.fromEntries(readdirSync(leaky).filter((f) => f.endsWith('.json')).map((f) => [f, f === 'event.json' ? `${JSON.stringify(ev, null, 2)}\n` : readFileSync(join(leaky, f), 'utf8')]));
      for (const [f, t] of Object.entries(leakyFiles)) writeFileSync(join(leaky, f), t);
      const sums = sumsOf(leakyFiles);
      writeFileSync(join(leaky, 'sha256sums.txt'), sums);
      writeFileSync(join(leaky, 'signature_ed25519.txt'), signatureFile(key, sums));
      expect(verifyBundle(leaky).problems.some((p) => p.startsWith('event.json: sender_id:'))).toBe(true);
    } finally {
      data.remove();
    }
  });

  test('npx raize bundle verify should exit 0 on a good bundle and non-zero naming the tampered file', () => {
    const data = tempDir();
    try {
      const key = loadOrCreateBundleKey(data.path);
      const m = message('hola, cuanto cuesta?');
      const dirs = writeBundles(data.path, m, decide(m, SETTINGS), key, T);
      const run = (dir: string, ...extra: string[]) =>
        spawnSync(process.execPath, [bin, 'bundle', 'verify', dir, ...extra], { env: { ...process.env, RAIZE_DATA_DIR: data.path }, encoding: 'utf8', timeout: 60_000 });
      const good = run(dirs.public);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toContain('bundle verify: OK');
      const pinned = run(dirs.private, '--public-key', Buffer.from(readBundlePublicKey(bundleKeyPaths(data.path).publicFile)).toString('hex'));
      expect(pinned.status, pinned.stderr).toBe(0);
      appendFileSync(join(dirs.public, 'draft.json'), ' ');
      const bad = run(dirs.public);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('draft.json: sha256 does not match');
    } finally {
      data.remove();
    }
  });

  test('should write one bundle per event: a second write of the same trace leaves the first', () => {
    const data = tempDir();
    try {
      const key = loadOrCreateBundleKey(data.path);
      const m = message('hola');
      const decision = decide(m, SETTINGS);
      const a = writeBundles(data.path, m, decision, key, T);
      const before = readFileSync(join(a.public, 'sha256sums.txt'), 'utf8');
      const b = writeBundles(data.path, m, decision, key, T + 60_000);
      expect(b).toEqual(a);
      expect(readFileSync(join(a.public, 'sha256sums.txt'), 'utf8')).toBe(before);
      expect(readdirSync(join(data.path, 'dm', 'bundles', 'public'))).toHaveLength(1);
    } finally {
      data.remove();
    }
  });
});
