import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateKeyFile } from '../store/index.js';
import { RaizeError } from './errors.js';

/** The audit key is missing, unreadable, malformed or too widely readable. Verification fails. */
export class AuditKeyError extends RaizeError {
  readonly code = 'audit_key';
}

/** The public half: what verification needs, and what an operator copies off the machine. */
export interface AuditPublicKey {
  /** The raw 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** sha256 of the raw public key, lowercase hex: the `key_id` of every checkpoint it signs. */
  readonly keyId: string;
}

/** The signing key. The private half lives only inside `sign`: never a property, never logged. */
export interface AuditSigningKey extends AuditPublicKey {
  sign(message: Uint8Array): Uint8Array;
}

export function auditKeyPaths(dataDir: string): { dir: string; privateFile: string; publicFile: string } {
  const dir = join(dataDir, 'keys');
  return { dir, privateFile: join(dir, 'audit-ed25519.key'), publicFile: join(dir, 'audit-ed25519.pub') };
}

export function keyIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex');
}

/**
 * The data dir's audit key, generated on first use: `keys/` 0700, the private key (64 hex
 * chars, a 32-byte ed25519 seed) 0600, the public key (64 hex chars) beside it. Two processes
 * starting at once agree on one key: the private file appears atomically (link of a full
 * temp file), and the loser reads the winner's.
 */
export function loadOrCreateAuditKey(dataDir: string): AuditSigningKey {
  const { privateFile, publicFile } = auditKeyPaths(dataDir);
  return loadOrCreateEd25519Key(privateFile, publicFile, (m) => new AuditKeyError(m));
}

/**
 * An ed25519 key pair in two files, the private one made on first use (0600 in a 0700 dir,
 * atomically: two processes starting at once agree on one key) and the public one written
 * beside it, checked against it afterwards. Shared by the audit checkpoints and the DM
 * assistant's evidence bundles; `refuse` makes each caller's own error.
 */
export function loadOrCreateEd25519Key(privateFile: string, publicFile: string, refuse: (message: string) => Error): AuditSigningKey {
  const text = loadOrCreateKeyFile(privateFile, () => Buffer.from(ed25519.utils.randomSecretKey()).toString('hex'), refuse);
  const secret = parseEd25519Hex(text, privateFile, refuse);
  const publicKey = ed25519.getPublicKey(secret);
  const publicHex = Buffer.from(publicKey).toString('hex');
  if (!existsSync(publicFile)) writeFileSync(publicFile, `${publicHex}\n`, { mode: 0o644 });
  else if (readFileSync(publicFile, 'utf8').trim() !== publicHex) {
    throw refuse(`${publicFile} does not match the private key beside it`);
  }
  const keyId = keyIdOf(publicKey);
  return { publicKey, keyId, sign: (message) => ed25519.sign(message, secret) };
}

/**
 * A public key to verify with: `source` is 64 hex chars or a file holding them. Without a
 * source, the data dir's public key file; null when that does not exist (no key made yet).
 */
export function readAuditPublicKey(dataDir: string, source?: string): AuditPublicKey | null {
  let text: string;
  let where: string;
  if (source && /^[0-9a-fA-F]{64}$/.test(source.trim())) {
    text = source;
    where = 'the --public-key value';
  } else {
    where = source ?? auditKeyPaths(dataDir).publicFile;
    if (!source && !existsSync(where)) return null;
    try {
      text = readFileSync(where, 'utf8');
    } catch (error) {
      throw new AuditKeyError(`cannot read the audit public key ${where}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const publicKey = parseEd25519Hex(text, where);
  return { publicKey, keyId: keyIdOf(publicKey) };
}

/** 32 bytes of key in hex; the content is never quoted in the error (for a private file it is the secret). */
export function parseEd25519Hex(text: string, where: string, refuse: (message: string) => Error = (m) => new AuditKeyError(m)): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw refuse(`${where} does not hold a 32-byte key in hex`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
