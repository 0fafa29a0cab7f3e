import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { registerAudit } from './audit.js';
import { registerKill } from './kill.js';
import { registerStart } from './start.js';
import { registerBench } from './bench.js';
import { registerSandbox } from './sandbox.js';
import { registerBrowserServer } from './browser-server.js';
import { registerDrift } from './drift.js';
import { registerChaos } from './chaos.js';
import { registerActions } from './actions.js';
import { registerSchedule } from './schedule.js';
import { registerToken } from './token.js';
import { registerDm } from './dm.js';
import { registerBundle } from './bundle.js';
import { registerAnnex } from './annex.js';
import { UsageError } from './context.js';

export function buildProgram(): Command {
  const program = new Command('raize')
    .description('Raize: a runner farm whose every side effect passes through one safety kernel')
    .showHelpAfterError()
    .exitOverride();
  registerStart(program);
  registerAudit(program);
  registerKill(program);
  registerBench(program);
  registerSandbox(program);
  registerBrowserServer(program);
  registerDrift(program);
  registerChaos(program);
  registerActions(program);
  registerSchedule(program);
  registerToken(program);
  registerDm(program);
  registerBundle(program);
  registerAnnex(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(`raize: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
