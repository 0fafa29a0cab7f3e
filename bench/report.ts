import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface BenchEntry {
  name: string;
  figures: Record<string, number>;
  notes: string[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

/** Merges entries into bench/results.json as { "<entry>": { "<figure>": number } }. */
export function writeResults(file: string, entries: BenchEntry[]): void {
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, number>>) : {};
  for (const e of entries) current[e.name] = e.figures;
  writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
}

export function printTable(entries: BenchEntry[]): void {
  for (const e of entries) {
    console.log(`\n== ${e.name}`);
    const width = Math.max(...Object.keys(e.figures).map((k) => k.length));
    for (const [k, v] of Object.entries(e.figures)) console.log(`  ${k.padEnd(width)}  ${v}`);
    for (const n of e.notes) console.log(`  · ${n}`);
  }
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}
