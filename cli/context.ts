import { resolveConfig, type RaizeConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { createStore } from '../runners/index.js';

let config: RaizeConfig | undefined;

/** The configuration, resolved once per process (bad values stop here, naming the field). */
export function cliConfig(): RaizeConfig {
  config ??= resolveConfig();
  return config;
}

/** Opens the product's store for one command and closes it afterwards. */
export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const c = cliConfig();
  const store = createStore(c);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A wrong use of a command: printed as is, exit code 2. */
export class UsageError extends Error {}
