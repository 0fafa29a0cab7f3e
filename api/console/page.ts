import type { DmService } from '../../dm/index.js';
import type { Request, Response } from 'express';
import type { Services } from '../../runners/index.js';
import { can, type Csrf, type Permission, type Principal } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { html, type Html, type Part } from './html.js';

/** What every console page gets: the product's services and the app's CSRF protection. */
export interface ConsoleDeps {
  services: Services;
  csrf: Csrf;
  /** The DM assistant whose queue /console/dm shows. */
  dm?: DmService;
}

/** The console lives here; every link and redirect is built from it. */
export const BASE = '/console';
/** JSON and file routes the pages link to (the session cookie authenticates them). */
export const API = '/api/v1';

/** One request's view of the caller: who, what they may do, and the CSRF token for its forms. */
export interface Page {
  req: Request;
  res: Response;
  principal: Principal;
  /** The token every form of the page carries as `_csrf`. */
  csrf: string;
  can(permission: Permission): boolean;
  /** A form that POSTs with the page's CSRF token. */
  form(action: string, body: Part, options?: { label?: string; className?: string }): Html;
}

export function pageOf(deps: ConsoleDeps, req: Request, res: Response): Page {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new ApiError(401, 'unauthorized', 'log in first');
  const csrf = deps.csrf.token(req, res);
  return {
    req, res, principal, csrf,
    can: (permission) => can(principal, permission),
    form: (action, body, options = {}) => html`<form method="post" action="${action}"${options.className ? html` class="${options.className}"` : ''}${options.label ? html` aria-label="${options.label}"` : ''}><input type="hidden" name="_csrf" value="${csrf}">${body}</form>`,
  };
}

type NavKey = 'dashboard' | 'schedule' | 'approvals' | 'episodes' | 'dm' | 'drift' | 'none';

const NAV: { key: NavKey; href: string; label: string; unscopedOnly?: boolean }[] = [
  { key: 'dashboard', href: `${BASE}/`, label: 'Dashboard' },
  { key: 'schedule', href: `${BASE}/schedule`, label: 'Schedule' },
  { key: 'approvals', href: `${BASE}/approvals`, label: 'Approvals' },
  { key: 'episodes', href: `${BASE}/episodes`, label: 'Episodes' },
  { key: 'dm', href: `${BASE}/dm`, label: 'DM queue' },
  { key: 'drift', href: `${BASE}/drift`, label: 'Drift', unscopedOnly: true },
];

/** Notices a redirect after a successful form may name (`?notice=`): fixed texts, nothing reflected. */
const NOTICES: Record<string, string> = {
  kill_engaged: 'Kill switch tripped: no side effect it covers will run until it is cleared.',
  kill_released: 'Kill switch cleared: due work it held will run again.',
  account_cleared: 'Account cleared: it is active again.',
  cancelled: 'Action cancelled before it ran.',
  approved: 'Approved: it will run when due.',
  drift_promoted: 'Drift record promoted: its screenshot is now the confirmed baseline.',
  drift_rejected: 'Drift record rejected: the baseline is unchanged and the surface stays blocked.',
  dm_approved: 'Reply approved: it goes out as a dm_send action through the kernel (kill switches, pacing and approvals apply).',
  dm_rejected: 'Draft rejected: nothing will be sent.',
};

export interface LayoutOptions {
  title: string;
  nav: NavKey;
  body: Part;
  /** The caller, when logged in: the navigation and the log-out button. */
  page?: Page;
  /** A problem to show above the content (role=alert). */
  error?: string;
}

export function layout(options: LayoutOptions): Html {
  const { page } = options;
  const notice = page ? NOTICES[String(page.req.query.notice ?? '')] : undefined;
  const scope = page ? (page.principal.client_id === null ? 'all clients' : `client ${page.principal.client_id}`) : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Raize console</title>
<link rel="stylesheet" href="${BASE}/static/console.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${BASE}/">Raize</a>
  ${page ? html`<nav aria-label="Console">
    <ul>${NAV.filter((n) => !n.unscopedOnly || page.principal.client_id === null).map((n) => html`<li><a href="${n.href}"${n.key === options.nav ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul>
  </nav>
  <div class="who">
    <span>${page.principal.name} <span class="muted">(${page.principal.role}, ${scope})</span></span>
    ${page.form(`${BASE}/logout`, html`<button type="submit" class="link-button">Log out</button>`, { className: 'inline' })}
  </div>` : ''}
</header>
<main id="main" tabindex="-1">
<h1>${options.title}</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
${options.body}
</main>
</body>
</html>
`;
}

/** Sends a page: HTML, never cached (it shows live state and carries a CSRF token). */
export function send(res: Response, page: Html, status = 200): void {
  res.status(status).set('cache-control', 'no-store').type('html').send(page.value);
}

/** After a successful form: back to a console page with a fixed notice (POST → 303 → GET). */
export function redirectWith(res: Response, path: string, notice: keyof typeof NOTICES | string): void {
  const sep = path.includes('?') ? '&' : '?';
  res.redirect(303, `${path}${sep}notice=${encodeURIComponent(notice)}`);
}

/** A form field's value as one trimmed string ('' when missing or repeated oddly). */
export function field(body: unknown, name: string, max = 1000): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string') return '';
  const trimmed = value.trim();
  if (trimmed.length > max) throw new ApiError(400, 'invalid_request', `${name}: at most ${max} characters`);
  return trimmed;
}

/** A query parameter as one string, or undefined. */
export function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
