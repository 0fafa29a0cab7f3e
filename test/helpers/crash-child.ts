// A runner process that dies mid-action: it runs one action whose attempt writes the effect
// to a ground-truth file (when told to commit) and then hangs until the parent kills it.
import { appendFileSync } from 'node:fs';
import { resolveConfig } from '../../config/index.js';
import { createServices, PerformerRegistry } from '../../runners/index.js';
import { runAction, type Performer } from '../../safety/index.js';

const [dbFile, truthFile, actionId, mode] = process.argv.slice(2) as [string, string, string, 'commit' | 'before_commit' | 'precheck'];
const hang = () => new Promise<never>(() => setInterval(() => {}, 60_000));
const performer: Performer = {
  tool: 'connector',
  toolVersion: '1.0.0',
  async verifyIdentity() {
    return { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }] };
  },
  async precheck() {
    if (mode === 'precheck') {
      // Killed after the idempotency claim, before `attempted`.
      process.stdout.write('prechecking\n');
      return hang();
    }
    return { exists: false };
  },
  async attempt(ctx) {
    process.stdout.write('attempting\n');
    if (mode === 'before_commit') return hang();
    await ctx.beforeCommit();
    appendFileSync(truthFile, `${JSON.stringify({ payload_hash: ctx.action.payload_hash, object_id: 'obj_crash_1' })}\n`);
    process.stdout.write('committed\n');
    return hang();
  },
  async verify() {
    throw new Error('the child never gets this far');
  },
};
const performers = new PerformerRegistry().register('api', 'instagram', performer);
// The parent's store: RAIZE_DATABASE_URL when it runs on PostgreSQL, else the SQLite file given.
const databaseUrl = process.env.RAIZE_DATABASE_URL;
const services = createServices(resolveConfig({ dbFile, dataDir: process.cwd(), logLevel: 'silent', ...(databaseUrl ? { databaseUrl } : {}) }, {}), { performers });
await runAction(services.kernel, actionId);
