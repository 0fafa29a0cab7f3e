import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateKeyFile } from '../../store/index.js';

/** The bundle key is missing, unreadable, malformed or too widely readable. */
export class BundleKeyError extends Error {
  readonly code = 'bundle_key';
}

/** The signing half lives only inside `sign`: never a property, never logged. */
export interface BundleSigningKey {
  readonly publicKey: Uint8Array;
  /** sha256 of the raw public key, lowercase hex. */
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
}

export function bundleKeyPaths(dataDir: string): { privateFile: string; publicFile: string } {
  const dir = join(dataDir, 'keys');
  return { privateFile: join(dir, 'dm-bundle-ed25519.key'), publicFile: join(dir, 'dm-bundle-ed25519.pub') };
}

export const keyIdOf = (publicKey: Uint8Array) => createHash('sha256').update(publicKey).digest('hex');

/**
 * The data dir's IF.TTT bundle key, made on first start: the private key (a 32-byte ed25519
 * seed in hex) 0600 in `keys/` (0700), the public key exported beside it for whoever checks
 * bundles later. Two processes starting at once agree on one key.
 */
export function loadOrCreateBundleKey(dataDir: string): BundleSigningKey {
  const { privateFile, publicFile } = bundleKeyPaths(dataDir);
  const text = loadOrCreateKeyFile(privateFile, () => Buffer.from(ed25519.utils.randomSecretKey()).toString('hex'), (m) => new BundleKeyError(m));
  const secret = parseHexKey(text, privateFile);
  const publicKey = ed25519.getPublicKey(secret);
  const publicHex = Buffer.from(publicKey).toString('hex');
  if (!existsSync(publicFile)) writeFileSync(publicFile, `${publicHex}\n`, { mode: 0o644 });
  else if (readFileSync(publicFile, 'utf8').trim() !== publicHex) throw new BundleKeyError(`${publicFile} does not match the private key beside it`);
  return { publicKey, keyId: keyIdOf(publicKey), sign: (message) => ed25519.sign(message, secret) };
}

/** A public key to trust: 64 hex chars, or a file holding them. */
export function readBundlePublicKey(source: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(source.trim())) return parseHexKey(source, 'the public key given');
  try {
    return parseHexKey(readFileSync(source, 'utf8'), source);
  } catch (error) {
    if (error instanceof BundleKeyError) throw error;
    throw new BundleKeyError(`cannot read the public key ${source}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function parseHexKey(text: string, where: string): Uint8Array {
  const hex = text.trim();
  // Never quote the content: for the private file it is the secret.
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new BundleKeyError(`${where} does not hold a 32-byte key in hex`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
