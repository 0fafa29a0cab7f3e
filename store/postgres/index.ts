import type { Store } from '../ports.js';
import { Database, type PostgresOptions } from './database.js';
import { createAuditLog } from './audit.js';
import { createActionRepository } from './actions.js';
import { createAccountRepository, createClientRepository, createPolicyRepository } from './tenancy.js';
import { createBudgetRepository, createKillSwitchRepository } from './controls.js';
import { createLedger } from './ledger.js';
import { createSecretRepository } from './secrets.js';
import { createRunnerLeaseRepository } from './leases.js';
import { createApiTokenRepository, createConsoleSessionRepository } from './access.js';
import { createDmDecisionRepository, createDmEventRepository, createDmInboxRepository } from './dm.js';
import { createEpisodeRepository, createEscalationRepository, createOwnerRepository } from './work.js';

export type { PostgresOptions } from './database.js';
export { WRITER_ROLE } from './migrations.js';

/**
 * The shared store for several farm hosts: one PostgreSQL database, one connection pool per
 * call of this function. Returns at once; the schema is brought up to date in the background
 * and every method waits for that first (a failure there is what every call then rejects with).
 */
export function createPostgresStore(options: PostgresOptions): Store {
  const db = new Database(options);
  return {
    clients: createClientRepository(db),
    accounts: createAccountRepository(db),
    policies: createPolicyRepository(db),
    killSwitches: createKillSwitchRepository(db),
    episodes: createEpisodeRepository(db),
    actions: createActionRepository(db),
    ledger: createLedger(db),
    budgets: createBudgetRepository(db),
    audit: createAuditLog(db),
    escalations: createEscalationRepository(db),
    owners: createOwnerRepository(db),
    leases: createRunnerLeaseRepository(db),
    secrets: createSecretRepository(db),
    apiTokens: createApiTokenRepository(db),
    consoleSessions: createConsoleSessionRepository(db),
    dmInbox: createDmInboxRepository(db),
    dmEvents: createDmEventRepository(db),
    dmDecisions: createDmDecisionRepository(db),
    close: () => db.close(),
  };
}
