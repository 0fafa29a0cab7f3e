// One farm process of `raize chaos --farm`: `node --import tsx cli/chaos/farm-child.ts <host>`.
// The product's farm (serveFarm: Bree jobs, one runner per account, crash recovery in the
// sweep) on the browser lane (the parent's browser server) and the API lanes; it runs whatever
// the store says is due. It reports runner events on stdout, one JSON line each; the parent
// SIGKILLs it at seeded moments and starts another, or SIGTERMs it at the end.
import { resolveConfig } from '../../config/index.js';
import { createServices, launchBrowserProvider, registerApiLanes, serveFarm, strayRejectionHandler } from '../../runners/index.js';
import { createBrowserLane } from '../demo.js';

const host = Number(process.argv[2] ?? 0);
const origins = JSON.parse(process.env.RAIZE_CHAOS_ORIGINS ?? '{}') as { instagram: string; x: string };
const emit = (event: object) => process.stdout.write(`${JSON.stringify({ host, ...event })}\n`);

// The parent owns the sandbox and the browser: without it this farm has nothing to do.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1000).unref();
process.stdout.on('error', () => process.exit(1));

const config = resolveConfig();
const services = createServices(config, { log: { destination: process.stderr } });
// The parent's browser, or (several hosts) the remote browser servers of RAIZE_BROWSER_ENDPOINTS.
const provider = await launchBrowserProvider(config, process.env.RAIZE_CHAOS_WS ? { wsEndpoint: process.env.RAIZE_CHAOS_WS } : {});
const lane = createBrowserLane(services, provider, origins);
const apiLanes = registerApiLanes(services, { baseUrls: origins });
const exit = (code: number) => {
  void Promise.allSettled([apiLanes.close(), lane.close()]).finally(() => process.exit(code));
};
await serveFarm(services, {
  pacing: 'off',
  concurrency: Number(process.env.RAIZE_CHAOS_FARM_CONCURRENCY ?? 3),
  // Chaos runs at test speed: dispatch often, re-check unknown outcomes often.
  intervals: { dispatch: 500, sweep: 1000, expiry: 5000, checkpoint: 60_000, upkeep: 3_600_000 },
  graceMs: 60_000,
  onEvent: (event) => {
    emit(event);
    // A context left open by an action ended here is closed now, not at its idle timeout.
    if (event.ev === 'done') void lane.performer.dispose(event.action_id).catch(() => undefined);
  },
  exit,
});
// As `raize farm` does (cli/start.ts): a stray rejection of a browser call on a page that has gone
// (a browser server killed mid-episode) is logged, not fatal. Without it, the chaos run of seed 7
// (three hosts, PostgreSQL) lost its farm processes one by one when a browser server was killed,
// until the harness stopped restarting them.
process.on('unhandledRejection', strayRejectionHandler(services.logger, exit));
emit({ ev: 'ready', owner: services.kernel.ownerId, pid: process.pid });
