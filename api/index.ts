import type { AddressInfo } from 'node:net';
import { createApiApp, type ApiAppOptions } from './app.js';

export { createApiApp, STRICT_CSP, type ApiAppOptions } from './app.js';
export { ApiError, errorHandler } from './errors.js';
export { createApiToken, publicToken, tokenHash, type NewToken } from './auth/index.js';
export type { ConnectAccount, ConnectAccountInput } from './routes/deps.js';

export interface StartApiOptions extends ApiAppOptions {
  /** 0 picks a free port. */
  port: number;
}

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** Serves the API on 127.0.0.1 only: it is reached through a tunnel or proxy, never exposed. */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const app = createApiApp(options);
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(options.port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
