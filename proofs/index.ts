export type { StepBoundary, StepListener } from './listener.js';
