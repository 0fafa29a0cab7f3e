import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { z } from 'zod';
import { PAYLOAD_SCHEMAS, SubmitInput, submitAction } from '../safety/index.js';
import { ActionType, Lane, type PlatformAccount, type Store } from '../store/index.js';
import { UsageError, withStore } from './context.js';

/**
 * RFC 4180 CSV: comma-separated fields, quoted fields may hold commas, line breaks and doubled
 * quotes; lines end in CRLF or LF; a leading BOM and blank lines are skipped.
 */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  // A line holding only `""` is a row with one empty field, not a blank line.
  let rowHadQuotes = false;
  let line = 1;
  let quoteLine = 1;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (row.length > 1 || row[0] !== '' || rowHadQuotes) rows.push(row);
    row = [];
    rowHadQuotes = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c !== '"') {
        if (c === '\n') line++;
        field += c;
      } else if (s[i + 1] === '"') {
        field += '"';
        i++;
      } else {
        quoted = false;
        const next = s[i + 1];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new UsageError(`CSV line ${line}: text after a closing quote`);
      }
    } else if (c === '"') {
      if (field !== '') throw new UsageError(`CSV line ${line}: a quote inside an unquoted field (quote the whole field and double the quotes inside)`);
      quoted = rowHadQuotes = true;
      quoteLine = line;
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRow();
      line++;
    } else {
      field += c;
    }
  }
  if (quoted) throw new UsageError(`CSV line ${quoteLine}: a quoted field is never closed`);
  if (field !== '' || row.length > 0 || rowHadQuotes) endRow();
  return rows;
}

const isoTime = z.string().datetime({ offset: true });
const source = z.string().min(1);

/** One post of a schedule file. Unknown columns are errors: a misspelt `caption` must not vanish. */
const ScheduleRow = z.strictObject({
  platform_account_id: z.string().min(1),
  action_type: ActionType.default('publish'),
  lane: Lane.default('browser'),
  due_at: isoTime,
  window_end_at: isoTime.optional(),
  caption: z.string().optional(),
  /** A path under the data dir or a URL (JSON files may give several). */
  media: z.union([source, z.array(source)]).optional(),
  client_id: z.string().min(1).optional(),
  /** JSON only: further payload fields for action types that need them (merged under caption and media). */
  payload: z.record(z.string(), z.unknown()).optional(),
});
type ScheduleRow = z.output<typeof ScheduleRow>;

/** A row's problems, each naming its field. */
function issuesOf(error: z.ZodError, raw: Record<string, unknown>, prefix = ''): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: unknown column (known: ${Object.keys(ScheduleRow.shape).join(', ')})`;
    const field = issue.path.map(String).join('.');
    const missing = issue.path.length === 1 && raw[field] === undefined && issue.code === 'invalid_type';
    return `${[prefix, field].filter(Boolean).join('.') || 'payload'}: ${missing ? 'required' : issue.message}`;
  });
}

/** The file's rows as plain objects: a JSON array of objects, or CSV with a header row (blank cells are absent). */
function readRows(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const ext = extname(file).toLowerCase();
  const json = ext === '.json' || (ext !== '.csv' && text.trimStart().startsWith('['));
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new UsageError(`${file}: expected a JSON array of objects, one per post`);
    return parsed.map((row, i) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new UsageError(`row ${i + 1}: not an object`);
      // null is "not given", like a blank CSV cell.
      return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
    });
  }
  const [header, ...lines] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim());
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new UsageError(`${file}: column ${repeated || '(empty name)'} appears twice in the header`);
  if (names.includes('')) throw new UsageError(`${file}: a header column has no name`);
  if (names.includes('payload')) throw new UsageError(`${file}: a payload column is for JSON files only`);
  return lines.map((cells, i) => {
    if (cells.length !== names.length) throw new UsageError(`row ${i + 1}: has ${cells.length} field(s), the header has ${names.length}`);
    // Captions keep their spaces; ids, times and names do not.
    return Object.fromEntries(names.map((n, j) => [n, n === 'caption' ? cells[j]! : cells[j]!.trim()] as const).filter(([, v]) => v !== ''));
  });
}

interface Planned {
  row: number;
  input: SubmitInput;
}

/** Every row checked before anything is submitted: the fields, the payload, the account and its client. */
async function plan(store: Store, rows: Record<string, unknown>[], o: { client?: string; by: string }): Promise<{ planned: Planned[]; errors: string[] }> {
  const planned: Planned[] = [];
  const errors: string[] = [];
  const accounts = new Map<string, PlatformAccount | null>();
  for (const [i, raw] of rows.entries()) {
    const n = i + 1;
    const fail = (problems: string[]) => errors.push(...problems.map((p) => `row ${n}: ${p}`));
    const parsed = ScheduleRow.safeParse(raw);
    if (!parsed.success) {
      fail(issuesOf(parsed.error, raw));
      continue;
    }
    const row: ScheduleRow = parsed.data;
    const clientId = row.client_id ?? o.client;
    if (clientId === undefined) {
      fail(['client_id: required (a client_id column or --client)']);
      continue;
    }
    if (row.client_id !== undefined && o.client !== undefined && row.client_id !== o.client) {
      fail([`client_id: ${row.client_id} differs from --client ${o.client}`]);
      continue;
    }
    const media = row.media === undefined ? undefined : (typeof row.media === 'string' ? [row.media] : row.media).map((s) => ({ source: s }));
    const payload = { ...row.payload, ...(row.caption !== undefined ? { caption: row.caption } : {}), ...(media ? { media } : {}) };
    const payloadCheck = PAYLOAD_SCHEMAS[row.action_type].safeParse(payload);
    if (!payloadCheck.success) {
      fail(issuesOf(payloadCheck.error, payload));
      continue;
    }
    const input: SubmitInput = {
      client_id: clientId, platform_account_id: row.platform_account_id, lane: row.lane, action_type: row.action_type, payload,
      created_by: o.by, due_at: row.due_at, ...(row.window_end_at !== undefined ? { window_end_at: row.window_end_at } : {}),
    };
    const inputCheck = SubmitInput.safeParse(input);
    if (!inputCheck.success) {
      fail(issuesOf(inputCheck.error, input as Record<string, unknown>));
      continue;
    }
    if (row.window_end_at !== undefined && new Date(row.window_end_at) <= new Date(row.due_at)) {
      fail([`window_end_at: the window must end after the action is due (${new Date(row.due_at).toISOString()})`]);
      continue;
    }
    if (!accounts.has(row.platform_account_id)) accounts.set(row.platform_account_id, await store.accounts.get(row.platform_account_id));
    const account = accounts.get(row.platform_account_id);
    if (!account) fail([`platform_account_id: no account ${row.platform_account_id}`]);
    else if (account.client_id !== clientId) fail([`platform_account_id: account ${row.platform_account_id} does not belong to client ${clientId}`]);
    else planned.push({ row: n, input });
  }
  return { planned, errors };
}

async function schedule(file: string, o: { client?: string; by: string; dryRun?: boolean }): Promise<void> {
  const rows = readRows(file);
  if (rows.length === 0) throw new UsageError(`no rows in ${file}`);
  await withStore(async (store) => {
    const { planned, errors } = await plan(store, rows, o);
    if (errors.length > 0) throw new UsageError([`${file}: ${errors.length} problem(s); nothing submitted`, ...errors].join('\n'));
    const utc = (iso: string | undefined) => (iso === undefined ? '' : new Date(iso).toISOString());
    if (o.dryRun) {
      for (const p of planned) console.log(`row ${p.row}  ${p.input.platform_account_id}  ${utc(p.input.due_at)}  (dry run: not submitted)`);
      console.error(`dry run: ${planned.length} row(s) valid; nothing submitted`);
      return;
    }
    let submitted = 0;
    for (const p of planned) {
      try {
        const action = await submitAction(store, p.input);
        console.log(`${action.action_id}  ${action.platform_account_id}  ${action.due_at}`);
        submitted++;
      } catch (error) {
        // Only a change made meanwhile (an account moved, a key reused) gets here: say what was and was not submitted.
        throw new Error(`row ${p.row}: ${(error as Error).message}; ${submitted} row(s) before it were submitted (listed above), row ${p.row} and the ${planned.length - submitted - 1} after it were not`);
      }
    }
    console.error(`scheduled ${submitted} action(s) from ${file}`);
  });
}

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description('queue scheduled posts from a JSON array or a CSV file (header row); every row is checked first and nothing is submitted unless all are valid')
    .argument('<file>', 'a .json file (array of objects) or a .csv file; columns: platform_account_id, action_type (publish), lane (browser), due_at, window_end_at, caption, media, client_id')
    .option('--client <id>', 'the client of rows without a client_id (a row naming another client is an error)')
    .option('--by <who>', 'who schedules them (created_by)', process.env.USER ?? 'cli')
    .option('--dry-run', 'check every row and print what would be queued, without submitting')
    .action(schedule);
}
