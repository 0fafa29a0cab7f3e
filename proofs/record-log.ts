import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { DriftRecordError } from './drift-errors.js';
import { writePrivateFile } from './files.js';

/** What every logged record has: its id and when it was written (ISO time). */
interface Logged {
  id: string;
  at: string;
}

/**
 * An append-only log of records under `<data dir>/drift/` (drift records, decisions, healed
 * elements) that several farm hosts may write at once through a shared mount: each record is
 * its own file in `<name>.d/`, named by its time and id, written whole and renamed into place
 * (a rename is atomic on NFS too, where appends from several clients to one file interleave).
 * A file is not changed once written, so each is parsed once per process (again if its size or
 * time changed).
 *
 * `<name>.jsonl`, the one-file log of earlier versions, is still read (its records first when
 * times tie), so a data dir keeps its history; nothing appends to it any more.
 */
export class RecordLog<T extends Logged> {
  private readonly parsed = new Map<string, T>();

  constructor(private readonly dataDir: string, private readonly name: string, private readonly schema: z.ZodType<T>) {}

  /** `drift/<name>.jsonl`: the earlier versions' file, still read. */
  get legacyFile(): string {
    return join(this.dataDir, 'drift', `${this.name}.jsonl`);
  }

  /** `drift/<name>.d`: one 0600 file per record. */
  get dir(): string {
    return join(this.dataDir, 'drift', `${this.name}.d`);
  }

  async append(record: T): Promise<T> {
    const valid = this.schema.parse(record);
    // ISO times sort as text; the id keeps two records of one millisecond apart.
    // Only safe characters reach the file name, whatever a caller put in the record.
    const name = `${valid.at.replace(/[^0-9A-Za-z.-]/g, '')}_${valid.id.replace(/[^0-9A-Za-z-]/g, '')}.json`;
    await writePrivateFile(join(this.dir, name), `${JSON.stringify(valid)}\n`);
    return valid;
  }

  /** Every record, oldest first, each validated; a bad one throws naming its file (and line, in the legacy file). */
  async read(): Promise<T[]> {
    const legacy = await readJsonLines(this.legacyFile, `drift/${this.name}.jsonl`, this.schema);
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      names = [];
    }
    const records: T[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      // Keyed by size and time too: a file changed behind our back (by hand, by an attacker) is read again.
      const { size, mtimeMs } = await stat(file);
      const key = `${name}:${size}:${mtimeMs}`;
      let record = this.parsed.get(key);
      if (!record) {
        record = parseRecord(await readFile(file, 'utf8'), `drift/${this.name}.d/${name}`, 1, this.schema);
        this.parsed.set(key, record);
      }
      records.push(record);
    }
    if (legacy.length === 0) return records;
    return [...legacy, ...records].map((r, i) => ({ r, i })).sort((a, b) => (a.r.at < b.r.at ? -1 : a.r.at > b.r.at ? 1 : a.i - b.i)).map(({ r }) => r);
  }
}

const logs = new Map<string, RecordLog<Logged>>();

/** The log `name` of a data dir (one instance per process, so each file is parsed once). */
export function recordLog<T extends Logged>(dataDir: string, name: string, schema: z.ZodType<T>): RecordLog<T> {
  const key = `${join(dataDir, 'drift', name)}`;
  let log = logs.get(key);
  if (!log) {
    log = new RecordLog<T>(dataDir, name, schema) as unknown as RecordLog<Logged>;
    logs.set(key, log);
  }
  return log as unknown as RecordLog<T>;
}

function parseRecord<T>(raw: string, label: string, line: number, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new DriftRecordError(line, 'not JSON', label);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DriftRecordError(line, `${issue.path.join('.') || '(root)'}: ${issue.message}`, label);
  }
  return parsed.data;
}

/**
 * The lines of a JSONL file, oldest first, each parsed by `schema`; a missing file is empty, a
 * bad line throws naming the file and the line.
 */
export async function readJsonLines<T>(file: string, label: string, schema: z.ZodType<T>): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').flatMap((raw, i) => (raw.trim() ? [parseRecord(raw.trim(), label, i + 1, schema)] : []));
}
