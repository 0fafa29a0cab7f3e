// The second farm process of the kernel_pg bench: its own accounts on the same PostgreSQL
// database, queued up front; on "go" (stdin) it drains them and prints {"actions": n, "ms": t}.
// Usage: node --import tsx bench/kernel-pg-child.ts <database url> <data dir> <actions> <accounts>
import { drainQueues, openFarm, queueActions } from './kernel.js';

const [url, dir, actionsArg, accountsArg] = process.argv.slice(2) as [string, string, string, string];
const farm = await openFarm(dir, Number(accountsArg), url);
const { queues } = await queueActions(farm, Number(actionsArg));
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const ms = await drainQueues(farm, queues);
  await farm.services.close();
  process.stdout.write(`${JSON.stringify({ actions: Number(actionsArg), ms })}\n`);
  process.exit(0);
});
