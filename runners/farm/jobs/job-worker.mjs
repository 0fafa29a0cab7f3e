// A Bree job's worker thread: registers tsx in this thread (the product is TypeScript, loaded
// without a build step), then runs the job once (run-job.ts) and exits.
import { register } from 'tsx/esm/api';

register();
await import('./run-job.ts');
