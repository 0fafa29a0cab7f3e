import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide, draftSettingsSchema, evaluate, LANGUAGES, parseCorpus, triage, type DraftSettings, type Language } from '../dm/index.js';
import { z } from 'zod';
import { UsageError } from './context.js';

const jsonlLine = z.object({ text: z.string(), thread_lang: z.enum(LANGUAGES).optional() }).strict();

function threadLang(value: string | undefined): Language | undefined {
  if (value === undefined) return undefined;
  if (!(LANGUAGES as readonly string[]).includes(value)) throw new UsageError(`--thread-lang must be one of ${LANGUAGES.join(', ')}`);
  return value as Language;
}

const CORPORA = ['dm-corpus.jsonl', 'dm-holdout.jsonl', 'dm-blind.jsonl'];

export function registerDm(program: Command): void {
  const dm = program.command('dm').description('the Instagram DM assistant (spec 003): triage, draft, panel');
  dm.command('triage')
    .description('print the triage JSON of spec 003 §2 for one text, or one per line of a JSONL file ({"text","thread_lang"}), in order')
    .option('--text <text>', 'the message text')
    .option('--thread-lang <xx>', "the thread's last confident language")
    .option('--jsonl <file>', 'one {"text": "...", "thread_lang": "xx"} per line')
    .action((options: { text?: string; threadLang?: string; jsonl?: string }) => {
      if ((options.text === undefined) === (options.jsonl === undefined)) throw new UsageError('give exactly one of --text or --jsonl');
      const now = Date.now();
      if (options.text !== undefined) {
        console.log(JSON.stringify(triage({ sender_id: 'cli', mid: 'cli', timestamp_ms: now, text: options.text, thread_lang: threadLang(options.threadLang) })));
        return;
      }
      const lines = readFileSync(options.jsonl!, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!line.trim()) return;
        let parsed;
        try {
          parsed = jsonlLine.safeParse(JSON.parse(line));
        } catch {
          throw new UsageError(`${options.jsonl}:${i + 1}: not JSON`);
        }
        if (!parsed.success) throw new UsageError(`${options.jsonl}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ')}`);
        console.log(JSON.stringify(triage({ sender_id: 'cli', mid: `line-${i + 1}`, timestamp_ms: now, text: parsed.data.text, thread_lang: parsed.data.thread_lang })));
      });
    });
  dm.command('run')
    .description('print triage, draft and the panel decision (and the escalation, if any) for one text')
    .requiredOption('--text <text>', 'the message text')
    .option('--thread-lang <xx>', "the thread's last confident language")
    .option('--settings <json>', 'the client DM settings: {"book_link","course_link","video_link","price_link","support_email"}')
    .action((options: { text: string; threadLang?: string; settings?: string }) => {
      let settings: DraftSettings = {};
      if (options.settings) {
        const parsed = draftSettingsSchema.safeParse(JSON.parse(options.settings));
        if (!parsed.success) throw new UsageError(`--settings: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
        settings = parsed.data;
      }
      const decision = decide({ sender_id: 'cli', recipient_id: 'cli', mid: 'cli', timestamp_ms: Date.now(), text: options.text, thread_lang: threadLang(options.threadLang) }, settings);
      console.log(JSON.stringify(decision, null, 2));
    });
  dm.command('eval')
    .description('urgent recall/precision, needs-human recall, false escalations, intent and language accuracy over labelled corpora')
    .option('--corpus <files...>', 'JSONL corpora', CORPORA.map((f) => join('test', 'data', f)))
    .option('--misses', 'list every miss')
    .action((options: { corpus: string[]; misses?: boolean }) => {
      const rows: Record<string, unknown>[] = [];
      for (const file of options.corpus) {
        const figures = evaluate(parseCorpus(readFileSync(file, 'utf8'), file));
        const { misses, ...rest } = figures;
        rows.push({ corpus: file, ...rest });
        if (options.misses) for (const m of misses) console.log(`${file} ${m.id} ${m.field}: expected ${m.expected}, got ${m.got}`);
      }
      console.table(rows);
      console.log(JSON.stringify(rows));
    });
}
