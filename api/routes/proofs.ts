import { readFile } from 'node:fs/promises';
import type { Response } from 'express';
import { z } from 'zod';
import { createProofStore, type ProofStore } from '../../proofs/index.js';
import { sha256Hex, type AuditEvent } from '../../store/index.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../../safety/index.js';
import type { ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

/** A proof-store ref as the audit records it: `proofs/<sha[0..2]>/<sha>.<ext>`. */
const STORE_REF = /^proofs\/([0-9a-f]{2})\/([0-9a-f]{64})\.([a-z0-9]+(?:\.[a-z0-9]+)*)$/;
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

export type ProofKind = 'screenshot' | 'dom' | 'trace' | 'artifact' | 'request';

/** One proof pointer of an audit event, with what kind of proof it is and, for stored files, their sha256. */
export const ProofView = z.object({
  kind: z.enum(['screenshot', 'dom', 'trace', 'artifact', 'request']),
  ref: z.string(),
  /** Null for pointers that are not proof-store files (a request id, a URL): nothing to download. */
  sha256: z.string().nullable(),
  /** Where to download it (GET /api/v1/proofs/{sha256}); null when not a stored file. */
  href: z.string().nullable(),
  action_id: z.string(),
  seq: z.number().int(),
});
export type ProofView = z.infer<typeof ProofView>;

/**
 * The kind of a recorded pointer: the audit event keeps screenshots apart and every other proof
 * in `artifact_refs`, where the proof store's extension tells a trace (`zip`) from a DOM
 * snapshot (`dom.txt`) from another artifact; anything else is a pointer, not a file.
 */
export function proofKind(ref: string, list: 'screenshots' | 'artifact_refs'): { kind: ProofKind; sha256: string | null } {
  const m = STORE_REF.exec(ref);
  const sha256 = m && m[1] === m[2]!.slice(0, 2) ? m[2]! : null;
  if (list === 'screenshots') return { kind: 'screenshot', sha256 };
  if (!sha256) return { kind: 'request', sha256: null };
  const ext = m![3]!;
  return { kind: ext === 'zip' ? 'trace' : ext === 'dom.txt' ? 'dom' : 'artifact', sha256 };
}

/** The proofs an event points to, in the order recorded. */
export function proofsOf(seq: number, event: AuditEvent): ProofView[] {
  return (['screenshots', 'artifact_refs'] as const).flatMap((list) => event.proof[list].map((ref) => {
    const { kind, sha256 } = proofKind(ref, list);
    return { kind, ref, sha256, href: sha256 ? `/api/v1/proofs/${sha256}` : null, action_id: event.action_id, seq };
  }));
}

const CONTENT_TYPES: Record<string, string> = {
  webp: 'image/webp', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', zip: 'application/zip', txt: 'text/plain; charset=utf-8',
};

/**
 * Sends a proof-store file named by a ref the audit trail recorded (never a path from the
 * request). The bytes are hashed before anything is sent: a file that no longer matches its
 * sha256 is refused (409 proof_tampered) and a missing one is gone (410 proof_missing).
 */
export async function sendProof(res: Response, proofs: ProofStore, ref: string, logger: Logger): Promise<void> {
  const m = STORE_REF.exec(ref);
  if (!m) throw new ApiError(404, 'not_found', 'no such proof');
  const sha256 = m[2]!;
  // The proof store checks the ref's shape again and builds the path under its own root.
  const file = proofs.resolve(ref);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    // Gone, or something else where the file was: either way there is no proof to send.
    if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw new ApiError(410, 'proof_missing', `proof ${sha256} is recorded but its file is gone`);
    throw error;
  }
  if (sha256Hex(bytes) !== sha256) {
    logger.warn({ sha256 }, 'proof file does not match its sha256: not served');
    throw new ApiError(409, 'proof_tampered', `the stored file of proof ${sha256} no longer matches its sha256: it is not served`);
  }
  const ext = m[3]!.split('.').at(-1)!;
  const type = CONTENT_TYPES[ext];
  const name = `${sha256}.${m[3]}`;
  res.status(200)
    .set('content-type', type ?? 'application/octet-stream')
    .set('x-content-type-options', 'nosniff')
    .set('cache-control', 'private, no-store')
    .set('content-disposition', `${ext === 'zip' || !type ? 'attachment' : 'inline'}; filename="${name}"`)
    .set('x-proof-sha256', sha256)
    .send(bytes);
}

export function registerProofs(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;
  const proofs = createProofStore(services.config.dataDir);

  routes.add({
    method: 'get', path: '/proofs/:sha256', tag: 'proofs', permission: 'read', produces: 'application/octet-stream',
    summary: 'A proof file by its sha256, found only among the proofs recorded in the audit trail of actions the caller may see; verified before it is sent',
    params: z.object({ sha256: Sha256 }),
    errors: { 409: 'proof_tampered: the file no longer matches its sha256 (not sent)', 410: 'proof_missing: recorded, but the file is gone' },
    handler: async ({ res, principal, params }) => {
      const found = await store.actions.proofRefs(params.sha256, { ...(principal.client_id !== null ? { client_id: principal.client_id } : {}), limit: 20 });
      const ref = found.map((f) => f.ref).find((r) => STORE_REF.test(r));
      if (!ref) throw new ApiError(404, 'not_found', `no proof ${params.sha256}`);
      await sendProof(res, proofs, ref, services.logger);
    },
  });
}
