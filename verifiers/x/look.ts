import type { TokenSecret, XClient } from '../../connectors/index.js';
import type { ProofRef } from '../../safety/index.js';

/**
 * What every read-only look of the X API lane gets (§6.3): the client, the account's token and
 * user id, how permalinks are written, how many pages of a listing to read.
 */
export interface LookInput {
  x: XClient;
  token: TokenSecret;
  /** The account's X user id. */
  me: string;
  permalink: (id: string) => string;
  maxPages: number;
  signal: AbortSignal;
}


/** Newer in X's id order (snowflakes); `none`: the listing was empty before the attempt. */
export const newer = (id: string, than: string) => than === 'none' || BigInt(id) > BigInt(than);
/** A request ref as §6.1 proof: the endpoint and X's `x-transaction-id`. */
export const requestProof = (id: string | undefined, what: string): ProofRef[] => (id ? [{ kind: 'request', ref: `${what} x-transaction-id ${id}` }] : []);
