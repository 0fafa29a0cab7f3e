import type { Command } from 'commander';
import { join } from 'node:path';
import { sandboxReadyLine, startSandbox } from '../sandbox/index.js';
import { cliConfig, UsageError } from './context.js';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('start the fake platforms (Instagram-like, X-like) on loopback; prints one JSON ready line')
    .option('--port <port>', 'admin API port (0 = a free port)', '8090')
    .option('--data-file <file>', 'lowdb JSON file of the simulated world (default: <data dir>/sandbox/world.json)')
    .option('--seed <n>', 'seed of the fault RNG streams')
    .option('--churn-seed <n>', 'seed of the harmless UI churn of the browser pages (default: RAIZE_SANDBOX_CHURN_SEED, else none)')
    .option('--locale <locale>', 'language of the browser pages: en or es (default: RAIZE_SANDBOX_LOCALE, else en)')
    .option('--tls', 'serve the platform origins over HTTPS with a local CA kept in <data dir>/sandbox/tls (its path is the ready line\'s "ca")')
    .action(async (options: { port: string; dataFile?: string; seed?: string; tls?: boolean; churnSeed?: string; locale?: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535 (got ${options.port})`);
      const seed = options.seed === undefined ? undefined : Number(options.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got ${options.seed})`);
      const churnSeed = options.churnSeed === undefined ? undefined : Number(options.churnSeed);
      if (churnSeed !== undefined && !Number.isInteger(churnSeed)) throw new UsageError(`--churn-seed must be an integer (got ${options.churnSeed})`);
      if (options.locale !== undefined && options.locale !== 'en' && options.locale !== 'es') throw new UsageError(`--locale must be en or es (got ${options.locale})`);
      const sandbox = await startSandbox({
        port,
        dataFile: options.dataFile ?? join(cliConfig().dataDir, 'sandbox', 'world.json'),
        ...(seed !== undefined ? { seed } : {}),
        ...(churnSeed !== undefined ? { churnSeed } : {}),
        ...(options.locale !== undefined ? { locale: options.locale as 'en' | 'es' } : {}),
        ...(options.tls ? { tls: { dir: join(cliConfig().dataDir, 'sandbox', 'tls') } } : {}),
      });
      process.stdout.write(`${sandboxReadyLine(sandbox)}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void sandbox.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
