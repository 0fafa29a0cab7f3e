import { randomUUID } from 'node:crypto';
import { createApiToken, startApi, type RunningApi } from '../../api/index.js';
import type { ConnectAccount } from '../../api/routes/deps.js';
import { resolveConfig, type ConfigOptions } from '../../config/index.js';
import { createServices, type Services } from '../../runners/index.js';
import type { ApiRole, Platform, PlatformAccount } from '../../store/index.js';
import { tempDir } from './kernel.js';
import { createDmService, type DmService } from '../../dm/index.js';

export interface Tenant {
  client_id: string;
  accounts: PlatformAccount[];
}

export interface ApiHarness {
  url: string;
  services: Services;
  dir: string;
  /** Every log line the API and the kernel wrote (canary checks). */
  logLines: string[];
  /** Two clients, each with an Instagram and an X account, and an `auto` policy allowing everything. */
  a: Tenant;
  b: Tenant;
  /** An unscoped admin token. */
  admin: string;
  /** The DM assistant behind /webhooks/meta and /console/dm. */
  dm: DmService;
  /** A token of this role, for every client (null) or one. */
  token(role: ApiRole, clientId?: string | null, name?: string): Promise<string>;
  /** fetch with the token as bearer and a JSON body; returns status, headers and the parsed body. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  config?: ConfigOptions;
  rateLimitPerMinute?: number;
  /** The browser lane's account connect (tests pass a fake). */
  connect?: ConnectAccount;
  /** The DM assistant's username read (the User Profile API; tests pass a fake). */
  readUsername?: (account: PlatformAccount, senderId: string) => Promise<string | null>;
  /**
   * Seal an API-lane token for each Instagram account, as connecting it to the app does (DM and
   * comment webhooks come only for such accounts, and their replies go out on the API lane).
   * @default false — the accounts are browser-lane only
   */
  igApiTokens?: boolean;
}

/** The real API on a real store in a temp dir, with two tenants: what every API test starts from. */
export async function startApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const dir = tempDir('raize-api-');
  const logLines: string[] = [];
  const config = resolveConfig({ dataDir: dir.path, logLevel: 'info', ...options.config }, {});
  const services = createServices(config, { log: { destination: { write: (line: string) => void logLines.push(line) } } });
  const tenant = async (name: string): Promise<Tenant> => {
    const client = await services.store.clients.create({ client_id: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}`, name, created_at: new Date().toISOString() });
    await services.store.policies.put({
      client_id: client.client_id, created_by: 'ops@agency', autonomy: 'auto',
      allowed_actions: { instagram: ['publish', 'dm_send', 'comment_reply', 'like', 'follow', 'edit', 'delete'], x: ['publish', 'dm_send', 'comment_reply', 'like', 'follow', 'edit', 'delete'] },
    });
    const accounts: PlatformAccount[] = [];
    for (const platform of ['instagram', 'x'] as Platform[]) {
      const now = new Date().toISOString();
      accounts.push(await services.store.accounts.create({
        platform_account_id: `${client.client_id}-${platform}`, client_id: client.client_id, platform,
        fingerprint: { platform_user_id: String(Math.floor(Math.random() * 1e15)), handle: `${name.toLowerCase()}.${platform}`, display_name: name, extra: {} },
        timezone: 'UTC', state: 'active', state_reason: null, session_ref: null, created_at: now, updated_at: now,
      }));
    }
    if (options.igApiTokens) {
      for (const acc of accounts) if (acc.platform === 'instagram') await services.vault.seal(acc.platform_account_id, 'access_token', `IGSBX-test-${acc.platform_account_id}`);
    }
    return { client_id: client.client_id, accounts };
  };
  const a = await tenant('Northwind');
  const b = await tenant('Lumen');
  const dm = createDmService({ store: services.store, dataDir: dir.path, ...(options.readUsername ? { readUsername: options.readUsername } : {}), log: (message, fields) => services.logger.info(fields, message) });
  const api: RunningApi = await startApi({
    services, port: 0, dm,
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
    ...(options.connect ? { connect: options.connect } : {}),
  });
  const token = async (role: ApiRole, clientId: string | null = null, name = `${role}-${randomUUID().slice(0, 6)}`) =>
    (await createApiToken(services.store, { name, role, client_id: clientId, created_by: 'test' })).token;
  const admin = await token('admin', null, 'admin');
  return {
    url: api.url, services, dir: dir.path, logLines, a, b, admin, token, dm,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${api.url}${path}`, { method, headers, ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}) });
      const text = await res.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* not JSON: the text */ }
      return { status: res.status, headers: res.headers, body };
    },
    async close() {
      await api.close();
      await dm.close();
      await services.close();
      dir.remove();
    },
  };
}
