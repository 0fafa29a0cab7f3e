/** A drift log entry (drift record, decision, healed element) that is not valid; names the file and line. */
export class DriftRecordError extends Error {
  readonly code = 'drift_record_invalid';
  constructor(readonly line: number, detail: string, file = 'drift/records.jsonl') {
    super(`${file}${file.endsWith('.json') ? '' : ` line ${line}`}: ${detail}`);
    this.name = 'DriftRecordError';
  }
}
