import type { Verification } from '../../safety/index.js';
import { requestProof as proof, type LookInput } from './look.js';

/** A deleted post: "not found" by id is the delete (precise), the post still shown its absence. */
export async function deletedById(i: LookInput, id: string): Promise<Verification> {
  const a = await i.x.post(i.token, id, i.signal);
  if (a.notFound) return { outcome: 'present', level: 2, platform_object_id: id, permalink: i.permalink(id), surface: 'api_get', precise: true, proofs: proof(a.requestId, 'GET /2/tweets/:id') };
  i.x.raise(a, { write: false });
  return { outcome: 'absent', level: 0, surface: 'api_get', precise: true };
}
