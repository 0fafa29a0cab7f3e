import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { createServices } from '../runners/index.js';
import { recoverInterrupted, verifyAuditChain } from '../safety/index.js';
import { cliConfig } from './context.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('prepare the data dir and store, recover interrupted actions, and report the state of the farm')
    .action(async () => {
      const config = cliConfig();
      mkdirSync(config.dataDir, { recursive: true });
      const services = createServices(config);
      try {
        const recovery = await recoverInterrupted(services.kernel, { verify: false });
        const chain = await verifyAuditChain(services.store);
        const switches = (await services.store.killSwitches.list()).filter((s) => s.engaged);
        console.log(JSON.stringify({
          data_dir: config.dataDir,
          store: config.dbFile,
          audit_chain: chain.ok ? { ok: true, events: chain.count } : { ok: false, broken: chain.broken },
          recovered_to_unknown: recovery.recovered,
          kill_switches_engaged: switches.map((s) => `${s.scope}:${s.scope_id}`),
        }, null, 2));
      } finally {
        await services.close();
      }
    });
}
