export { runAccount, type AccountRunnerOptions, type RunnerEvent, type RunnerExit, type RunnerReport } from './account-runner.js';
export { DEFAULT_PACING, DEFAULT_CAPS, FALLBACK_PACING, defaultBudgets, humanGap, pacingFor, type PacingProfile, type PacingTable } from './pacing.js';
