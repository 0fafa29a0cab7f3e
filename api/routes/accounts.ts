import { z } from 'zod';
import { AccountState, ActionType, Budget, Platform, PlatformAccount } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { clientScope, visibleAccount } from '../auth/index.js';
import { decodeCursor, pageOf, PageQuery, RowCursor, type ApiRoutes } from '../http/index.js';
import type { ConnectAccountInput, RouteDeps } from './deps.js';

const HOUR = 3_600_000;
const id = z.string().min(1).max(200);
const AccountParams = z.object({ account_id: id });

/** An account as the API shows it: never its session pointer, never a credential. */
export const AccountView = PlatformAccount.omit({ session_ref: true }).extend({
  /** Whether a browser session is stored for it (the session itself never leaves the farm). */
  has_session: z.boolean(),
});
export type AccountView = z.infer<typeof AccountView>;

export function accountView({ session_ref, ...rest }: PlatformAccount): AccountView {
  return { ...rest, has_session: session_ref !== null };
}

const StateBody = z.object({
  state: AccountState,
  reason: z.string().trim().max(400).optional(),
}).strict().superRefine((b, ctx) => {
  if (b.state !== 'active' && !b.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: `a reason is required to put an account in ${b.state}` });
});

const ConnectBody = z.object({
  client_id: id,
  platform: Platform,
  handle: z.string().trim().min(1).max(100),
  // Used once by the login flow: never stored, logged or echoed.
  password: z.string().min(1).max(1000),
  timezone: PlatformAccount.shape.timezone,
}).strict();

const BudgetBody = z.array(z.object({
  action_type: z.union([ActionType, z.literal('*')]),
  per_hour: z.number().int().min(0).max(10_000).nullable(),
  per_day: z.number().int().min(0).max(100_000).nullable(),
  min_spacing_ms: z.number().int().min(0).max(7 * 24 * HOUR).default(0),
}).strict())
  // The farm's upkeep job gives an account without budgets the platform's defaults back: an empty list would not stick.
  .min(1, 'at least one budget (an account without any gets the platform defaults again; to lift a cap, send it as null)')
  .max(ActionType.options.length + 1).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((b, i) => {
    if (seen.has(b.action_type)) ctx.addIssue({ code: 'custom', path: [i, 'action_type'], message: `${b.action_type} is listed twice` });
    seen.add(b.action_type);
  });
});

const PacingHour = z.object({
  /** Start of the hour (UTC). */
  hour: z.string(),
  total: z.number().int(),
  by_type: z.record(z.string(), z.number().int()),
});

export function registerAccounts(routes: ApiRoutes, { services, connect }: RouteDeps): void {
  const { store } = services;

  routes.add({
    method: 'get', path: '/accounts', tag: 'accounts', permission: 'read',
    summary: 'Platform accounts the caller may see, oldest first (filters: client_id, platform, state)',
    query: PageQuery.extend({ client_id: id.optional(), platform: Platform.optional(), state: AccountState.optional() }).strict(),
    response: z.object({ items: z.array(AccountView), next_cursor: z.string().nullable() }),
    handler: async ({ principal, query }) => {
      const clientId = clientScope(principal, query.client_id);
      const after = decodeCursor(RowCursor, query.cursor);
      // An agency has hundreds of accounts, not millions: filtered and paged here.
      const rows = (await store.accounts.list(clientId !== undefined ? { client_id: clientId } : {}))
        .filter((a) => (query.platform === undefined || a.platform === query.platform) && (query.state === undefined || a.state === query.state))
        .sort((x, y) => x.created_at.localeCompare(y.created_at) || x.platform_account_id.localeCompare(y.platform_account_id))
        .filter((a) => !after || a.created_at > after.created_at || (a.created_at === after.created_at && a.platform_account_id > after.id));
      return pageOf(rows.slice(0, query.limit + 1), query.limit, (a) => ({ created_at: a.created_at, id: a.platform_account_id }), accountView);
    },
  });

  routes.add({
    method: 'post', path: '/accounts', tag: 'accounts', permission: 'act', status: 201,
    summary: "Connect an account through the lane's login and identity flow (the fingerprint comes from the platform; the password is used once, never kept)",
    body: ConnectBody, response: AccountView,
    errors: { 409: 'the client already has this account', 502: 'the login did not complete', 503: 'the API runs without a browser lane' },
    handler: async ({ principal, body }) => {
      clientScope(principal, body.client_id);
      if (!(await store.clients.get(body.client_id))) throw new ApiError(404, 'not_found', `no client ${body.client_id}`);
      if (!connect) throw new ApiError(503, 'connect_unavailable', 'this API runs without a browser lane: accounts cannot be connected here');
      const handle = body.handle.replace(/^@/, '');
      // Handles are case-insensitive on the platforms.
      const existing = (await store.accounts.list({ client_id: body.client_id }))
        .find((a) => a.platform === body.platform && a.fingerprint.handle.toLowerCase() === handle.toLowerCase());
      if (existing) throw new ApiError(409, 'conflict', `client ${body.client_id} already has ${body.platform} account @${handle} (${existing.platform_account_id})`);
      const input: ConnectAccountInput = { client_id: body.client_id, platform: body.platform, handle, password: body.password, timezone: body.timezone };
      let account: PlatformAccount;
      try {
        account = await connect(input);
      } catch (error) {
        if (error instanceof ApiError) throw error;
        // Only the error's code: a login flow's message could quote what was typed.
        const code = String((error as { code?: unknown })?.code ?? (error as Error)?.name ?? 'error');
        services.logger.warn({ client_id: body.client_id, platform: body.platform, handle, code }, 'account connect failed');
        throw new ApiError(502, 'connect_failed', `the ${body.platform} login for @${handle} did not complete (${code})`, { reason: code });
      }
      services.logger.info({ client_id: account.client_id, platform_account_id: account.platform_account_id, platform: account.platform, by: principal.name }, 'account connected');
      return accountView(account);
    },
  });

  routes.add({
    method: 'get', path: '/accounts/:account_id', tag: 'accounts', permission: 'read',
    summary: 'One platform account (its state and why; whether a session is stored, never the session)',
    params: AccountParams, response: AccountView,
    handler: async ({ principal, params }) => accountView(await visibleAccount(store, principal, params.account_id)),
  });

  routes.add({
    method: 'post', path: '/accounts/:account_id/state', tag: 'accounts', permission: 'act',
    summary: 'Clear a degraded account (read_only, needs_human, reconnect_required) back to active, or degrade one, with a reason; records who',
    params: AccountParams, body: StateBody, response: AccountView,
    errors: { 409: 'the account is already in that state' },
    handler: async ({ principal, params, body }) => {
      const account = await visibleAccount(store, principal, params.account_id);
      if (account.state === body.state) throw new ApiError(409, 'conflict', `account ${account.platform_account_id} is already ${body.state}`);
      const reason = body.state === 'active'
        ? `cleared from ${account.state} by ${principal.name}${body.reason ? `: ${body.reason}` : ''}`
        : `${body.reason} (set by ${principal.name})`;
      const updated = await store.accounts.setState(account.platform_account_id, body.state, reason);
      services.logger.info({ platform_account_id: account.platform_account_id, client_id: account.client_id, from: account.state, to: body.state, by: principal.name }, 'account state set');
      return accountView(updated);
    },
  });

  routes.add({
    method: 'get', path: '/accounts/:account_id/budgets', tag: 'accounts', permission: 'read',
    summary: "The account's pacing budgets (per action type, or * for all side effects)",
    params: AccountParams, response: z.object({ items: z.array(Budget) }),
    handler: async ({ principal, params }) => {
      const account = await visibleAccount(store, principal, params.account_id);
      return { items: await store.budgets.list(account.platform_account_id) };
    },
  });

  routes.add({
    method: 'put', path: '/accounts/:account_id/budgets', tag: 'accounts', permission: 'act',
    summary: "Replace the account's budgets as a whole: hourly and daily caps (null: none) and minimum spacing per action type (or * for all side effects); at least one",
    params: AccountParams, body: BudgetBody, response: z.object({ items: z.array(Budget) }),
    handler: async ({ principal, params, body }) => {
      const account = await visibleAccount(store, principal, params.account_id);
      const items = await store.budgets.replace(account.platform_account_id, body.map((b) => ({ ...b, platform_account_id: account.platform_account_id })));
      services.logger.info({ platform_account_id: account.platform_account_id, client_id: account.client_id, budgets: items.length, by: principal.name }, 'account budgets replaced');
      return { items };
    },
  });

  routes.add({
    method: 'get', path: '/accounts/:account_id/pacing', tag: 'accounts', permission: 'read',
    summary: 'Side effects per hour over the last N days (budget uses, by action type) with the caps: the pacing chart',
    params: AccountParams,
    query: z.object({ days: z.coerce.number().int().min(1).max(31).default(7) }).strict(),
    response: z.object({ platform_account_id: z.string(), from: z.string(), to: z.string(), hours: z.array(PacingHour), caps: z.array(Budget) }),
    handler: async ({ principal, params, query }) => {
      const account = await visibleAccount(store, principal, params.account_id);
      // Whole hours: the current one included, so the chart ends now.
      const to = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
      const from = to - query.days * 24 * HOUR;
      const hours = Array.from({ length: query.days * 24 }, (_, i) => ({ hour: new Date(from + i * HOUR).toISOString(), total: 0, by_type: {} as Record<string, number> }));
      for (const use of await store.budgets.uses(account.platform_account_id, new Date(from), new Date(to))) {
        const slot = hours[Math.floor((Date.parse(use.at) - from) / HOUR)];
        if (!slot) continue;
        slot.total += 1;
        slot.by_type[use.action_type] = (slot.by_type[use.action_type] ?? 0) + 1;
      }
      return {
        platform_account_id: account.platform_account_id, from: new Date(from).toISOString(), to: new Date(to).toISOString(),
        hours, caps: await store.budgets.list(account.platform_account_id),
      };
    },
  });
}
