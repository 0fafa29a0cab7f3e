// A contender for ledger claims in a process of its own, with its own PostgreSQL connection: on
// "go" (stdin) it claims every key it was given as fast as it can, then prints the keys it won.
// Usage: node --import tsx claim-child.ts <database url> <worker> <keys file>
import { readFileSync } from 'node:fs';
import { createPostgresStore } from '../../store/index.js';

const [url, worker, keysFile] = process.argv.slice(2) as [string, string, string];
const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as string[];
const store = createPostgresStore({ url, poolSize: 4 });
// Connected and ready before the starting gun, so the processes contend from the first key.
await store.ledger.get('warm-up');
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const won: string[] = [];
  // Four claims in flight at a time: contention between the processes and within each.
  for (let i = 0; i < keys.length; i += 4) {
    const batch = keys.slice(i, i + 4);
    const claims = await Promise.all(batch.map((key) => store.ledger.claim({ key, payload_hash: 'c'.repeat(64), action_id: `p${worker}-${key}` })));
    claims.forEach((claim, j) => { if (claim.won) won.push(batch[j]!); });
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ worker: Number(worker), won })}\n`);
  process.exit(0);
});
