import type { Command } from 'commander';
import { serveBrowser } from '../runners/index.js';
import { cliConfig, UsageError } from './context.js';

export function registerBrowserServer(program: Command): void {
  program
    .command('browser-server')
    .description('serve a browser for farms on other hosts; prints one JSON line {"ws": URL} — the URL (a secret: its path is the token) goes in their RAIZE_BROWSER_ENDPOINTS')
    .requiredOption('--port <port>', 'port to listen on (0 = a free port)')
    .option('--host <host>', 'interface to listen on: keep loopback and reach it through a tunnel or a private network', '127.0.0.1')
    .action(async (options: { port: string; host: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535 (got ${options.port})`);
      const served = await serveBrowser({ port, host: options.host, ...(cliConfig().chromium ? { chromium: cliConfig().chromium } : {}) });
      process.stdout.write(`${JSON.stringify({ ws: served.wsEndpoint })}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void served.close().then(resolve, resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
