// A farm worker thread: its own connection to the shared store, running actions for one account.
import { parentPort, workerData } from 'node:worker_threads';
import { resolveConfig } from '../../config/index.js';
import { createServices, PerformerRegistry } from '../../runners/index.js';
import { runAction, submitAction } from '../../safety/index.js';
import { FakePlatform } from './fake-platform.js';

const { dbFile, dataDir, clientId, accountId, count, worker } = workerData as {
  dbFile: string; dataDir: string; clientId: string; accountId: string; count: number; worker: number;
};
const platform = new FakePlatform();
const services = createServices(resolveConfig({ dbFile, dataDir, logLevel: 'silent' }, {}), {
  performers: new PerformerRegistry().register('api', 'instagram', platform),
});
const statuses: string[] = [];
for (let i = 0; i < count; i += 1) {
  const action = await submitAction(services.store, {
    client_id: clientId, platform_account_id: accountId, lane: 'api', action_type: 'publish',
    payload: { caption: `worker ${worker} post ${i}` }, created_by: 'ops',
  });
  statuses.push((await runAction(services.kernel, action.action_id)).status);
}
await services.close();
parentPort!.postMessage({ worker, statuses, effects: platform.effects.length });
