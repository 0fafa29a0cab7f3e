import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateEd25519Key, parseEd25519Hex } from '../../safety/index.js';

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

export { keyIdOf } from '../../safety/index.js';

/**
 * The data dir's IF.TTT bundle key, made on first start: the private key (a 32-byte ed25519
 * seed in hex) 0600 in `keys/` (0700), the public key exported beside it for whoever checks
 * bundles later. Two processes starting at once agree on one key.
 */
export function loadOrCreateBundleKey(dataDir: string): BundleSigningKey {
  const { privateFile, publicFile } = bundleKeyPaths(dataDir);
  return loadOrCreateEd25519Key(privateFile, publicFile, (m) => new BundleKeyError(m));
}

/** A public key to trust: 64 hex chars, or a file holding them. */
export function readBundlePublicKey(source: string): Uint8Array {
  const refuse = (m: string) => new BundleKeyError(m);
  if (/^[0-9a-fA-F]{64}$/.test(source.trim())) return parseEd25519Hex(source, 'the public key given', refuse);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new BundleKeyError(`cannot read the public key ${source}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseEd25519Hex(text, source, refuse);
}
