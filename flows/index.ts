export type { Flow, FlowContext, FlowStep } from './types.js';
