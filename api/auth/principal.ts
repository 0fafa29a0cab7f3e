import type { ApiRole, ApiToken } from '../../store/index.js';
import { ApiError } from '../errors.js';

/** Who is calling: the token (directly, or behind a console session) and what it may do. */
export interface Principal {
  token_id: string;
  /** The token's name: recorded as "who" on approvals, kill switches and actions. */
  name: string;
  role: ApiRole;
  /** null: every client. */
  client_id: string | null;
  via: 'bearer' | 'session';
}

export function principalOf(token: ApiToken, via: Principal['via']): Principal {
  return { token_id: token.token_id, name: token.name, role: token.role, client_id: token.client_id, via };
}

/**
 * What each role may do. `kill_engage` is wider than `kill_clear` on purpose: anyone who reviews
 * the work may stop it; only those who run it may start it again.
 */
export const PERMISSIONS = {
  read: ['admin', 'operator', 'reviewer', 'client_viewer'],
  act: ['admin', 'operator'],
  approve: ['admin', 'operator', 'reviewer'],
  kill_engage: ['admin', 'operator', 'reviewer'],
  kill_clear: ['admin', 'operator'],
  drift: ['admin', 'operator'],
  manage: ['admin'],
} as const satisfies Record<string, readonly ApiRole[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(principal: Principal, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly ApiRole[]).includes(principal.role);
}

export function demand(principal: Principal, permission: Permission): void {
  if (!can(principal, permission)) throw new ApiError(403, 'forbidden', `role ${principal.role} may not ${permission.replace('_', ' ')}`);
}

/** Whether the principal may see this client's resources at all. */
export function seesClient(principal: Principal, clientId: string): boolean {
  return principal.client_id === null || principal.client_id === clientId;
}

/**
 * A resource of a client the principal may not see answers exactly like one that does not
 * exist: 404, no data, the same message.
 */
export function visibleOr404<T extends { client_id: string }>(principal: Principal, resource: T | null | undefined, what: string, id: string): T {
  if (!resource || !seesClient(principal, resource.client_id)) throw new ApiError(404, 'not_found', `no ${what} ${id}`);
  return resource;
}

/** The client filter a listing must apply: the principal's own client, or the one asked for if visible. */
export function clientScope(principal: Principal, requested?: string): string | undefined {
  if (principal.client_id === null) return requested;
  if (requested !== undefined && requested !== principal.client_id) throw new ApiError(404, 'not_found', `no client ${requested}`);
  return principal.client_id;
}
