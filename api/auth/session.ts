import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/index.js';
import { tokenHash } from './tokens.js';

export const SESSION_COOKIE = 'raize_session';
/** A pre-login id: the login form's CSRF token is bound to it (no login CSRF). */
export const PRESESSION_COOKIE = 'raize_pre';
export const SESSION_TTL_MS = 12 * 3_600_000;

/**
 * A new console session for the token: always a fresh random id (never one the browser brought:
 * no session fixation). The cookie carries the id; the store only its sha256.
 */
export async function openSession(store: Store, tokenId: string, now = new Date()): Promise<{ id: string; expires: Date }> {
  const id = randomBytes(32).toString('base64url');
  const expires = new Date(now.getTime() + SESSION_TTL_MS);
  await store.consoleSessions.create({ session_hash: tokenHash(id), token_id: tokenId, created_at: now.toISOString(), expires_at: expires.toISOString() });
  return { id, expires };
}

export async function closeSession(store: Store, id: string | undefined): Promise<void> {
  if (id) await store.consoleSessions.remove(tokenHash(id));
}
