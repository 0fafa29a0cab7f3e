import { createServer, type Server } from 'node:http';
import { SEED_ACCOUNTS } from '../../sandbox/index.js';
import { derive, type ChaosAccount } from './schedule.js';

/**
 * The fault mix of `raize chaos`, one line per kind. A line either adds sandbox fault rules
 * (POST /__sandbox/faults: one rule per account, each with its own seeded stream, so an
 * account's faults depend on the seed and its own requests only), configures a sandbox
 * property through another admin route, or is carried out by the runner itself (kills).
 * A kind the running sandbox does not know (yet) is reported as unavailable, not fatal.
 */
export interface FaultLine {
  kind: string;
  /** Rules per account for POST /__sandbox/faults. */
  rules?: (a: ChaosAccount, seed: number) => Record<string, unknown>[];
  /** Another admin call (lag, webhook faults). */
  admin?: { path: string; body: (seed: number) => unknown };
  /** Carried out by the chaos runner, counted by it. */
  runner?: true;
}

const ui = (kind: string, extra: Record<string, unknown>) => (a: ChaosAccount, seed: number) =>
  [{ kind, platform: a.platform, account: a.user_id, lane: 'ui', seed: derive(seed, kind, a.user_id) | 0, ...extra }];

export const FAULT_TABLE: FaultLine[] = [
  // Before the commit: nothing applied.
  { kind: 'latency', rules: ui('latency', { rate: 0.1, ms: 300 }) },
  { kind: '5xx_before_commit', rules: ui('5xx_before_commit', { rate: 0.04 }) },
  { kind: 'rate_limit', rules: ui('rate_limit', { rate: 0.01, retry_after_s: 1 }) },
  { kind: 'action_blocked', rules: ui('action_blocked', { rate: 0.02 }) },
  { kind: 'checkpoint', rules: ui('checkpoint', { rate: 0.003 }) },
  { kind: 'session_expired', rules: ui('session_expired', { rate: 0.002 }) },
  // After the commit: applied, the answer lies or is lost.
  { kind: 'error_after_commit', rules: ui('error_after_commit', { rate: 0.04 }) },
  { kind: 'ack_lost', rules: ui('ack_lost', { rate: 0.03 }) },
  { kind: 'receipt_missing', rules: ui('receipt_missing', { rate: 0.06 }) },
  { kind: 'share_stays_enabled', rules: ui('share_stays_enabled', { rate: 0.15 }) },
  { kind: 'phantom_success', rules: ui('phantom_success', { rate: 0.03 }) },
  { kind: 'phantom_failure', rules: ui('phantom_failure', { rate: 0.03 }) },
  { kind: 'revert', rules: ui('revert', { rate: 0.03, ms: 500, jitter_ms: 2000 }) },
  // Whose account it is.
  { kind: 'wrong_account', rules: ui('wrong_account', { rate: 0.002 }) },
  { kind: 'account_switch', rules: (a, seed) => ui('account_switch', { count: 1, after: 40 + (derive(seed, 'switch-after', a.user_id) % 160) })(a, seed) },
  // Eventual consistency: every new object shows on list surfaces up to 1.7 s late, by id up to 0.8 s.
  { kind: 'lag', admin: { path: '/__sandbox/lag', body: (seed) => ({ lists: { baseMs: 200, jitterMs: 1500 }, permalink: { baseMs: 0, jitterMs: 800 }, api_get: { baseMs: 0, jitterMs: 800 }, seed: derive(seed, 'lag') | 0 }) } },
  // Webhooks: late, re-ordered, re-batched (delivered to a local receiver; the browser lane consumes none).
  { kind: 'webhook_delay', admin: { path: '/__sandbox/webhooks/faults', body: (seed) => ({ delay: { baseMs: 100, jitterMs: 900 }, batch_window_ms: 200, batch_max: 3, reorder: true, seed: derive(seed, 'webhooks') | 0 }) } },
  // The runner process itself dies mid-episode (SIGKILL) and a new one recovers.
  { kind: 'runner_kill', runner: true },
];

/** An API-lane rule for a business account (audience accounts hold no API token). */
const api = (kind: string, extra: Record<string, unknown> | ((a: ChaosAccount) => Record<string, unknown>)) => (a: ChaosAccount, seed: number) =>
  SEED_ACCOUNTS.some((s) => s.id === a.user_id && s.kind === 'business')
    ? [{ kind, platform: a.platform, account: a.user_id, lane: 'api', seed: derive(seed, 'api', kind, a.user_id) | 0, ...(typeof extra === 'function' ? extra(a) : extra) }]
    : [];

/** The API lane's fault mix, added when the run covers it (`--lanes …api`). */
export const API_FAULT_TABLE: FaultLine[] = [
  { kind: 'api_latency', rules: api('latency', { rate: 0.1, ms: 300 }) },
  { kind: 'api_5xx_before_commit', rules: api('5xx_before_commit', { rate: 0.04 }) },
  // Meta's user-level throttle (17: regain in a minute, no Retry-After); X's 429 with its reset.
  { kind: 'api_rate_limit', rules: api('rate_limit', (a) => (a.platform === 'instagram' ? { rate: 0.005, graph_code: 17, retry_after_s: 30 } : { rate: 0.01, retry_after_s: 2 })) },
  { kind: 'api_error_after_commit', rules: api('error_after_commit', { rate: 0.04 }) },
  { kind: 'api_ack_lost', rules: api('ack_lost', { rate: 0.03 }) },
  { kind: 'api_phantom_success', rules: api('phantom_success', { rate: 0.02 }) },
  { kind: 'api_phantom_failure', rules: api('phantom_failure', { rate: 0.02 }) },
  { kind: 'api_container_stuck', rules: (a, seed) => (a.platform === 'instagram' ? api('container_stuck', { rate: 0.03 })(a, seed) : []) },
  { kind: 'api_token_expired', rules: api('token_expired', { rate: 0.003 }) },
];

export interface AdminApi {
  (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

export function adminApi(adminUrl: string, token: string): AdminApi {
  return async (method, path, body) => {
    const res = await fetch(`${adminUrl}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = text;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json };
  };
}

/** Puts the fault mix in place; returns the kinds the sandbox refused (unknown to it). */
export async function installFaults(admin: AdminApi, accounts: ChaosAccount[], seed: number, apiLane = false): Promise<{ installed: string[]; unavailable: string[] }> {
  const installed: string[] = [];
  const unavailable: string[] = [];
  for (const line of [...FAULT_TABLE, ...(apiLane ? API_FAULT_TABLE : [])]) {
    if (line.runner) { installed.push(line.kind); continue; }
    const res = line.rules
      ? await admin('POST', '/__sandbox/faults', accounts.flatMap((a) => line.rules!(a, seed)))
      : await admin('POST', line.admin!.path, line.admin!.body(seed));
    (res.status < 300 ? installed : unavailable).push(line.kind);
  }
  return { installed, unavailable };
}

/** A loopback webhook receiver that answers the handshake and acknowledges every delivery. */
export async function webhookReceiver(admin: AdminApi): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') return void res.end(url.searchParams.get('hub.challenge') ?? '');
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await admin('POST', '/__sandbox/webhooks/subscribe', { callback_url: `http://127.0.0.1:${port}/hook`, verify_token: 'chaos-verify', app_secret: 'chaos-secret', echoes: true });
  return server;
}

/** How many of each fault fired: the sandbox's counter when it has one, else the rules' own tallies. */
export async function firedCounts(admin: AdminApi, own: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const counter = await admin('GET', '/__sandbox/faults/fired');
  if (counter.status === 200) {
    Object.assign(out, (counter.json as { counts: Record<string, number> }).counts);
  } else {
    const rules = await admin('GET', '/__sandbox/faults');
    for (const r of ((rules.json as { data?: { kind: string; fired: number }[] }).data ?? [])) out[r.kind] = (out[r.kind] ?? 0) + r.fired;
  }
  for (const [k, v] of Object.entries(own)) out[k] = (out[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v > 0).sort(([a], [b]) => a.localeCompare(b)));
}
