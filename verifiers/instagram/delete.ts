import { isMissing, type GraphAccount } from '../../connectors/index.js';
import type { AttemptReceipt, Verification } from '../../safety/index.js';
import { inconclusive, proofsOf } from './common.js';

/**
 * Read-only look for an Instagram API delete: `GET /{ig-media-id}`: 100/33 "does not exist" is
 * the delete (precise), the post still answering is its absence.
 */
export async function deletedMedia(api: GraphAccount, id: string | undefined, receipt?: AttemptReceipt): Promise<Verification> {
  if (!id) return inconclusive('api_get');
  const answer = await api.media(id);
  if (isMissing(answer.error)) return { outcome: 'present', level: 2, platform_object_id: id, surface: 'api_get', precise: true, proofs: proofsOf(answer, { id }) };
  if (answer.data?.id) return { outcome: 'absent', level: 0, surface: 'api_get', precise: true, proofs: proofsOf(answer, { id }) };
  return inconclusive('api_get', receipt ? 1 : 0);
}
