import pg from 'pg';
import { createHash } from 'node:crypto';
import { migrate, WRITER_ROLE } from './migrations.js';

export interface PostgresOptions {
  /**
   * `postgres://user:password@host:port/database`. The user should own the schema: it runs the
   * migrations. Another login role works once the schema is current, if it may read
   * `schema_migrations` and is a member of `raize_writer`.
   */
  url: string;
  /** Connections in the pool. @default 10 */
  poolSize?: number;
  /**
   * Run every pooled connection as `raize_writer` (the role without UPDATE, DELETE or TRUNCATE
   * on the append-only tables). The login role must be a member: an operator runs
   * `GRANT raize_writer TO <login role>` once (a superuser, as in the throwaway test cluster,
   * needs nothing). Off only when the login role is itself restricted the same way.
   * @default true
   */
  writerRole?: boolean;
  /** How long a call waits for a free connection before it fails. @default 30000 */
  connectionTimeoutMs?: number;
  /**
   * The server ends a session that sits inside a transaction this long without a statement
   * (`idle_in_transaction_session_timeout`): a host paused mid-write (SIGSTOP, a debugger, a
   * frozen VM) cannot hold the audit chain's head or an account's budget lock for everyone, and
   * its write is refused when it wakes. The store's own transactions send their statements
   * back to back. 0 turns it off. @default 15000
   */
  stalledTransactionTimeoutMs?: number;
}

/** A query runner: the pool (one statement, autocommit) or one transaction's connection. */
export interface Sql {
  rows<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** The first row, or undefined. */
  row<R>(text: string, values?: readonly unknown[]): Promise<R | undefined>;
  /** How many rows the statement changed. */
  run(text: string, values?: readonly unknown[]): Promise<number>;
}

const INT8 = 20;
const TIMESTAMPTZ = 1184;
/** Deadlock and serialization failures: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const TX_ATTEMPTS = 3;

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
  }
}

/**
 * One pool per store. Rows come back as the SQLite adapter returns them: timestamps as ISO
 * strings (`toISOString()`), bigints as numbers (sequence numbers and counts stay far below 2^53).
 */
export class Database implements Sql {
  /** Settles once the schema is up to date; every call awaits it first. */
  readonly ready: Promise<void>;
  private readonly pool: pg.Pool;
  /** Statement text → name: each connection prepares a statement once and reuses its plan. */
  private readonly names = new Map<string, string>();
  private closed: Promise<void> | undefined;

  constructor(options: PostgresOptions) {
    const base = connectionConfig(options.url);
    const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text');
    const types = {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === INT8) return (value: string) => Number(value);
        if (oid === TIMESTAMPTZ) return (value: string) => (parseTimestamptz(value) as Date).toISOString();
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    };
    const settings = [
      base.options,
      '-c TimeZone=UTC',
      `-c idle_in_transaction_session_timeout=${options.stalledTransactionTimeoutMs ?? 15_000}`,
      // The role is a startup parameter, not a SET after connecting: a login role that may not
      // take it fails to connect at all, so nothing ever runs with the owner's rights by mistake.
      options.writerRole === false ? '' : `-c role=${WRITER_ROLE}`,
    ];
    this.pool = new pg.Pool({
      ...base.config,
      options: settings.filter(Boolean).join(' '),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 30_000,
      types,
    });
    // An idle connection the server dropped: the pool discards it; the next call gets a new one.
    this.pool.on('error', () => undefined);
    const where = redactUrl(options.url);
    this.ready = migrate({ ...base.config, options: base.options || undefined }).catch((error: unknown) => {
      throw new Error(`PostgreSQL store at ${where}: could not bring the schema up to date: ${(error as Error).message}`, { cause: error });
    });
    // Each caller sees the failure through its own call; nobody has to await `ready` itself.
    this.ready.catch(() => undefined);
  }

  async rows<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    await this.ready;
    return (await this.pool.query(this.statement(text, values))).rows as R[];
  }

  async row<R>(text: string, values: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(text, values))[0];
  }

  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    await this.ready;
    return (await this.pool.query(this.statement(text, values))).rowCount ?? 0;
  }

  /**
   * Runs `fn` in one transaction on one connection. `durable`: the commit waits for the WAL
   * flush whatever the server's default (`synchronous_commit = on`); `lazy`: it does not
   * (`off`: see TransitionWrite.lazy), else the server's default decides. A deadlock or
   * serialization failure rolls everything back and runs `fn` again: it is pure database work.
   */
  async tx<T>(fn: (sql: Sql) => Promise<T>, options: { durable?: boolean; lazy?: boolean } = {}): Promise<T> {
    await this.ready;
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      // The server may end the session between two statements (a stalled transaction, a
      // restart): pg reports that as an 'error' event, which must not go unheard.
      const onLost = (error: Error) => void (broken = error);
      client.on('error', onLost);
      try {
        await client.query(options.durable ? 'BEGIN; SET LOCAL synchronous_commit = on' : options.lazy ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
        const result = await fn(this.on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => void (broken = rollback));
        const code = (error as { code?: string }).code;
        if (attempt < TX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
        throw error;
      } finally {
        client.removeListener('error', onLost);
        // A connection lost, or whose rollback failed, is in an unknown state: the pool must not hand it out again.
        client.release(broken);
      }
    }
  }

  /** Ends the pool once the migrations settled; closing again does nothing. */
  close(): Promise<void> {
    this.closed ??= this.ready.catch(() => undefined).then(() => this.pool.end());
    return this.closed;
  }

  private on(client: pg.PoolClient): Sql {
    return {
      rows: async <R>(text: string, values: readonly unknown[] = []) => (await client.query(this.statement(text, values))).rows as R[],
      row: async <R>(text: string, values: readonly unknown[] = []) => (await client.query(this.statement(text, values))).rows[0] as R | undefined,
      run: async (text: string, values: readonly unknown[] = []) => (await client.query(this.statement(text, values))).rowCount ?? 0,
    };
  }

  private statement(text: string, values: readonly unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (name === undefined) this.names.set(text, (name = `raize_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`));
    return { name, text, values: values as unknown[] };
  }
}

/**
 * The pool's settings from the URL. Startup `options` in the URL would replace ours (pg lets the
 * connection string win), so they are taken out of it and put in front of ours.
 */
function connectionConfig(url: string): { config: pg.PoolConfig; options: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    if (/[?&]options=/.test(url)) throw new Error(`PostgreSQL URL ${redactUrl(url)}: startup options are read only from a postgres://user:password@host:port/database URL`);
    return { config: { connectionString: url }, options: '' };
  }
  const options = parsed.searchParams.get('options') ?? '';
  parsed.searchParams.delete('options');
  return { config: { connectionString: parsed.toString() }, options };
}
