import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Harness } from './kernel.js';

/**
 * A raw connection to a harness's database, as someone holding it would have (the audit tamper
 * tests): the SQLite file, or the PostgreSQL database as its owner (not the store's writer
 * role). One dialect for the tests: `?` placeholders, numbered for PostgreSQL.
 */
export interface RawDb {
  readonly kind: 'sqlite' | 'postgres';
  all<R>(sql: string, ...params: unknown[]): Promise<R[]>;
  get<R>(sql: string, ...params: unknown[]): Promise<R | undefined>;
  /** Runs one statement; how many rows it changed. */
  run(sql: string, ...params: unknown[]): Promise<number>;
  /** What a tamperer does first: turns off the append-only guards of the audit tables. */
  dropGuards(): Promise<void>;
  /** Everything the database holds, as text (for canary scans: a secret must be nowhere in it). */
  dump(): Promise<string>;
  close(): Promise<void>;
}

const AUDIT_TABLES = ['audit_events', 'audit_checkpoints'];

export async function openRaw(h: Harness): Promise<RawDb> {
  const url = h.services.config.databaseUrl;
  return url ? openPostgres(url) : openSqlite(h.services.config.dbFile);
}

function openSqlite(file: string): RawDb {
  const db = new Database(file);
  const dumpFile = () => readFileSync(file).toString('latin1');
  return {
    kind: 'sqlite',
    all: async <R>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as R[],
    get: async <R>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as R | undefined,
    run: async (sql, ...params) => db.prepare(sql).run(...params).changes,
    async dropGuards() {
      for (const table of AUDIT_TABLES) db.exec(`DROP TRIGGER IF EXISTS ${table}_no_update; DROP TRIGGER IF EXISTS ${table}_no_delete;`);
    },
    async dump() {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return dumpFile();
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgres(url: string): Promise<RawDb> {
  // Sequence numbers are bigint: read back as numbers, as the store does.
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: (oid, format) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) } });
  await client.connect();
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${(n += 1)}`);
  };
  return {
    kind: 'postgres',
    all: async <R>(sql: string, ...params: unknown[]) => (await client.query(numbered(sql), params)).rows as R[],
    get: async <R>(sql: string, ...params: unknown[]) => (await client.query(numbered(sql), params)).rows[0] as R | undefined,
    run: async (sql, ...params) => (await client.query(numbered(sql), params)).rowCount ?? 0,
    async dropGuards() {
      // The owner may switch a table's triggers off: the database's guard is against the store's role and mistakes, not its owner.
      for (const table of [...AUDIT_TABLES, 'audit_head']) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    },
    async dump() {
      const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
      const parts: string[] = [];
      for (const { name } of tables.rows) {
        const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
        parts.push(...rows.rows.map((r) => r.row));
      }
      return parts.join('\n');
    },
    async close() {
      await client.end();
    },
  };
}
