import type { Services } from '../services.js';
import { startFarm, type Farm, type FarmOptions } from './farm.js';

export interface FarmProcessOptions extends FarmOptions {
  /** How long SIGTERM waits for the actions under way (the kernel's deadline bounds each). @default 60000 */
  graceMs?: number;
  /** Ends the process; tests and embedders may replace it. @default process.exit */
  exit?: (code: number) => void;
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
  return farm;
}
