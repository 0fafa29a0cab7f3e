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
  // (the write-ahead `attempted` record) switch to FULL for their own commit, see GroupWriter.
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

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface PendingWrite {
  fn: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Writes issued in the same turn of the event loop (concurrent actions of a
 * farm) share one IMMEDIATE transaction. If one write throws (a stale state, say), the batch
 * is rolled back and run again with each write in its own savepoint, so it fails alone while
 * the others commit. Writes are pure database work, so running one twice is safe. A promise resolves
 * only after the commit that carries it, fsynced if any write in the batch asked for it.
 */
export class GroupWriter {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  /** All writes of a batch in one transaction, no savepoints: the fast path. */
  private readonly plain: Database.Transaction<(items: PendingWrite[]) => unknown[]>;
  /** Each write in its own savepoint: the path after a write of the batch threw. */
  private readonly isolated: Database.Transaction<(items: PendingWrite[]) => Outcome[]>;

  /** Called whenever what a write may have cached about the database can no longer be trusted. */
  private readonly resets: (() => void)[] = [];

  constructor(private readonly db: Db) {
    const savepoint = db.transaction((fn: () => unknown) => fn());
    this.plain = db.transaction((items: PendingWrite[]) => {
      this.reset();
      return items.map((item) => item.fn());
    });
    this.isolated = db.transaction((items: PendingWrite[]) => items.map((item): Outcome => {
      this.reset();
      try {
        return { ok: true, value: savepoint(item.fn) };
      } catch (error) {
        return { ok: false, error };
      }
    }));
  }

  /** Registers a cache to drop at the start of every transaction and after every rollback. */
  onReset(fn: () => void): void {
    this.resets.push(fn);
  }

  private reset(): void {
    for (const fn of this.resets) fn();
  }

  write<T>(fn: () => T, durable = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, durable, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every write queued so far has committed (or failed). */
  async drain(): Promise<void> {
    if (this.queue.length > 0) await this.write(() => undefined).catch(() => undefined);
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (items.length === 0 || !this.db.open) {
      for (const item of items) item.reject(new Error('store is closed'));
      return;
    }
    const durable = items.some((i) => i.durable);
    let results: Outcome[];
    try {
      if (durable) this.db.pragma('synchronous = FULL');
      try {
        results = this.plain.immediate(items).map((value) => ({ ok: true, value }));
      } catch {
        // One write threw (a stale state, an invalid record) and the whole batch rolled back:
        // run it again with each write isolated, so only the failing ones fail.
        results = this.isolated.immediate(items);
      }
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    } finally {
      if (durable && this.db.open) this.db.pragma('synchronous = NORMAL');
    }
    results.forEach((r, i) => (r.ok ? items[i]!.resolve(r.value) : items[i]!.reject(r.error)));
  }
}
