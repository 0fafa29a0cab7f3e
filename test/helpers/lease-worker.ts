// A contender for runner leases in its own thread and connection: on each round it waits for
// the shared go signal, then tries to take every account's lease at once.
import { parentPort, workerData } from 'node:worker_threads';
import { createPostgresStore, createSqliteStore } from '../../store/index.js';

const { dbFile, databaseUrl, owner, accounts, rounds, go } = workerData as { dbFile: string; databaseUrl?: string; owner: string; accounts: string[]; rounds: number; go: SharedArrayBuffer };
// Each contender its own connection: to the SQLite file, or to the PostgreSQL database.
const store = databaseUrl ? createPostgresStore({ url: databaseUrl, poolSize: 2 }) : createSqliteStore({ file: dbFile });
const flag = new Int32Array(go);
const won: { round: number; account: string; fence: number }[] = [];
for (let round = 0; round < rounds; round += 1) {
  Atomics.wait(flag, 0, round); // until the main thread starts this round
  const now = new Date(Date.UTC(2030, 0, 1) + round * 60_000); // each round after the last round's leases expired
  for (const account of accounts) {
    const lease = await store.leases.acquire(account, owner, 30_000, now);
    if (lease) won.push({ round, account, fence: lease.fence });
  }
  parentPort!.postMessage({ done: round });
}
await store.close();
parentPort!.postMessage({ won });
