import { z } from 'zod';
import { INTENTS, LANGUAGES, TIERS, type TriageRecord } from './records.js';
import { triage } from './triage/index.js';

/** One labelled DM of an evaluation corpus (`test/data/dm-*.jsonl`). */
export const corpusLineSchema = z
  .object({
    id: z.string().min(1),
    text: z.string(),
    thread_lang: z.enum(LANGUAGES).optional(),
    thread: z.array(z.string()).optional(),
    expect: z.object({ language: z.enum(LANGUAGES).nullable(), intent: z.enum(INTENTS), tier: z.enum(TIERS) }).strict(),
    tags: z.array(z.string()).default([]),
  })
  .strict();
export type CorpusLine = z.infer<typeof corpusLineSchema>;

/** Parses a JSONL corpus; a bad line fails naming its line number and field. */
export function parseCorpus(text: string, name = 'corpus'): CorpusLine[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim())
    .map(({ line, n }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new Error(`${name}:${n}: not JSON`);
      }
      const parsed = corpusLineSchema.safeParse(json);
      if (!parsed.success) throw new Error(`${name}:${n}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

export interface EvalFigures {
  n: number;
  urgent_recall: number;
  urgent_precision: number;
  /** Expected needs-human that reached a person (needs-human or urgent). */
  needs_human_recall: number;
  /** Expected normal that was escalated. */
  false_escalation_rate: number;
  intent_accuracy: number;
  language_accuracy: number;
  misses: { id: string; field: 'tier' | 'intent' | 'language'; expected: string; got: string }[];
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : Math.round((a / b) * 10000) / 10000);

/** Spec 003's measures over a corpus: the triage's recall and precision where they matter most. */
export function evaluate(lines: CorpusLine[]): EvalFigures {
  let urgentTp = 0, urgentExpected = 0, urgentPredicted = 0, nhReached = 0, nhExpected = 0, normalEscalated = 0, normalExpected = 0, intentOk = 0, langOk = 0;
  const misses: EvalFigures['misses'] = [];
  for (const line of lines) {
    const t: TriageRecord = triage({ sender_id: 'eval', mid: line.id, timestamp_ms: 0, text: line.text, thread: line.thread, thread_lang: line.thread_lang, trace_id: '00000000-0000-4000-8000-000000000000' });
    const { expect } = line;
    const tier = t.risk.tier;
    if (expect.tier === 'urgent') urgentExpected += 1;
    if (tier === 'urgent') urgentPredicted += 1;
    if (expect.tier === 'urgent' && tier === 'urgent') urgentTp += 1;
    if (expect.tier === 'needs-human') {
      nhExpected += 1;
      if (tier !== 'normal') nhReached += 1;
    }
    if (expect.tier === 'normal') {
      normalExpected += 1;
      if (tier !== 'normal') normalEscalated += 1;
    }
    if (tier !== expect.tier) misses.push({ id: line.id, field: 'tier', expected: expect.tier, got: tier });
    if (t.intent.label === expect.intent) intentOk += 1;
    else misses.push({ id: line.id, field: 'intent', expected: expect.intent, got: t.intent.label });
    const languageOk = expect.language === null ? t.language.confidence < 0.5 : t.language.code === expect.language;
    if (languageOk) langOk += 1;
    else misses.push({ id: line.id, field: 'language', expected: String(expect.language), got: `${t.language.code} (${t.language.confidence})` });
  }
  return {
    n: lines.length,
    urgent_recall: ratio(urgentTp, urgentExpected),
    urgent_precision: ratio(urgentTp, urgentPredicted),
    needs_human_recall: ratio(nhReached, nhExpected),
    false_escalation_rate: ratio(normalEscalated, normalExpected),
    intent_accuracy: ratio(intentOk, lines.length),
    language_accuracy: ratio(langOk, lines.length),
    misses,
  };
}
