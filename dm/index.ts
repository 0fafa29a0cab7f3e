export * from './records.js';
export { triage, detectIntent, detectLanguage, assessRisk, isAngry, readText, type TriageInput } from './triage/index.js';
export { cetSecond, utcSecond } from './time.js';
export { decide, openLinks, type DmDecision, type DmMessage } from './decide.js';
export { chooseTemplate, draft, draftSettingsSchema, fillPlaceholders, SAFE, TOP20, type DraftSettings, type Template } from './drafts/index.js';
export { ROSTER, runPanel, type PanelOutcome, type Seat, type SeatContext } from './panel/index.js';
export * from './bundle/index.js';
export { corpusLineSchema, evaluate, parseCorpus, type CorpusLine, type EvalFigures } from './evaluate.js';
