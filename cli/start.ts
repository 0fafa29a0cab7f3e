import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApiToken, startApi } from '../api/index.js';
import { browserCommentReader, checkAnchorDrift, createServices, strayRejectionHandler, startFarm, startProgress, type Farm, type ProgressReporter } from '../runners/index.js';
import { createDmService } from '../dm/index.js';
import { sleep, verifyAuditChain } from '../safety/index.js';
import { startSandbox, sandboxReadyLine } from '../sandbox/index.js';
import { cliConfig } from './context.js';
import { browserConnect, DEMO_PACING, scheduleDemo, seedDemo, type DemoResult } from './demo.js';

/** Read-after-write lag of the `npm start` demo's sandbox (sandbox/README.md, "Eventual consistency"). */
export const DEMO_LAG = { byIdFirst: true, lists: { baseMs: 300, jitterMs: 500 } } as const;

interface StartOptions {
  demo: boolean;
  exit: boolean;
  sandboxPort: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('data dir and store, the sandbox, a seeded demo agency (two clients, accounts on both platforms), the farm with its Bree jobs running the demo\'s scheduled work through the kernel, the API and a live progress line; stays up until Ctrl-C')
    .option('--no-demo', 'seed the accounts but schedule no demo work')
    .option('--exit', 'once the demo\'s work has ended, print what each action did and exit (the schedule is compressed to seconds)')
    .option('--sandbox-port <port>', 'admin port of the sandbox (0 = a free port)', '0')
    .action(async (options: StartOptions) => {
      const config = cliConfig();
      mkdirSync(config.dataDir, { recursive: true });
      // Structured logs on stderr; stdout carries the human summary.
      const services = createServices(config, { log: { destination: process.stderr } });
      // A stray rejection from a browser call on a closed page is no reason to stop every episode.
      process.on('unhandledRejection', strayRejectionHandler(services.logger, (code) => process.exit(code)));
      // RAIZE_SANDBOX_CHURN_SEED and RAIZE_SANDBOX_LOCALE reach startSandbox through the environment.
      // The demo world is eventually consistent, as the real platforms are: new objects reach the
      // listing surfaces 300–800 ms after they are applied, and their own URL first.
      const sandbox = await startSandbox({ port: Number(options.sandboxPort), dataFile: join(config.dataDir, 'sandbox', 'world.json'), lag: DEMO_LAG });
      const lane = await seedDemo(services, sandbox);
      let farm: Farm | undefined;
      let progress: ProgressReporter | undefined;
      let api: Awaited<ReturnType<typeof startApi>> | undefined;
      const stop = async () => {
        // SIGTERM semantics: nothing new starts, the actions under way finish, then the rest closes.
        const ended = farm ? await farm.stop(60_000) : true;
        await progress?.stop();
        await api?.close().catch(() => undefined);
        await lane.close().catch(() => undefined);
        await sandbox.close().catch(() => undefined);
        await services.close();
        return ended;
      };
      try {
        const chain = await verifyAuditChain(services.store);
        console.log(`store        ${config.dbFile}`);
        console.log(`audit chain  ${chain.ok ? `intact, ${chain.count} events` : `BROKEN at seq ${chain.broken.seq}: ${chain.broken.problem}`}`);
        console.log(`sandbox      ${sandboxReadyLine(sandbox)}`);
        const plan = options.demo ? await scheduleDemo(services, options.exit ? 0.1 : 1) : undefined;
        if (plan) console.log(`demo         ${plan.actions.length} actions for 2 clients on 4 accounts, posts scheduled over the next ${options.exit ? 'seconds' : 'minutes'}`);
        // The farm: Bree's jobs (dispatch, verification sweep with crash recovery first, expiry,
        // audit checkpoints, budget upkeep) and one runner per account, paced like a person.
        // The DM assistant: the API's webhook receiver feeds it; the farm's `comments` job polls
        // the engage loop's comments read-only where webhooks are missing.
        const dm = createDmService({ store: services.store, dataDir: config.dataDir, readUsername: lane.readUsername, log: (message, fields) => services.logger.info(fields, message) });
        farm = await startFarm(services, {
          pacing: DEMO_PACING, intervals: { checkpoint: 60_000, comments: config.commentPollMs },
          driftCheck: () => checkAnchorDrift(services.store, lane.performer),
          commentPoll: () => dm.pollComments({ api: lane.readComments, browser: browserCommentReader(services.store, lane.performer) }),
          approvalUpkeep: () => dm.reopenStopped(),
        });
        console.log(`farm         up to ${farm.pool.governor.max} runners · jobs dispatch, sweep, drift, expiry, checkpoint, upkeep, comments · checkpoints in ${join(config.dataDir, 'audit-checkpoints.jsonl')}`);
        api = await startApi({ services, port: config.port, dm, connect: browserConnect(services, lane.provider, sandbox.platforms) });
        // The demo's admin: a fresh token each start (the store keeps only its hash).
        const admin = await createApiToken(services.store, { name: 'demo-admin', role: 'admin', client_id: null, created_by: 'npm start' });
        console.log(`api          ${api.url}/api/v1/ (openapi.json) · /healthz · /metrics`);
        console.log(`console      ${api.url}/console/login  (paste the admin token; it is shown only here, the store keeps its hash)`);
        console.log(`admin token  ${admin.token}   (curl -H "Authorization: Bearer $TOKEN" ${api.url}/api/v1/clients)`);
        console.log(`look around  ${sandbox.platforms.instagram}/accounts/login/ and ${sandbox.platforms.x}/login (northwind.bakery / northwindbakery-pass)`);
        progress = startProgress(services.store, options.exit ? { tty: false, logEveryMs: 5_000 } : {});
        if (options.exit) {
          if (plan) {
            while (!(await plan.tick())) await sleep(500);
            await progress.stop();
            progress = undefined;
            printResults(config.dataDir, await plan.results());
          }
          return;
        }
        console.log('\nRunning. Ctrl-C to stop (the actions under way finish first).');
        await new Promise<void>((done) => {
          const follow = setInterval(() => void plan?.tick().catch(() => undefined), 1000);
          const onSignal = () => {
            clearInterval(follow);
            done();
          };
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
        });
      } finally {
        const ended = await stop();
        if (!ended) process.exitCode = 1;
      }
    });
}

function printResults(dataDir: string, results: DemoResult[]): void {
  console.log('\nDemo: every action the farm ran (one episode of every flow on the browser lane, then the API and hybrid lanes, then the second client)');
  for (const r of results) {
    const a = r.action;
    const level = a.result.verification_level ?? '-';
    console.log(`\n  ${r.platform.padEnd(9)} ${r.action_type.padEnd(13)} ${r.status}${r.reason ? ` (${r.reason})` : ''} · verification level ${level} · lane ${r.lane} · ${r.client}${a.due_at ? ` · due ${a.due_at}` : ''}${a.result.permalink ? ` · ${a.result.permalink}` : ''}`);
    if (r.screenshots.length > 0) console.log(`    screenshots ${r.screenshots.length}, e.g. ${resolve(dataDir, r.screenshots[0]!)}`);
    for (const t of r.traces.slice(0, 1)) console.log(`    trace       npx playwright show-trace ${resolve(dataDir, t)}`);
  }
}
