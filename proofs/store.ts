import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { ProofRef } from '../safety/index.js';
import { sha256Hex } from '../store/hash.js';
import { ensurePrivateDir, writePrivateFile } from './files.js';

export type ProofKind = ProofRef['kind'];

export interface PutOptions {
  kind: ProofKind;
  /** File extension without the leading dot (`webp`, `thumb.webp`, `dom.txt`, `zip`). */
  ext: string;
}

/** A stored proof: always carries its sha256 (the ProofRef field is optional only for other lanes). */
export type StoredProof = ProofRef & { sha256: string };

export interface ProofVerdict {
  ok: boolean;
  /** sha256 of the bytes on disk now; absent when the file is missing. */
  actual?: string;
  expected: string;
}

/** Content-addressed proof files under `<dataDir>/proofs/<sha[0..2]>/<sha>.<ext>`. */
export interface ProofStore {
  readonly dataDir: string;
  put(bytes: Uint8Array, options: PutOptions): Promise<StoredProof>;
  /** Absolute path of a ref; throws ProofRefError for anything that is not a proof-store ref. */
  resolve(ref: ProofRef | string): string;
  read(ref: ProofRef | string): Promise<Buffer>;
  /** Re-hashes the file and compares it with the sha256 in its name (and in the ref, when given). */
  verify(ref: ProofRef | string): Promise<ProofVerdict>;
}

/** A ref that does not name a proof-store file (wrong shape, path traversal, …). Not retryable. */
export class ProofRefError extends Error {
  readonly code = 'proof_ref_invalid';
  constructor(ref: string) {
    super(`not a proof-store ref: ${JSON.stringify(ref)}`);
    this.name = 'ProofRefError';
  }
}

const EXT = /^[a-z0-9]+(?:\.[a-z0-9]+)*$/;
const REF = /^proofs\/([0-9a-f]{2})\/([0-9a-f]{64})\.([a-z0-9]+(?:\.[a-z0-9]+)*)$/;

function parseRef(ref: ProofRef | string): { path: string; sha256: string; claimed?: string } {
  const text = typeof ref === 'string' ? ref : ref.ref;
  const m = REF.exec(text);
  if (!m || m[1] !== m[2]!.slice(0, 2)) throw new ProofRefError(text);
  const claimed = typeof ref === 'string' ? undefined : ref.sha256;
  return { path: text, sha256: m[2]!, ...(claimed ? { claimed } : {}) };
}

export function createProofStore(dataDir: string): ProofStore {
  const root = resolvePath(dataDir);

  const resolve = (ref: ProofRef | string): string => join(root, parseRef(ref).path);
  /** Shard directories known to exist with mode 0700 (256 at most): no mkdir and chmod per proof. */
  const ready = new Set<string>();

  return {
    dataDir: root,
    resolve,

    async put(bytes, { kind, ext }) {
      if (!EXT.test(ext)) throw new TypeError(`invalid proof extension ${JSON.stringify(ext)}`);
      const sha256 = sha256Hex(bytes);
      const ref = `proofs/${sha256.slice(0, 2)}/${sha256}.${ext}`;
      const file = join(root, ref);
      const exists = await stat(file).then(() => true, () => false);
      if (!exists) {
        // Two writers of the same bytes both end with the same complete file.
        const shard = dirname(file);
        if (!ready.has(shard)) {
          await ensurePrivateDir(join(root, 'proofs'));
          await ensurePrivateDir(shard);
          ready.add(shard);
        }
        await writePrivateFile(file, bytes, { dirReady: true }).catch(async (error: NodeJS.ErrnoException) => {
          // The directory went away under us (a clean-up): make it again, once.
          if (error.code !== 'ENOENT') throw error;
          ready.delete(shard);
          await writePrivateFile(file, bytes);
        });
      }
      return { kind, ref, sha256 };
    },

    async read(ref) {
      return readFile(resolve(ref));
    },

    async verify(ref) {
      const { path, sha256, claimed } = parseRef(ref);
      if (claimed !== undefined && claimed !== sha256) return { ok: false, expected: claimed };
      let bytes: Buffer;
      try {
        bytes = await readFile(join(root, path));
      } catch {
        return { ok: false, expected: sha256 };
      }
      const actual = sha256Hex(bytes);
      return { ok: actual === sha256, actual, expected: sha256 };
    },
  };
}
