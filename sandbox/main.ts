import { parseArgs } from 'node:util';
import { sandboxReadyLine, startSandbox } from './index.js';

// Runnable entry: `npx tsx sandbox/main.ts --port P [--data-file F] [--seed S]`.
const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, 'data-file': { type: 'string' }, seed: { type: 'string' } },
  strict: true,
});

const sandbox = await startSandbox({
  port: Number(values.port),
  ...(values['data-file'] ? { dataFile: values['data-file'] } : {}),
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
});
process.stdout.write(`${sandboxReadyLine(sandbox)}\n`);

const stop = () => void sandbox.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
