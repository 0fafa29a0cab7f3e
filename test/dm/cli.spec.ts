import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, parseCorpus, triageSchema } from '../../dm/index.js';
import { tempDir } from '../helpers/kernel.js';

const bin = fileURLToPath(new URL('../../bin/raize.mjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const raize = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, cwd: root });

test.describe('raize dm (DESIGN.md interfaces)', () => {
  test('dm triage --text prints the triage JSON of spec 003 §2', () => {
    const run = raize('dm', 'triage', '--text', '👍', '--thread-lang', 'es');
    expect(run.status, run.stderr).toBe(0);
    const t = triageSchema.parse(JSON.parse(run.stdout));
    expect(t.language).toEqual({ code: 'es', confidence: 0.6, source: 'thread' });
  });

  test('dm triage --jsonl prints one triage per line, in order, and names a bad line', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'in.jsonl');
      writeFileSync(file, ['{"text":"i want to kill myself"}', '', '{"text":"hola cuanto cuesta","thread_lang":"es"}', '{"text":"link pls"}'].join('\n'));
      const run = raize('dm', 'triage', '--jsonl', file);
      expect(run.status, run.stderr).toBe(0);
      const out = run.stdout.trim().split('\n').map((l) => triageSchema.parse(JSON.parse(l)));
      expect(out.map((t) => [t.risk.tier, t.intent.label])).toEqual([['urgent', 'other'], ['normal', 'price'], ['normal', 'link']]);
      writeFileSync(file, '{"text":"ok"}\n{"txt":"typo"}\n');
      const bad = raize('dm', 'triage', '--jsonl', file);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(':2: text:');
    } finally {
      dir.remove();
    }
  });

  test('dm run prints triage, draft and the panel decision', () => {
    const run = raize('dm', 'run', '--text', 'hola, cuanto cuesta el programa?', '--settings', '{"price_link":"https://learn.example.com/prices"}');
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.triage.intent.label).toBe('price');
    expect(out.draft.template_id).toBe('top20:price_general:v1:es');
    expect(out.panel.decision).toBe('approve_draft');
    expect(out.final_text).toContain('https://learn.example.com/prices');
  });

  test('the labelled corpora should meet the targets: urgent and needs-human recall 100 %, false escalations ≤ 5 %, intent and language ≥ 90 %', () => {
    for (const name of ['dm-corpus.jsonl', 'dm-holdout.jsonl', 'dm-blind.jsonl']) {
      const lines = parseCorpus(readFileSync(join(root, 'test', 'data', name), 'utf8'), name);
      expect(lines.length).toBeGreaterThanOrEqual(150);
      const f = evaluate(lines);
      expect(f.urgent_recall, `${name} ${JSON.stringify(f.misses)}`).toBe(1);
      expect(f.needs_human_recall, name).toBe(1);
      expect(f.false_escalation_rate, name).toBeLessThanOrEqual(0.05);
      expect(f.intent_accuracy, name).toBeGreaterThanOrEqual(0.9);
      expect(f.language_accuracy, name).toBeGreaterThanOrEqual(0.9);
    }
    expect(parseCorpus(readFileSync(join(root, 'test', 'data', 'dm-corpus.jsonl'), 'utf8')).length).toBeGreaterThanOrEqual(200);
  });
});
