import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface SqliteOptions {
  /** SQLite file; `:memory:` only for throwaway use (no sharing between threads). */
  file: string;
  busyTimeoutMs?: number;
}

/**
 * Opens one connection with WAL and a busy timeout, then brings the schema up to date.
 * Each thread or process opens its own connection; SQLite serialises writers.
 */
export function openDatabase(options: SqliteOptions): Db {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file, { timeout: options.busyTimeoutMs ?? 5000 });
  db.pragma('journal_mode = WAL');
  // NORMAL survives any process crash in WAL mode; commits that must also survive power loss
  // (the write-ahead `attempted` record) switch to FULL for their own commit, see inTransaction.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    // Re-read inside the lock: another process may have migrated meanwhile.
    const done = new Set(applied.all().map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
  }).immediate();
}

/**
 * Runs fn in a BEGIN IMMEDIATE transaction (the write lock is taken up front, so two writers
 * never deadlock on a read-then-write upgrade). `durable` fsyncs the commit.
 */
export function inTransaction<T>(db: Db, fn: () => T, durable = false): T {
  if (!durable) return db.transaction(fn).immediate();
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn).immediate();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}
