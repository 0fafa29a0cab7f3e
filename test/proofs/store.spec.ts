import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProofRefError } from '../../proofs/index.js';
import { test, expect } from './fixtures.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test.describe('proof store', () => {
  test('should store bytes content-addressed, 0600 in 0700 directories, and return a ref that re-hashes', async ({ store, dataDir }) => {
    const bytes = Buffer.from('proof of a step');
    const ref = await store.put(bytes, { kind: 'artifact', ext: 'txt' });
    const hex = sha(bytes);
    expect(ref).toEqual({ kind: 'artifact', ref: `proofs/${hex.slice(0, 2)}/${hex}.txt`, sha256: hex });
    const file = store.resolve(ref);
    expect(file).toBe(join(dataDir, ref.ref));
    expect(sha(await readFile(file))).toBe(ref.sha256);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'proofs'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, 'proofs', hex.slice(0, 2)))).mode & 0o777).toBe(0o700);
    expect(await store.verify(ref)).toEqual({ ok: true, actual: hex, expected: hex });
  });

  test('should be idempotent for the same bytes', async ({ store }) => {
    const bytes = Buffer.from('same bytes');
    const [a, b] = await Promise.all([store.put(bytes, { kind: 'dom', ext: 'dom.txt' }), store.put(bytes, { kind: 'dom', ext: 'dom.txt' })]);
    expect(a).toEqual(b);
    expect(await store.put(bytes, { kind: 'dom', ext: 'dom.txt' })).toEqual(a);
    expect((await store.read(a)).equals(bytes)).toBe(true);
  });

  test('should detect a tampered or missing proof', async ({ store }) => {
    const ref = await store.put(Buffer.from('original'), { kind: 'artifact', ext: 'txt' });
    await writeFile(store.resolve(ref), 'tampered');
    expect((await store.verify(ref)).ok).toBe(false);
    expect((await store.verify({ ...ref, sha256: '0'.repeat(64) })).ok).toBe(false);
    const missing = `proofs/ab/ab${'0'.repeat(62)}.txt`;
    expect((await store.verify(missing)).ok).toBe(false);
  });

  test('should refuse refs outside the proof store', async ({ store }) => {
    for (const bad of ['../etc/passwd', 'proofs/../../x', `proofs/zz/${'a'.repeat(64)}.png`, `proofs/ab/${'c'.repeat(64)}.png`, `proofs/aa/${'a'.repeat(64)}./png`]) {
      expect(() => store.resolve(bad)).toThrow(ProofRefError);
    }
    await expect(store.put(Buffer.from('x'), { kind: 'artifact', ext: '../x' })).rejects.toThrow(/extension/);
  });
});
