// A farm process for the crash and SIGTERM tests: the product's serveFarm (Bree jobs, runners,
// signal handling) over a platform whose ground truth is a file outside the process. Each
// attempt writes its effect, says so on stdout, then holds its answer for HOLD_MS — the window
// in which a test kills the process after `attempted` and before the outcome.
// Usage: node --import tsx farm-child.ts <dataDir> <truthFile> <holdMs>
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { resolveConfig } from '../../config/index.js';
import { createServices, PerformerRegistry, serveFarm } from '../../runners/index.js';
import type { Performer } from '../../safety/index.js';

const [dataDir, truthFile, holdArg] = process.argv.slice(2) as [string, string, string];
// A test that failed or timed out leaves no farm behind: without its parent this process ends.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1000).unref();
const holdMs = Number(holdArg);
const say = (ev: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(ev)}\n`);
const effects = (): { payload_hash: string; object_id: string }[] =>
  existsSync(truthFile) ? readFileSync(truthFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

const performer: Performer = {
  tool: 'connector',
  toolVersion: '1.0.0',
  async verifyIdentity() {
    return { ok: true, signals: [{ name: 'handle', ok: true }, { name: 'avatar_or_name', ok: true }] };
  },
  async precheck(ctx) {
    const found = effects().find((e) => e.payload_hash === ctx.action.payload_hash);
    return found ? { exists: true, ref: { platform_object_id: found.object_id } } : { exists: false };
  },
  async attempt(ctx) {
    // When this process acted on which account (`<truth>.spans`): from the commit check it passed
    // to the attempt's end. The multi-host test checks that no two processes ever act on one
    // account at once. (An attempt refused at its commit check — its runner lease lost while this
    // process was frozen or starved — acted on nothing.)
    await ctx.beforeCommit();
    const span = { action_id: ctx.action.action_id, account: ctx.action.platform_account_id, pid: process.pid };
    appendFileSync(`${truthFile}.spans`, `${JSON.stringify({ ...span, ev: 'start', at: Date.now() })}\n`);
    try {
      const objectId = `obj_${ctx.action.action_id}`;
      appendFileSync(truthFile, `${JSON.stringify({ payload_hash: ctx.action.payload_hash, object_id: objectId, action_id: ctx.action.action_id, pid: process.pid })}\n`);
      say({ ev: 'committed', action_id: ctx.action.action_id });
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      return { platform_object_id: objectId, http_status: 200 };
    } finally {
      appendFileSync(`${truthFile}.spans`, `${JSON.stringify({ ...span, ev: 'end', at: Date.now() })}\n`);
    }
  },
  async verify(ctx) {
    // The truth file is the platform's whole record and each test payload is unique: a look at it
    // is precise, so an attempt killed before its effect can be proven absent (over the absence window).
    const found = effects().find((e) => e.payload_hash === ctx.action.payload_hash);
    return found ? { outcome: 'present', level: 2, precise: true, platform_object_id: found.object_id } : { outcome: 'absent', level: 2, precise: true };
  },
};

// Quiet unless RAIZE_TEST_FARM_LOG names a level: then the farm's log goes to stderr (stdout carries the events).
const config = resolveConfig({ dataDir, logLevel: (process.env.RAIZE_TEST_FARM_LOG as 'info' | undefined) ?? 'silent' });
const services = createServices(config, { performers: new PerformerRegistry().register('api', 'instagram', performer), log: { destination: process.stderr } });
await serveFarm(services, {
  concurrency: 2, pacing: 'off', graceMs: 20_000,
  intervals: { dispatch: 200, sweep: 300, expiry: 5_000, checkpoint: 60_000, upkeep: 60_000 }, jobs: ['dispatch', 'sweep'],
  onEvent: (event) => say(event),
});
say({ ev: 'ready', pid: process.pid });
