export { runAccount, accountGap, pacingWait, type AccountRunnerOptions, type RunnerEvent, type RunnerExit, type RunnerReport } from './account-runner.js';
export { DEFAULT_PACING, DEFAULT_CAPS, FALLBACK_PACING, PacingTableSchema, defaultBudgets, humanGap, pacingFor, type PacingProfile, type PacingTable } from './pacing.js';
export { ConcurrencyGovernor, defaultFarmConcurrency, CONTEXT_COST_BYTES, type GovernorOptions } from './concurrency.js';
export { dispatchOnce, type DispatchInput, type DispatchResult, type DispatchSkip } from './dispatch.js';
export { RunnerPool, type RunnerPoolOptions } from './pool.js';
export { startFarm, DEFAULT_JOB_INTERVALS, type Farm, type FarmJob, type FarmJobMessage, type FarmOptions } from './farm.js';
export { serveFarm, type FarmProcessOptions } from './process.js';
export { progressLine, startProgress, type ProgressReporter } from './progress.js';
export { checkAnchorDrift } from './drift-check.js';
