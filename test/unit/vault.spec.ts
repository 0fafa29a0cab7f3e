import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { expect, test } from '@playwright/test';
import { createVault, loadSecretKey, parseSecretKey, secretKeyFile, SecretKeyError, SecretSealError } from '../../store/index.js';
import { createHarness } from '../helpers/kernel.js';

// Issue 9 item 3: API tokens per account, encrypted at rest (AES-256-GCM), never logged.
const CANARY = 'IGQVJ-canary-token-7f3a9c1e5b2d4f6a8c0e';

/** Every file under the data dir, as raw bytes (the SQLite file, its WAL, logs, keys). */
function everyByte(dir: string): Buffer {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out.push(readFileSync(path));
  }
  return Buffer.concat(out);
}

test.describe('token vault (sealed API tokens)', () => {
  test('should keep a token only sealed at rest: not in the store file, its WAL, the logs or the audit; opened only by reveal()', async () => {
    const h = await createHarness();
    try {
      const { vault, store } = h.services;
      await vault.seal(h.account.platform_account_id, 'access_token', CANARY, { expires_at: '2027-01-01T00:00:00.000Z', scopes: ['instagram_business_content_publish'] });
      const opened = await vault.open(h.account.platform_account_id, 'access_token');
      expect(opened!.value.reveal()).toBe(CANARY);
      expect(opened!.scopes).toEqual(['instagram_business_content_publish']);
      // The value does not print, whichever way a careless line tries.
      h.services.logger.info({ token: opened!.value, opened }, 'opened a token');
      expect(`${opened!.value}`).toBe('[secret]');
      expect(JSON.stringify(opened)).not.toContain(CANARY);
      expect(inspect(opened, { depth: 5 })).not.toContain(CANARY);
      expect(h.logLines.join('\n')).not.toContain(CANARY);
      // At rest: the row holds ciphertext under the key's id, never the token.
      const sealed = (await store.secrets.get(h.account.platform_account_id, 'access_token'))!;
      expect(sealed.key_id).toBe(vault.keyId);
      expect(sealed.ciphertext).not.toContain(CANARY);
      expect(everyByte(h.dir).includes(Buffer.from(CANARY))).toBe(false);
      expect(everyByte(h.dir).includes(Buffer.from(Buffer.from(CANARY).toString('base64')))).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('should generate the key file 0600 in a 0700 directory, and refuse one others can read', async () => {
    const h = await createHarness();
    try {
      const key = loadSecretKey(h.dir);
      const file = secretKeyFile(h.dir);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(h.dir, 'keys')).mode & 0o777).toBe(0o700);
      // A second process agrees on the same key.
      expect(loadSecretKey(h.dir).id).toBe(key.id);
      chmodSync(file, 0o644);
      expect(() => loadSecretKey(h.dir)).toThrow(/readable by others/);
    } finally {
      await h.close();
    }
  });

  test('should refuse a token moved to another account or edited, and name the key a token was sealed with', async () => {
    const h = await createHarness();
    try {
      const { store } = h.services;
      const key = parseSecretKey('11'.repeat(32));
      const vault = createVault(store.secrets, key);
      const id = h.account.platform_account_id;
      await vault.seal(id, 'access_token', CANARY);
      const sealed = (await store.secrets.get(id, 'access_token'))!;
      // Copied onto another kind of the same account (or another account): authentication fails.
      await store.secrets.put({ ...sealed, kind: 'refresh_token' });
      await expect(vault.open(id, 'refresh_token')).rejects.toBeInstanceOf(SecretSealError);
      // One byte edited.
      const bytes = Buffer.from(sealed.ciphertext, 'base64');
      bytes[0]! ^= 1;
      await store.secrets.put({ ...sealed, ciphertext: bytes.toString('base64') });
      await expect(vault.open(id, 'access_token')).rejects.toThrow(/failed authentication/);
      // Another key: a clear error naming both key ids, not garbage.
      await vault.seal(id, 'access_token', CANARY);
      const other = createVault(store.secrets, parseSecretKey(Buffer.alloc(32, 2).toString('base64')));
      const error = await other.open(id, 'access_token').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretKeyError);
      expect(String((error as Error).message)).toContain(key.id);
      // Rotation re-seals under the new key; the old key no longer opens it.
      expect(await store.secrets.remove(id, 'refresh_token')).toBe(true);
      expect(await other.rotateFrom(key)).toBe(1);
      expect((await other.open(id, 'access_token'))!.value.reveal()).toBe(CANARY);
      await expect(vault.open(id, 'access_token')).rejects.toBeInstanceOf(SecretKeyError);
    } finally {
      await h.close();
    }
  });

  test('should name RAIZE_SECRET_KEY when it is malformed', () => {
    expect(() => parseSecretKey('not-a-key')).toThrow(/RAIZE_SECRET_KEY/);
    expect(() => parseSecretKey('ab'.repeat(31))).toThrow(/RAIZE_SECRET_KEY/);
  });
});
