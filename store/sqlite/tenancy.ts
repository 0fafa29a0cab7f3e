import { newId } from '../ids.js';
import { Client, PlatformAccount, Policy } from '../records.js';
import type { AccountRepository, ClientRepository, PolicyRepository } from '../ports.js';
import { NotFoundError } from '../errors.js';
import { parseRecord } from '../parse.js';
import type { Db, GroupWriter } from './database.js';

export function createClientRepository(db: Db): ClientRepository {
  const insert = db.prepare('INSERT INTO clients (client_id, name, created_at) VALUES (@client_id, @name, @created_at)');
  const get = db.prepare<[string], Client>('SELECT client_id, name, created_at FROM clients WHERE client_id = ?');
  const list = db.prepare<[], Client>('SELECT client_id, name, created_at FROM clients ORDER BY created_at, client_id');
  return {
    async create(client) {
      const row = parseRecord(Client, 'Client', client);
      insert.run(row);
      return row;
    },
    async get(clientId) {
      return get.get(clientId) ?? null;
    },
    async list() {
      return list.all();
    },
  };
}

interface AccountRow {
  platform_account_id: string; client_id: string; platform: string; fingerprint_json: string; timezone: string;
  state: string; state_reason: string | null; session_ref: string | null; created_at: string; updated_at: string;
}

function toAccount(r: AccountRow): PlatformAccount {
  const { fingerprint_json, ...rest } = r;
  return { ...rest, fingerprint: JSON.parse(fingerprint_json) } as PlatformAccount;
}

export function createAccountRepository(db: Db): AccountRepository {
  const insert = db.prepare(`INSERT INTO platform_accounts (platform_account_id, client_id, platform, fingerprint_json, timezone,
    state, state_reason, session_ref, created_at, updated_at) VALUES (@platform_account_id, @client_id, @platform,
    @fingerprint_json, @timezone, @state, @state_reason, @session_ref, @created_at, @updated_at)`);
  const get = db.prepare<[string], AccountRow>('SELECT * FROM platform_accounts WHERE platform_account_id = ?');
  const setState = db.prepare('UPDATE platform_accounts SET state = ?, state_reason = ?, updated_at = ? WHERE platform_account_id = ?');
  const insertAuthFailure = db.prepare('INSERT INTO auth_failures (platform_account_id, at_ms, action_id) VALUES (?, ?, ?)');
  const countAuthFailures = db.prepare<[string, number, number], { n: number }>(
    'SELECT count(*) AS n FROM auth_failures WHERE platform_account_id = ? AND at_ms > ? AND at_ms <= ?');
  const recordAuthFailure = db.transaction((accountId: string, atMs: number, windowMs: number, actionId: string | null) => {
    insertAuthFailure.run(accountId, atMs, actionId);
    return countAuthFailures.get(accountId, atMs - windowMs, atMs)!.n;
  });
  return {
    async create(account) {
      const row = parseRecord(PlatformAccount, 'PlatformAccount', account);
      insert.run({ ...row, fingerprint_json: JSON.stringify(row.fingerprint) });
      return row;
    },
    async get(accountId) {
      const row = get.get(accountId);
      return row ? toAccount(row) : null;
    },
    async list(filter = {}) {
      const rows = filter.client_id
        ? db.prepare<[string], AccountRow>('SELECT * FROM platform_accounts WHERE client_id = ? ORDER BY created_at').all(filter.client_id)
        : db.prepare<[], AccountRow>('SELECT * FROM platform_accounts ORDER BY created_at').all();
      return rows.map(toAccount);
    },
    async setState(accountId, state, reason) {
      const info = setState.run(state, reason, new Date().toISOString(), accountId);
      if (info.changes !== 1) throw new NotFoundError('platform account', accountId);
      return toAccount(get.get(accountId)!);
    },
    async recordAuthFailure(accountId, failure) {
      if (!get.get(accountId)) throw new NotFoundError('platform account', accountId);
      return recordAuthFailure(accountId, failure.at.getTime(), failure.windowMs, failure.action_id ?? null);
    },
  };
}

export function createPolicyRepository(db: Db, writer: GroupWriter): PolicyRepository {
  const latest = db.prepare<[string], { policy_json: string; version: number }>('SELECT policy_json, version FROM policies WHERE client_id = ? ORDER BY version DESC LIMIT 1');
  const byId = db.prepare<[string], { policy_json: string }>('SELECT policy_json FROM policies WHERE policy_id = ?');
  const insert = db.prepare('INSERT INTO policies (policy_id, client_id, version, policy_json, created_at) VALUES (?, ?, ?, ?, ?)');
  return {
    async put(input) {
      return writer.write(() => {
        const version = (latest.get(input.client_id)?.version ?? 0) + 1;
        const policy = parseRecord(Policy, 'Policy', { ...input, policy_id: newId(), version, created_at: new Date().toISOString() });
        insert.run(policy.policy_id, policy.client_id, policy.version, JSON.stringify(policy), policy.created_at);
        return policy;
      });
    },
    async current(clientId) {
      const row = latest.get(clientId);
      return row ? (JSON.parse(row.policy_json) as Policy) : null;
    },
    async get(policyId) {
      const row = byId.get(policyId);
      return row ? (JSON.parse(row.policy_json) as Policy) : null;
    },
  };
}
