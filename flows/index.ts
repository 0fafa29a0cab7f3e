export type { Flow, FlowContext, FlowStep } from './types.js';
export {
  BLOCKED_TOAST, createFlowContext, committed, confirmCommitPage, confirmLookViewer, sel, urlOf, detectLayout, recognisePage, checkPage, goto, gotoUrl, clickAndWaitForLoad,
  captureStep, drainProofs, settleListeners, runFlow, runCheck,
  type FlowContextInit, type CheckOptions, type RunFlowOptions, type LoginFlow, type LoginInput, type ObservedAccount,
} from './run.js';
export { probePage, type PageProbe, type ProbeQuery } from './probe.js';
export * from './instagram/index.js';
export { X_FLOWS, X_COMMIT_ELEMENTS, xFlows, xLogin } from './x/index.js';
export { assertCommitElement, agreement, foldNumbers, readSignals, CommitElementError, ElementMissingError, COMMIT_SIGNALS, ELEMENT_SIGNALS, type Agreement, type ElementSignals } from './element.js';
export { dismissPrompts } from './prompts.js';
export { findElement, onHeal, type HealedElement, type FindOptions } from './heal.js';
