import type { Store } from '../ports.js';
import { GroupWriter, openDatabase, type SqliteOptions } from './database.js';
import { createAuditLog, makeAppender } from './audit.js';
import { createActionRepository } from './actions.js';
import { createAccountRepository, createClientRepository, createPolicyRepository } from './tenancy.js';
import { createBudgetRepository, createKillSwitchRepository, makeReserver } from './controls.js';
import { createLedger } from './ledger.js';
import { createSecretRepository } from './secrets.js';
import { createRunnerLeaseRepository } from './leases.js';
import { createApiTokenRepository, createConsoleSessionRepository } from './access.js';
import { createDmDecisionRepository, createDmEventRepository, createDmInboxRepository } from './dm.js';
import { createEpisodeRepository, createEscalationRepository, createOwnerRepository } from './work.js';

export type { SqliteOptions } from './database.js';

/** The embedded store: one SQLite file, one connection per call of this function. */
export function createSqliteStore(options: SqliteOptions): Store {
  const db = openDatabase(options);
  const writer = new GroupWriter(db);
  const append = makeAppender(db, writer);
  const reserve = makeReserver(db);
  return {
    clients: createClientRepository(db),
    accounts: createAccountRepository(db),
    policies: createPolicyRepository(db, writer),
    killSwitches: createKillSwitchRepository(db),
    episodes: createEpisodeRepository(db),
    actions: createActionRepository(db, writer, append, reserve),
    ledger: createLedger(db, writer),
    budgets: createBudgetRepository(db, writer, reserve),
    audit: createAuditLog(db, writer, append),
    escalations: createEscalationRepository(db),
    owners: createOwnerRepository(db),
    leases: createRunnerLeaseRepository(db),
    secrets: createSecretRepository(db),
    apiTokens: createApiTokenRepository(db),
    consoleSessions: createConsoleSessionRepository(db),
    dmInbox: createDmInboxRepository(db),
    dmEvents: createDmEventRepository(db),
    dmDecisions: createDmDecisionRepository(db),
    async close() {
      await writer.drain();
      if (db.open) db.close();
    },
  };
}
