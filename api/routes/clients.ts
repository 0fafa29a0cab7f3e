import { z } from 'zod';
import { ActionType, Client, HybridRoute, newId, Platform, Policy } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { seesClient, visibleOr404 } from '../auth/index.js';
import type { ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

const ClientParams = z.object({ client_id: z.string().min(1).max(200) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24h)');

/** A policy as a caller writes it: the store adds its id, version, client, author and time. */
export const PolicyBody = z.object({
  autonomy: z.enum(['auto', 'manual']),
  allowed_actions: z.partialRecord(Platform, z.array(ActionType)),
  high_risk_actions: z.array(ActionType).default([]),
  quiet_hours: z.object({ start: hhmm, end: hhmm }).nullable().default(null),
  hybrid_routes: z.partialRecord(ActionType, HybridRoute).default({}),
  compliance: z.object({
    banned_terms: z.array(z.string().min(1).max(200)).max(500).default([]),
    allowed_flags: z.array(z.string().min(1).max(100)).max(100).default([]),
  }).default({ banned_terms: [], allowed_flags: [] }),
}).strict();

export function registerClients(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;

  routes.add({
    method: 'get', path: '/clients', tag: 'clients', permission: 'read', summary: 'The clients the caller may see',
    response: z.object({ items: z.array(Client) }),
    handler: async ({ principal }) => ({ items: (await store.clients.list()).filter((c) => seesClient(principal, c.client_id)) }),
  });

  routes.add({
    method: 'post', path: '/clients', tag: 'clients', permission: 'manage', summary: 'Create a client', status: 201,
    body: z.object({ client_id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, . _ -').optional(), name: z.string().trim().min(1).max(200) }).strict(),
    response: Client, errors: { 409: 'a client with this id exists' },
    handler: async ({ principal, body }) => {
      if (principal.client_id !== null) throw new ApiError(403, 'forbidden', 'a token scoped to one client cannot create clients');
      const client_id = body.client_id ?? newId();
      if (await store.clients.get(client_id)) throw new ApiError(409, 'conflict', `client ${client_id} exists`);
      return store.clients.create({ client_id, name: body.name, created_at: new Date().toISOString() });
    },
  });

  routes.add({
    method: 'get', path: '/clients/:client_id', tag: 'clients', permission: 'read', summary: 'One client',
    params: ClientParams, response: Client,
    handler: async ({ principal, params }) => visibleOr404(principal, await store.clients.get(params.client_id), 'client', params.client_id),
  });

  routes.add({
    method: 'get', path: '/clients/:client_id/policy', tag: 'clients', permission: 'read', summary: "The client's current policy (null when none)",
    params: ClientParams, response: z.object({ policy: Policy.nullable() }),
    handler: async ({ principal, params }) => {
      visibleOr404(principal, await store.clients.get(params.client_id), 'client', params.client_id);
      return { policy: await store.policies.current(params.client_id) };
    },
  });

  routes.add({
    method: 'put', path: '/clients/:client_id/policy', tag: 'clients', permission: 'manage',
    summary: "Replace the client's policy: a new immutable version (actions keep the snapshot they ran under)",
    params: ClientParams, body: PolicyBody, response: Policy,
    handler: async ({ principal, params, body }) => {
      visibleOr404(principal, await store.clients.get(params.client_id), 'client', params.client_id);
      return store.policies.put({ ...body, client_id: params.client_id, created_by: `api:${principal.name}` });
    },
  });
}
