import { renderDriftReport } from '../../proofs/index.js';
import { ApiError } from '../errors.js';
import type { Principal } from '../auth/index.js';
import type { ApiRoutes } from '../http/index.js';
import type { RouteDeps } from './deps.js';

/** The report inlines its images and needs no script: nothing else may load. */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Drift is about the platforms' pages, across clients: only a token for every client sees it. */
export function demandAllClients(principal: Principal): void {
  if (principal.client_id !== null) throw new ApiError(404, 'not_found', 'no such resource');
}

export function registerDrift(routes: ApiRoutes, { services }: RouteDeps): void {
  routes.add({
    method: 'get', path: '/drift/report', tag: 'drift', permission: 'read', produces: 'text/html',
    summary: 'The visual drift report (baseline, current and diff of every drift record) as one HTML page',
    handler: async ({ res, principal }) => {
      demandAllClients(principal);
      const html = await renderDriftReport(services.config.dataDir);
      res.set('content-security-policy', REPORT_CSP).set('cache-control', 'no-store').type('html').send(html);
    },
  });
}
