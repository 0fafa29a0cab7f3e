import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApi } from '../api/index.js';
import { createServices } from '../runners/index.js';
import { AnchorError, errorCode, recoverInterrupted, startCheckpointing, sweepUnknown, verifyAuditChain, type Checkpointing } from '../safety/index.js';
import { startSandbox, sandboxReadyLine } from '../sandbox/index.js';
import { cliConfig } from './context.js';
import { runDemoEpisodes, seedDemo, type DemoResult } from './demo.js';

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
    .description('data dir and store, the sandbox, a seeded demo agency, one episode of every flow through the kernel on the browser lane, and the API; stays up until Ctrl-C')
    .option('--no-demo', 'skip the demo episodes')
    .option('--exit', 'exit after the demo instead of staying up')
    .option('--sandbox-port <port>', 'admin port of the sandbox (0 = a free port)', '0')
    .action(async (options: StartOptions) => {
      const config = cliConfig();
      mkdirSync(config.dataDir, { recursive: true });
      // Structured logs on stderr; stdout carries the human summary.
      const services = createServices(config, { log: { destination: process.stderr } });
      // The demo world is eventually consistent, as the real platforms are: new objects reach the
      // listing surfaces 300–800 ms after they are applied, and their own URL first.
      const sandbox = await startSandbox({ port: Number(options.sandboxPort), dataFile: join(config.dataDir, 'sandbox', 'world.json'), lag: DEMO_LAG });
      const lane = await seedDemo(services, sandbox);
      let anchoring: Checkpointing | undefined;
      let sweeping: NodeJS.Timeout | undefined;
      const stop = async () => {
        anchoring?.stop();
        if (sweeping) clearInterval(sweeping);
        await lane.close().catch(() => undefined);
        await sandbox.close().catch(() => undefined);
        await services.close();
      };
      try {
        // Crash recovery first: anything a previous run left in `attempted` is verified, never re-run.
        const recovery = await recoverInterrupted(services.kernel);
        const chain = await verifyAuditChain(services.store);
        console.log(`store        ${config.dbFile}`);
        console.log(`audit chain  ${chain.ok ? `intact, ${chain.count} events` : `BROKEN at seq ${chain.broken.seq}: ${chain.broken.problem}`}`);
        // Signed checkpoints of the head: now, then every minute while the head moves.
        anchoring = await startCheckpointing(services.store, {
          dataDir: config.dataDir,
          onError: (error) => services.logger.warn({ code: errorCode(error), problem: error instanceof AnchorError ? error.message : undefined }, 'audit checkpoint failed'),
        }).catch((error: Error) => void console.log(`checkpoint   FAILED: ${error.message}`));
        if (anchoring) console.log(`checkpoint   seq ${anchoring.first.seq}, key ${anchoring.keyId}, in ${join(config.dataDir, 'audit-checkpoints.jsonl')}`);
        if (recovery.recovered.length > 0) console.log(`recovered    ${recovery.resolved.map((r) => `${r.action_id} → ${r.state}`).join(', ')}`);
        console.log(`sandbox      ${sandboxReadyLine(sandbox)}`);
        if (options.demo) printResults(config.dataDir, await runDemoEpisodes(services, lane));
        const after = await anchoring?.tick().catch(() => null);
        if (after) console.log(`\ncheckpoint   seq ${after.seq} (after the demo)`);
        const api = await startApi({ port: config.port, dataDir: config.dataDir });
        console.log(`\napi          ${api.url}/healthz · drift report ${api.url}/api/v1/drift/report`);
        console.log(`look around  ${sandbox.platforms.instagram}/accounts/login/ and ${sandbox.platforms.x}/login (northwind.bakery / northwindbakery-pass)`);
        if (options.exit) {
          await api.close();
          return;
        }
        // Invariant E "re-check later": unknown outcomes get read-only looks as their backoff comes due.
        let busy = false;
        sweeping = setInterval(() => {
          if (busy) return;
          busy = true;
          sweepUnknown(services.kernel)
            .then((r) => { if (r.settled.length || r.escalated.length) services.logger.info({ settled: r.settled.length, escalated: r.escalated.length }, 'verification sweep'); })
            .catch((error) => services.logger.warn({ code: errorCode(error) }, 'verification sweep failed'))
            .finally(() => (busy = false));
        }, Math.max(1000, config.verifyBaseMs));
        sweeping.unref();
        console.log('\nRunning. Ctrl-C to stop.');
        await new Promise<void>((done) => {
          const onSignal = () => void api.close().finally(done);
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
        });
      } finally {
        await stop();
      }
    });
}

function printResults(dataDir: string, results: DemoResult[]): void {
  console.log('\nDemo: one episode of every flow, through the kernel, on the browser lane; then one on the API lane and one on the hybrid lane');
  for (const r of results) {
    const a = r.outcome.action;
    const level = a.result.verification_level ?? '-';
    console.log(`\n  ${r.platform.padEnd(9)} ${r.action_type.padEnd(13)} ${r.outcome.status}${r.outcome.reason ? ` (${r.outcome.reason})` : ''} · verification level ${level} · lane ${r.lane}${a.result.permalink ? ` · ${a.result.permalink}` : ''}`);
    if (r.screenshots.length > 0) console.log(`    screenshots ${r.screenshots.length}, e.g. ${resolve(dataDir, r.screenshots[0]!)}`);
    for (const t of r.traces.slice(0, 1)) console.log(`    trace       npx playwright show-trace ${resolve(dataDir, t)}`);
  }
}
