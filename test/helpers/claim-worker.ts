// Runs in a worker thread with its own SQLite connection: claims every key it is given, as
// fast as it can, and reports which it won.
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from '../../store/index.js';

const { file, keys, worker, payloadHash } = workerData as { file: string; keys: string[]; worker: number; payloadHash: string };
const store = createSqliteStore({ file, busyTimeoutMs: 30_000 });
const won: string[] = [];
// Wait for the starting gun so all threads contend at once.
parentPort!.once('message', async () => {
  for (const key of keys) {
    const claim = await store.ledger.claim({ key, payload_hash: payloadHash, action_id: `w${worker}-${key}` });
    if (claim.won) won.push(key);
    // Yield between claims: on a loaded host one thread could otherwise run through every key
    // before the others are scheduled at all, and nothing would contend.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await store.close();
  parentPort!.postMessage({ worker, won });
});
parentPort!.postMessage({ ready: true });
