import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { loadOrCreateKeyFile } from './key-file.js';
import type { SecretRepository } from './ports.js';
import type { SealedSecret, SecretKind } from './records.js';

/** The secret key is missing, malformed, too widely readable, or not the one a secret was sealed with. */
export class SecretKeyError extends Error {
  readonly code = 'secret_key';
}

/** A sealed secret failed authentication (edited, truncated, or moved to another account or kind). */
export class SecretSealError extends Error {
  readonly code = 'secret_seal';
}

const REDACTED = '[secret]';

/**
 * A secret value that does not print: `String()`, JSON, `util.inspect` (so pino and
 * console.log) all show `[secret]`. The value is read with `reveal()` at the one place that
 * sends it (a connector's Authorization header).
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** The 32-byte AES-256 key and its public id (sha256 of the key, first 16 hex chars). */
export interface SecretKey {
  readonly id: string;
  /** Encrypts/decrypts; the raw key never leaves this object. */
  readonly cipher: { seal(plain: Buffer, aad: Buffer): { nonce: Buffer; sealed: Buffer }; open(nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer };
}

function keyOf(raw: Buffer): SecretKey {
  if (raw.length !== 32) throw new SecretKeyError(`the secret key must be 32 bytes (got ${raw.length})`);
  const key = Buffer.from(raw);
  const id = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const cipher = {
    seal(plain: Buffer, aad: Buffer) {
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return { nonce, sealed: Buffer.concat([body, c.getAuthTag()]) };
    },
    open(nonce: Buffer, sealed: Buffer, aad: Buffer) {
      if (sealed.length < 16) throw new SecretSealError('sealed secret too short');
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      try {
        return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
      } catch {
        throw new SecretSealError('sealed secret failed authentication (edited, or moved to another account or kind)');
      }
    },
  };
  return { id, cipher };
}

/** A key from `RAIZE_SECRET_KEY`: 64 hex chars or base64 of 32 bytes. */
export function parseSecretKey(text: string): SecretKey {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return keyOf(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return keyOf(Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  throw new SecretKeyError('RAIZE_SECRET_KEY: expected 32 bytes as 64 hex chars or base64');
}

export function secretKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'secret.key');
}

/**
 * The key that seals account credentials: `RAIZE_SECRET_KEY` when set, else the data dir's
 * `keys/secret.key` (64 hex chars, 0600 in a 0700 directory), generated on first use. Two
 * processes starting at once agree on one key (the file appears atomically). A key file that
 * others can read is refused.
 */
export function loadSecretKey(dataDir: string, fromEnv?: string): SecretKey {
  if (fromEnv) return parseSecretKey(fromEnv);
  const file = secretKeyFile(dataDir);
  const text = loadOrCreateKeyFile(file, () => randomBytes(32).toString('hex'), (m) => new SecretKeyError(m));
  if (!/^[0-9a-f]{64}$/.test(text)) throw new SecretKeyError(`${file}: expected 64 lowercase hex chars`);
  return keyOf(Buffer.from(text, 'hex'));
}

export interface OpenedSecret {
  value: Secret;
  expires_at: string | null;
  scopes: string[];
}

export interface Vault {
  /** Seals and stores an account's credential (replacing the previous one of its kind). */
  seal(accountId: string, kind: SecretKind, value: string, meta?: { expires_at?: string | null; scopes?: string[] }): Promise<void>;
  /** The credential, or null when the account has none of this kind. */
  open(accountId: string, kind: SecretKind): Promise<OpenedSecret | null>;
  remove(accountId: string, kind: SecretKind): Promise<boolean>;
  /** Re-seals every secret sealed with `previous` under this vault's key; returns how many. */
  rotateFrom(previous: SecretKey): Promise<number>;
  readonly keyId: string;
}

/** Binds a ciphertext to its account and kind: a sealed token copied onto another row does not open. */
const aadOf = (accountId: string, kind: SecretKind) => Buffer.from(`raize-secret-v1\u0000${accountId}\u0000${kind}`, 'utf8');

export function createVault(repo: SecretRepository, key: SecretKey, now: () => Date = () => new Date()): Vault {
  const sealWith = (k: SecretKey, accountId: string, kind: SecretKind, value: string, meta: { expires_at?: string | null; scopes?: string[] }): SealedSecret => {
    const { nonce, sealed } = k.cipher.seal(Buffer.from(value, 'utf8'), aadOf(accountId, kind));
    return {
      platform_account_id: accountId, kind, key_id: k.id, nonce: nonce.toString('base64'), ciphertext: sealed.toString('base64'),
      expires_at: meta.expires_at ?? null, scopes: meta.scopes ?? [], updated_at: now().toISOString(),
    };
  };
  const openWith = (k: SecretKey, s: SealedSecret): string => {
    if (!timingSafeEqual(Buffer.from(s.key_id), Buffer.from(k.id))) {
      throw new SecretKeyError(`the ${s.kind} of ${s.platform_account_id} was sealed with key ${s.key_id}; this process has key ${k.id} (set RAIZE_SECRET_KEY or restore keys/secret.key)`);
    }
    return k.cipher.open(Buffer.from(s.nonce, 'base64'), Buffer.from(s.ciphertext, 'base64'), aadOf(s.platform_account_id, s.kind)).toString('utf8');
  };
  return {
    keyId: key.id,
    async seal(accountId, kind, value, meta = {}) {
      if (!value) throw new SecretSealError(`${kind}: an empty credential cannot be stored`);
      await repo.put(sealWith(key, accountId, kind, value, meta));
    },
    async open(accountId, kind) {
      const s = await repo.get(accountId, kind);
      if (!s) return null;
      return { value: new Secret(openWith(key, s)), expires_at: s.expires_at, scopes: s.scopes };
    },
    async remove(accountId, kind) {
      return repo.remove(accountId, kind);
    },
    async rotateFrom(previous) {
      let n = 0;
      for (const s of await repo.list()) {
        if (s.key_id !== previous.id) continue;
        await repo.put(sealWith(key, s.platform_account_id, s.kind, openWith(previous, s), { expires_at: s.expires_at, scopes: s.scopes }));
        n += 1;
      }
      return n;
    },
  };
}
