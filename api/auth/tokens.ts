import { randomBytes } from 'node:crypto';
import { newId, sha256Hex, type ApiRole, type ApiToken, type Store } from '../../store/index.js';

/** Every token starts with this, so a leaked one is recognisable by secret scanners. */
export const TOKEN_PREFIX = 'rzt_';
const TOKEN_SHAPE = /^rzt_[A-Za-z0-9_-]{43}$/;

/** The sha256 a token is stored and looked up by (32 random bytes: no salt or stretching needed). */
export function tokenHash(token: string): string {
  return sha256Hex(Buffer.from(token, 'utf8'));
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

export interface NewToken {
  name: string;
  role: ApiRole;
  /** null: every client (not allowed for `client_viewer`). */
  client_id: string | null;
  created_by: string;
}

/** Creates a token and returns it with its record: the only time the token itself exists outside its holder. */
export async function createApiToken(store: Store, input: NewToken, now = new Date()): Promise<{ token: string; record: ApiToken }> {
  if (input.client_id !== null && !(await store.clients.get(input.client_id))) throw new RangeError(`client_id: no client ${input.client_id}`);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record = await store.apiTokens.create({
    token_id: newId(), token_hash: tokenHash(token), name: input.name, role: input.role, client_id: input.client_id,
    created_by: input.created_by, created_at: now.toISOString(), last_used_at: null, revoked_at: null,
  });
  return { token, record };
}

/** A token record without its hash: what the API and the CLI show. */
export function publicToken({ token_hash: _hash, ...rest }: ApiToken): Omit<ApiToken, 'token_hash'> {
  return rest;
}
