import { z } from 'zod';
import { ApiRole, ApiTokenFields } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { createApiToken, publicToken, seesClient } from '../auth/index.js';
import type { ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

const PublicToken = ApiTokenFields.omit({ token_hash: true });

export function registerTokens(routes: ApiRoutes, { services }: RouteDeps): void {
  const { store } = services;

  routes.add({
    method: 'get', path: '/tokens', tag: 'tokens', permission: 'manage', summary: 'API tokens (never the token itself, nor its hash)',
    response: z.object({ items: z.array(PublicToken) }),
    handler: async ({ principal }) => ({
      items: (await store.apiTokens.list()).filter((t) => principal.client_id === null || t.client_id === principal.client_id).map(publicToken),
    }),
  });

  routes.add({
    method: 'post', path: '/tokens', tag: 'tokens', permission: 'manage', status: 201,
    summary: 'Create a token: the answer is the only time the token is shown',
    body: z.object({ name: z.string().trim().min(1).max(200), role: ApiRole, client_id: z.string().min(1).max(200).nullable().default(null) }).strict(),
    response: PublicToken.extend({ token: z.string() }),
    handler: async ({ principal, body }) => {
      // A token scoped to one client makes tokens for that client only.
      if (principal.client_id !== null && body.client_id !== principal.client_id) throw new ApiError(403, 'forbidden', 'a client-scoped admin creates tokens for its own client only');
      if (body.role === 'client_viewer' && body.client_id === null) throw new ApiError(400, 'invalid_request', 'body.client_id: a client_viewer token is scoped to one client', { field: 'body.client_id' });
      if (body.client_id !== null && !(await store.clients.get(body.client_id))) throw new ApiError(400, 'invalid_request', `body.client_id: no client ${body.client_id}`, { field: 'body.client_id' });
      const { token, record } = await createApiToken(store, { ...body, created_by: principal.name });
      return { ...publicToken(record), token };
    },
  });

  routes.add({
    method: 'delete', path: '/tokens/:token_id', tag: 'tokens', permission: 'manage', summary: 'Revoke a token (and end its console sessions)',
    params: z.object({ token_id: z.string().min(1).max(200) }), response: PublicToken,
    handler: async ({ principal, params }) => {
      const token = await store.apiTokens.get(params.token_id);
      if (!token || (token.client_id !== null && !seesClient(principal, token.client_id)) || (token.client_id === null && principal.client_id !== null)) {
        throw new ApiError(404, 'not_found', `no token ${params.token_id}`);
      }
      await store.apiTokens.revoke(token.token_id, new Date());
      return publicToken((await store.apiTokens.get(token.token_id))!);
    },
  });
}
