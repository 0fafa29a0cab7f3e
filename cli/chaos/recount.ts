// Re-counts a finished chaos run from what it left behind (plan.json, effects.json, the store):
// `node --import tsx cli/chaos/recount.ts $RAIZE_DATA_DIR/chaos/<run_id>`, with RAIZE_DATABASE_URL
// set for a run on PostgreSQL (else the run's SQLite file). Prints the counts and the findings.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyAuditChain } from '../../safety/index.js';
import { createPostgresStore, createSqliteStore } from '../../store/index.js';
import { budgetViolations, countEffects, splitUnknowns, type Effect } from './count.js';
import { budgetsOf, type Plan } from './schedule.js';

const dir = resolve(process.argv[2]!);
const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
const effects = JSON.parse(readFileSync(join(dir, 'effects.json'), 'utf8')) as Effect[];
const url = process.env.RAIZE_DATABASE_URL;
const store = url ? createPostgresStore({ url }) : createSqliteStore({ file: join(dir, '..', '..', 'raize.db') });
const actions = (await Promise.all(plan.accounts.map((a) => store.actions.list({ platform_account_id: a.id })))).flat();
const counts = countEffects(actions, plan.accounts, effects);
const unknown = await splitUnknowns(store, actions.filter((a) => a.state === 'unknown'), counts);
const budget = await budgetViolations(store, actions, budgetsOf(plan));
console.log(JSON.stringify({
  actions: actions.length, duplicates: counts.duplicates, lost: counts.lost, unexpected: counts.unexpected, wrong_account: counts.wrong_account,
  unknown_unresolved: unknown.unresolved.map((a) => `${a.action_id} ${a.platform} ${a.action_type}`), escalated: unknown.escalated.map((a) => `${a.action_id} ${a.platform} ${a.action_type}`),
  budget_violations: budget.violations, reverted: counts.reverted, audit_chain_ok: (await verifyAuditChain(store)).ok, findings: counts.findings,
}));
await store.close();
