import { newId } from '../ids.js';
import { Client, PlatformAccount, Policy } from '../records.js';
import type { AccountRepository, ClientRepository, PolicyRepository } from '../ports.js';
import { NotFoundError } from '../errors.js';
import { parseRecord } from '../parse.js';
import type { Database } from './database.js';
import { LOCK } from './locks.js';

export function createClientRepository(db: Database): ClientRepository {
  return {
    async create(client) {
      const row = parseRecord(Client, 'Client', client);
      await db.run('INSERT INTO clients (client_id, name, created_at) VALUES ($1, $2, $3)', [row.client_id, row.name, row.created_at]);
      return row;
    },
    async get(clientId) {
      return (await db.row<Client>('SELECT client_id, name, created_at FROM clients WHERE client_id = $1', [clientId])) ?? null;
    },
    async list() {
      return db.rows<Client>('SELECT client_id, name, created_at FROM clients ORDER BY created_at, client_id');
    },
  };
}

const ACCOUNT = 'platform_account_id, client_id, platform, fingerprint, timezone, state, state_reason, session_ref, created_at, updated_at';

export function createAccountRepository(db: Database): AccountRepository {
  const get = (accountId: string) => db.row<PlatformAccount>(`SELECT ${ACCOUNT} FROM platform_accounts WHERE platform_account_id = $1`, [accountId]);
  return {
    async create(account) {
      const row = parseRecord(PlatformAccount, 'PlatformAccount', account);
      await db.run(`INSERT INTO platform_accounts (${ACCOUNT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
        row.platform_account_id, row.client_id, row.platform, JSON.stringify(row.fingerprint), row.timezone,
        row.state, row.state_reason, row.session_ref, row.created_at, row.updated_at,
      ]);
      return row;
    },
    async get(accountId) {
      return (await get(accountId)) ?? null;
    },
    async list(filter = {}) {
      // row_no: accounts created in the same millisecond come in the order they were created.
      return filter.client_id
        ? db.rows<PlatformAccount>(`SELECT ${ACCOUNT} FROM platform_accounts WHERE client_id = $1 ORDER BY created_at, row_no`, [filter.client_id])
        : db.rows<PlatformAccount>(`SELECT ${ACCOUNT} FROM platform_accounts ORDER BY created_at, row_no`);
    },
    async setState(accountId, state, reason) {
      const row = await db.row<PlatformAccount>(`UPDATE platform_accounts SET state = $1, state_reason = $2, updated_at = $3
        WHERE platform_account_id = $4 RETURNING ${ACCOUNT}`, [state, reason, new Date().toISOString(), accountId]);
      if (!row) throw new NotFoundError('platform account', accountId);
      return row;
    },
    async recordAuthFailure(accountId, failure) {
      return db.tx(async (sql) => {
        if (!(await sql.row('SELECT 1 FROM platform_accounts WHERE platform_account_id = $1', [accountId]))) throw new NotFoundError('platform account', accountId);
        const at = failure.at.getTime();
        await sql.run('INSERT INTO auth_failures (platform_account_id, at, action_id) VALUES ($1, $2, $3)', [accountId, failure.at.toISOString(), failure.action_id ?? null]);
        const counted = await sql.row<{ n: number }>('SELECT count(*) AS n FROM auth_failures WHERE platform_account_id = $1 AND at > $2 AND at <= $3',
          [accountId, new Date(at - failure.windowMs).toISOString(), failure.at.toISOString()]);
        return counted!.n;
      });
    },
  };
}

export function createPolicyRepository(db: Database): PolicyRepository {
  return {
    async put(input) {
      return db.tx(async (sql) => {
        // Versions of one client are numbered one after the other: two hosts saving at once queue here.
        await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.policyVersions, input.client_id]);
        const latest = await sql.row<{ version: number }>('SELECT version FROM policies WHERE client_id = $1 ORDER BY version DESC LIMIT 1', [input.client_id]);
        const policy = parseRecord(Policy, 'Policy', { ...input, policy_id: newId(), version: (latest?.version ?? 0) + 1, created_at: new Date().toISOString() });
        await sql.run('INSERT INTO policies (policy_id, client_id, version, policy, created_at) VALUES ($1, $2, $3, $4, $5)',
          [policy.policy_id, policy.client_id, policy.version, JSON.stringify(policy), policy.created_at]);
        return policy;
      });
    },
    async current(clientId) {
      return (await db.row<{ policy: Policy }>('SELECT policy FROM policies WHERE client_id = $1 ORDER BY version DESC LIMIT 1', [clientId]))?.policy ?? null;
    },
    async get(policyId) {
      return (await db.row<{ policy: Policy }>('SELECT policy FROM policies WHERE policy_id = $1', [policyId]))?.policy ?? null;
    },
  };
}
