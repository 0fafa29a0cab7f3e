export * from './records.js';
export { triage, detectIntent, detectLanguage, assessRisk, isAngry, readText, type TriageInput } from './triage/index.js';
export { cetSecond, utcSecond } from './time.js';
