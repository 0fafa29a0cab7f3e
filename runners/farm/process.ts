import { isPageGone } from '../browser/stealth.js';
import type { Services } from '../services.js';
import { startFarm, type Farm, type FarmOptions } from './farm.js';

export interface FarmProcessOptions extends FarmOptions {
  /** How long SIGTERM waits for the actions under way (the kernel's deadline bounds each). @default 60000 */
  graceMs?: number;
  /** Ends the process; tests and embedders may replace it. @default process.exit */
  exit?: (code: number) => void;
}

/**
 * The farm process's answer to a promise rejection nobody handled. A browser call on a page
 * that had already closed (a library's unawaited CDP send — the stealth plugin had one, the
 * chaos runs found another whose caller Playwright's stack does not name) is logged and
 * ignored: what the kernel relies on is awaited, and taking the process down for it would cut
 * every episode on the host. Anything else ends the process as Node would (exit 1; recovery
 * settles its actions on the next start).
 */
export function strayRejectionHandler(logger: Pick<Services['logger'], 'warn' | 'error'>, exit: (code: number) => void): (reason: unknown) => void {
  return (reason) => {
    if (isPageGone(reason)) {
      logger.warn({ code: 'page_gone' }, 'a browser call on a closed page was not awaited by its caller: ignored');
      return;
    }
    logger.error({ error: String((reason as Error)?.stack ?? reason).slice(0, 2000) }, 'unhandled promise rejection: the farm process exits');
    exit(1);
  };
}

/**
 * The farm as a process: starts it, and on SIGTERM or SIGINT (Ctrl-C) stops scheduling, lets
 * the actions under way finish within the grace period, closes the store and exits — 0 when
 * everything ended in time, 1 when something had to be abandoned (recovery settles it on the
 * next start: an action left in `attempted` is verified, never re-run).
 */
export async function serveFarm(services: Services, options: FarmProcessOptions = {}): Promise<Farm> {
  const farm = await startFarm(services, options);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    services.logger.info({ signal }, 'stopping the farm: nothing new starts, the actions under way finish');
    void farm.stop(options.graceMs ?? 60_000)
      .then(async (ended) => {
        if (!ended) services.logger.warn({ signal }, 'actions still running at the end of the grace period: left to recovery');
        await services.close();
        exit(ended ? 0 : 1);
      }, () => exit(1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Only a real farm process: an embedder (a test) keeps its own rejection handling.
  if (!options.exit) process.on('unhandledRejection', strayRejectionHandler(services.logger, exit));
  return farm;
}
