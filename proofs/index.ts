export type { StepBoundary, StepCapture, StepListener } from './listener.js';
export { createProofStore, ProofRefError, type ProofStore, type StoredProof, type ProofKind, type PutOptions, type ProofVerdict } from './store.js';
export { captureScreenshot, grabPng, storeScreenshot, encodeScreenshot, encodeThumbnail, type ScreenshotOptions, type ScreenshotProof, type ScreenshotFormat } from './screenshot.js';
export { snapshotDom, domHash, structureHash, structureSimilarity, structureContainment, structureMatch, layoutShell, SAME_LAYOUT_CONTAINMENT, type DomSnapshot } from './dom.js';
export { createProofListener, type ProofListenerOptions } from './capture.js';
export { startTrace, stopTrace, type TraceOptions, type TraceProof } from './trace.js';
export { recordBaseline, loadBaseline, listBaselines, variantOf, recognizeLayout, baselinePaths, BaselineMeta, Box, type Baseline, type BaselineKey, type RecordBaselineInput } from './baselines.js';
export {
  compareToBaseline, compareCapture, compareImages, checkDrift, checkCaptureDrift, maskBoxes, recordBaselineFromPage, recordBaselineFromCapture,
  BaselineMissingError, type CaptureDriftOptions, type CompareOptions, type CompareImagesOptions, type DriftComparison, type CheckDriftOptions, type DriftVerdict, type BaselineFromPageOptions,
} from './drift.js';
export { DriftRecord, DriftRecordError, appendDriftRecord, readDriftRecords, findDriftRecord, driftRecordsFile, driftRecordsDir, type NewDriftRecord } from './drift-records.js';
export { HealRecord, appendHealRecord, readHealRecords, healRecordsFile, healRecordsDir, type NewHealRecord } from './heal-records.js';
export { renderDriftReport, writeDriftReport, escapeHtml } from './drift-report.js';
export { measureProofCapture, measureDriftCompare, summarize, type TimingSummary } from './bench.js';
export { capturePage, type PageCapture, type CapturePageOptions } from './capture-page.js';
export { alignReflow, type RowAlignment } from './reflow.js';
export { cdpSessionOf, evaluateQuietly, waitQuietly } from './cdp.js';
export {
  DriftDecision, DriftReviewError, promoteDriftRecord, rejectDriftRecord, listDriftRecords, readDriftDecisions, driftDecisionsFile, driftDecisionsDir,
  type DriftStatus, type ReviewedDriftRecord, type PromoteDriftInput, type RejectDriftInput,
} from './drift-review.js';
